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
   * 'share': 0/1 outcomes (a question answered or not), higher is better; their mean is printed as
   * a percentage and compared, and `goal` is the least ours/peer may be.
   * 'tokens': a size in (estimated) tokens, lower is better.
   * 'bytes': a size in bytes, lower is better (printed in KiB).
   */
  kind?: 'time' | 'rate' | 'share' | 'tokens' | 'bytes';
  /** Which statistic of a time is printed first, compared and held to the goals: the median (default), or the 95th or 99th percentile. */
  statistic?: 'median' | 'p95' | 'p99';
  /** Show the ratio as overhead in percent (start times) rather than as a multiple (list). */
  asOverhead?: boolean;
  /** The bound on ours/peer set by our goal (see `kind`); unset when no goal applies. */
  goal?: number;
  /** A goal on our own time in ms (its `statistic`), whatever the peer's (latencies). */
  absoluteGoalMs?: number;
  /** A goal on our own median rate, per second, whatever the peer's (throughputs). */
  absoluteGoalRate?: number;
  /** A goal on our own share (kind 'share': the mean of our samples), whatever the peer's. */
  absoluteGoalShare?: number;
  /** A goal on how much longer than the peer's our time may be, in ms (its `statistic`). */
  withinMs?: number;
  /**
   * A 95% interval of ours − peer (its `statistic`, in ms) from samples taken side by side: with it,
   * `withinMs` is met only when the whole interval is under it, missed only when all of it is over,
   * and otherwise left undecided, since the gap is then within what chance moves.
   */
  gapInterval?: [number, number];
}

/** Milliseconds, with decimals only where they say something (sub-10 ms latencies). */
const ms = (v: number) => `${v >= 10 ? Math.round(v) : v >= 1 ? v.toFixed(1) : v.toFixed(2)} ms`;

/** The statistic a figure is judged by. */
function value(s: Stats, f: Figure): number {
  if (f.kind === 'share') return s.mean;
  if (f.kind === 'rate' || !f.statistic || f.statistic === 'median') return s.median;
  return s[f.statistic];
}

// A time's best sample is its least, a rate's its greatest; a p95 is shown with its median.
function cell(s: Stats, f: Figure): string {
  if (f.kind === 'rate') return `${Math.round(s.median)}/s (max ${Math.round(s.max)}, n=${s.n})`;
  if (f.kind === 'share') return `${(s.mean * 100).toFixed(1)}% (n=${s.n})`;
  if (f.kind === 'tokens') return `${Math.round(s.median)} tokens (n=${s.n})`;
  if (f.kind === 'bytes') return `${(s.median / 1024).toFixed(0)} KiB`;
  if (f.statistic === 'p95' || f.statistic === 'p99')
    return `${f.statistic} ${ms(s[f.statistic])} (p50 ${ms(s.median)}, n=${s.n})`;
  return `${ms(s.median)} (min ${ms(s.min).replace(' ms', '')}, n=${s.n})`;
}
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${Math.round((ratio - 1) * 100)}%`;

function ratioText(f: Figure): string {
  const peer = value(f.peer, f);
  if (peer === 0) return '-';
  const r = value(f.ours, f) / peer;
  if (f.kind === 'rate' || f.kind === 'share') return `${r.toFixed(2)}×`;
  return f.asOverhead ? `${r.toFixed(2)}× (${pct(r)})` : `${r.toFixed(1)}×`;
}

function goalText(f: Figure): string {
  const ours = value(f.ours, f);
  if (f.absoluteGoalMs !== undefined)
    return `${f.statistic && f.statistic !== 'median' ? `${f.statistic} ` : ''}≤ ${f.absoluteGoalMs} ms (${ours <= f.absoluteGoalMs ? 'met' : 'missed'})`;
  if (f.withinMs !== undefined && f.gapInterval) {
    const [lo, hi] = f.gapInterval;
    const verdict = hi <= f.withinMs ? 'met' : lo > f.withinMs ? 'missed' : 'undecided at this n';
    return `≤ +${f.withinMs} ms (95% ${signed(lo)}..${signed(hi)}, ${verdict})`;
  }
  if (f.withinMs !== undefined) {
    const over = ours - value(f.peer, f);
    return `≤ +${f.withinMs} ms (${over >= 0 ? '+' : ''}${over.toFixed(1)}, ${over <= f.withinMs ? 'met' : 'missed'})`;
  }
  if (f.gapInterval) return `(95% ${signed(f.gapInterval[0])}..${signed(f.gapInterval[1])})`;
  if (f.absoluteGoalRate !== undefined)
    return `≥ ${f.absoluteGoalRate}/s (${ours >= f.absoluteGoalRate ? 'met' : 'missed'})`;
  const share =
    f.absoluteGoalShare === undefined
      ? ''
      : `≥ ${(f.absoluteGoalShare * 100).toFixed(0)}% (${ours >= f.absoluteGoalShare ? 'met' : 'missed'})`;
  if (f.goal === undefined) return share || '-';
  const r = ours / value(f.peer, f);
  if (share) return `${share}, ≥ ${f.goal}× (${r >= f.goal ? 'met' : 'missed'})`;
  if (f.kind === 'rate' || f.kind === 'share') return `≥ ${f.goal}× (${r >= f.goal ? 'met' : 'missed'})`;
  const met = r <= f.goal ? 'met' : 'missed';
  return `${f.asOverhead ? `≤ ${pct(f.goal)}` : `≤ ${f.goal}×`} (${met})`;
}

/** Prints the figures as a table with columns sized to their contents. */
export function printFigures(figures: Figure[]): void {
  const rows = [
    ['figure (median unless named)', 'optagon', 'peer', '', 'ratio', 'goal'],
    ...figures.map((f) => [f.name, cell(f.ours, f), cell(f.peer, f), f.peerName, ratioText(f), goalText(f)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

/** Prints the environment as `key  value` lines, since figures only mean something on a known machine. */
export function printEnvironment(env: Array<[string, string]>): void {
  const width = Math.max(...env.map(([k]) => k.length));
  for (const [k, v] of env) console.log(`${k.padEnd(width)}  ${v}`);
}
