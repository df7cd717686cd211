/** A frame as the dashboard shows it (frame_list's fields it uses). */
export interface FrameRow {
  id: string;
  name: string;
  status: string;
  hostPort: number | null;
  lastActiveAt: string | null;
}

export interface FrameStats {
  cpuPercent: number;
  memUsageBytes: number;
}

/** "3m", "2h": how long ago, short enough for an 80-column row. */
export function since(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export const megabytes = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)}G` : `${Math.round(bytes / 1e6)}M`);

/** Frames whose name holds every character of the filter, in order (as a person types a shortening). */
export function matches(name: string, filter: string): boolean {
  let at = 0;
  for (const ch of filter.toLowerCase()) {
    at = name.toLowerCase().indexOf(ch, at) + 1;
    if (!at) return false;
  }
  return true;
}
