/** Terminal output: colours only on a TTY and never with NO_COLOR (https://no-color.org). */
const useColor = () => Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';

const paint = (code: number) => (text: string) => (useColor() ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = paint(1);
export const dim = paint(2);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);
export const blue = paint(34);
export const cyan = paint(36);

const statusPaint: Record<string, (t: string) => string> = {
  running: green,
  starting: yellow,
  paused: yellow,
  created: blue,
  stopped: dim,
  error: red,
  // agents
  working: cyan,
  waiting_for_permission: yellow,
  idle: green,
  exited: dim,
  // tasks and subtasks
  done: green,
  accepted: green,
  planned: blue,
  failed: red,
  rejected: red,
  timed_out: red,
  cancelled: dim,
  waiting: dim,
};

export function status(s: string): string {
  return (statusPaint[s] ?? ((t: string) => t))(s);
}

// Strip colour codes before measuring, so coloured cells line up.
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c))))
      .join('  ')
      .trimEnd();
  return [bold(line(headers)), ...rows.map(line)].join('\n');
}

export { age, ago } from './time-ago.js';

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
