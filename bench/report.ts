import type { Stats } from './measure.js';

/** One figure: our time (or rate) next to the peer's, taken in the same run so machine load hits both. */
export interface Figure {
  name: string;
  ours: Stats;
  peer: Stats;
  peerName: string;
  /**
   * 'time' (the default): wall times in ms, lower is better, and `goal` is the most ours/peer may be.
   * 'rate': calls per second, higher is better, and `goal` is the least ours/peer may be.
   */
  kind?: 'time' | 'rate';
  /** Show the ratio as overhead in percent (start times) rather than as a multiple (list). */
  asOverhead?: boolean;
  /** The bound on ours/peer set by the issue's goal (see `kind`); unset when no goal applies. */
  goal?: number;
  /** A goal on our own median time in ms, whatever the peer's (latencies). */
  absoluteGoalMs?: number;
}

const ms = (v: number) => `${Math.round(v)} ms`;
// A time's best sample is its least, a rate's its greatest.
const cell = (s: Stats, kind: Figure['kind']) =>
  kind === 'rate' ? `${Math.round(s.median)}/s (max ${Math.round(s.max)}, n=${s.n})` : `${ms(s.median)} (min ${Math.round(s.min)}, n=${s.n})`;
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${Math.round((ratio - 1) * 100)}%`;

function ratioText(f: Figure): string {
  const r = f.ours.median / f.peer.median;
  if (f.kind === 'rate') return `${r.toFixed(2)}×`;
  return f.asOverhead ? `${r.toFixed(2)}× (${pct(r)})` : `${r.toFixed(1)}×`;
}

function goalText(f: Figure): string {
  if (f.absoluteGoalMs !== undefined) return `≤ ${f.absoluteGoalMs} ms (${f.ours.median <= f.absoluteGoalMs ? 'met' : 'missed'})`;
  if (f.goal === undefined) return '-';
  const r = f.ours.median / f.peer.median;
  if (f.kind === 'rate') return `≥ ${f.goal}× (${r >= f.goal ? 'met' : 'missed'})`;
  const met = r <= f.goal ? 'met' : 'missed';
  return `${f.asOverhead ? `≤ ${pct(f.goal)}` : `≤ ${f.goal}×`} (${met})`;
}

/** Prints the figures as a table with columns sized to their contents. */
export function printFigures(figures: Figure[]): void {
  const rows = [
    ['figure (median)', 'optagon', 'peer', '', 'ratio', 'goal'],
    ...figures.map((f) => [f.name, cell(f.ours, f.kind), cell(f.peer, f.kind), f.peerName, ratioText(f), goalText(f)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** Prints the environment as `key  value` lines, since figures only mean something on a known machine. */
export function printEnvironment(env: Array<[string, string]>): void {
  const width = Math.max(...env.map(([k]) => k.length));
  for (const [k, v] of env) console.log(`${k.padEnd(width)}  ${v}`);
}
