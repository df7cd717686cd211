// The CLI's dashboard says sizes and ages the same way; its helpers import nothing, so they bundle here.
export { megabytes } from '../../../cli/dashboard/frame-rows';
export { ago } from '../../../cli/time-ago';

/** A frame as frame_list answers it (the fields the page uses). */
export interface Frame {
  id: string;
  name: string;
  status: 'created' | 'starting' | 'running' | 'paused' | 'stopped' | 'error';
  workspace: string;
  hostPort: number | null;
  url: string | null;
  lastActiveAt: string | null;
}

export interface Stats {
  cpuPercent: number;
  memUsageBytes: number;
  memLimitBytes: number;
}

/** The app on the frame's port 3000, as this browser reaches it: the daemon's host name, the frame's port. */
export const appLink = (f: Frame) => (f.hostPort ? `${location.protocol === 'https:' ? 'http' : location.protocol}//${location.hostname}:${f.hostPort}/` : undefined);
