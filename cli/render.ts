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
  waiting_for_review: yellow,
  conflict: yellow,
};

export function status(s: string): string {
  return (statusPaint[s] ?? ((t: string) => t))(untrusted(s));
}

// C0 controls, DEL and C1 controls (ESC and CSI start terminal escapes: titles, colours, cursor moves,
// OSC 52 clipboard writes), and the bidirectional overrides that make text read other than it is.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A string from elsewhere (a path, a description, a window name, an event's details, a frame's output)
 * made safe to print on one line: tabs and line breaks become spaces, every other control character `?`,
 * as `ls` shows them. Apply it to everything the CLI prints that it did not write itself.
 */
export function untrusted(s: unknown): string {
  return String(s ?? '')
    .replace(/\r\n|[\t\n\r]/g, ' ')
    .replace(CONTROLS, '?');
}

/** The same for text that is several lines by design (an agent's screen or reply, a log): keeps \n and \t. */
export function untrustedText(s: unknown): string {
  return String(s ?? '')
    .replace(/\r\n/g, '\n')
    .replace(CONTROLS_BUT_LINES, '?');
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

export { age, ago } from '../servers/shared/human-units.js';

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) ((n /= 1024), i++);
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
