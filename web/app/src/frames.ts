// The CLI's dashboard says sizes and ages the same way; the helpers import nothing, so they bundle here.
export { ago, megabytes } from '../../../servers/shared/human-units';
import type { OptagonResults } from '../../../host/tool-results';

/** A frame as frame_list answers it. */
export type Frame = OptagonResults['frame_list']['frames'][number];
export type Stats = OptagonResults['frame_stats'];

/** The app on the frame's port 3000, as this browser reaches it: the daemon's host name, the frame's port. */
export const appLink = (f: Frame) =>
  f.hostPort
    ? `${location.protocol === 'https:' ? 'http' : location.protocol}//${location.hostname}:${f.hostPort}/`
    : undefined;
