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

/** Frames whose name holds every character of the filter, in order (as a person types a shortening). */
export function matches(name: string, filter: string): boolean {
  let at = 0;
  for (const ch of filter.toLowerCase()) {
    at = name.toLowerCase().indexOf(ch, at) + 1;
    if (!at) return false;
  }
  return true;
}
