// The CLI's dashboard says sizes and ages the same way; the helpers import nothing, so they bundle here.
export { ago, megabytes } from '../../../servers/shared/human-units';
export { setupOutcome } from '../../../servers/shared/setup-outcome';
import { setupOutcome } from '../../../servers/shared/setup-outcome';
import type { OptagonResults } from '../../../host/tool-results';

/** A frame as frame_list answers it. */
export type Frame = OptagonResults['frame_list']['frames'][number];
export type Stats = OptagonResults['frame_stats'];

/** Where this page is: the host name the daemon was reached by (a phone's is not the daemon's 127.0.0.1); an IPv6 one in brackets. */
type Here = Pick<Location, 'protocol' | 'hostname'>;

/**
 * A frame's published ports as this browser reaches them: the daemon's host name, the port's host
 * port, over http (frames serve plain http, even when the page came over https). 3000 comes first.
 */
export const portLinks = (f: Pick<Frame, 'ports'>, here: Here = location) =>
  f.ports.map((p) => ({
    container: p.container,
    host: p.host,
    href: `${here.protocol === 'https:' ? 'http:' : here.protocol}//${here.hostname}:${p.host}/`,
  }));

/** What a failed setup says on the frame (`setup failed at step 2 (exit 7)`); nothing when it did not fail. */
export const setupFailure = (f: Pick<Frame, 'setup'>) =>
  f.setup?.state === 'failed' ? `setup ${setupOutcome(f.setup)}` : undefined;

/** A running frame whose setup has not ended yet. */
export const isSettingUp = (f: Pick<Frame, 'status' | 'setup'>) =>
  f.status === 'running' && f.setup?.state === 'running';
