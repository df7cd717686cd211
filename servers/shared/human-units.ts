// Ages and sizes said short, the same way in the CLI's tables and dashboard and on the web page
// (which bundles this file, so it imports nothing).

/** "3m ago", "2d ago": enough precision to scan a list. */
export function ago(iso: string | null, now = Date.now()): string {
  return iso ? `${age(iso, now)} ago` : '-';
}

/** "3m", "2h": how long since, short enough for a narrow column (the dashboard's). */
export function age(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** "512M", "2.1G": a memory figure for a narrow column. */
export const megabytes = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)}G` : `${Math.round(bytes / 1e6)}M`;

/** `s` cut to at most `max` characters, the cut marked with an ellipsis. */
export const shortened = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
