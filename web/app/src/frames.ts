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

export const megabytes = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`);

export function ago(iso: string | null): string {
  if (!iso) return '—';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** The app on the frame's port 3000, as this browser reaches it: the daemon's host name, the frame's port. */
export const appLink = (f: Frame) => (f.hostPort ? `${location.protocol === 'https:' ? 'http' : location.protocol}//${location.hostname}:${f.hostPort}/` : undefined);
