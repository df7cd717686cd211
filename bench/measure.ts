import { execa } from 'execa';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { sleep } from '../servers/shared/sleep.js';
import { prng } from './dev-history.js';

export { sleep };

/** A set of samples (wall times in milliseconds, rates, or 0/1 outcomes), summarised the way the report prints them. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
  /** 95th percentile (nearest rank): what a latency goal is usually set on. */
  p95: number;
  /** 99th percentile (nearest rank): the tail of a latency. */
  p99: number;
  /** The mean: for 0/1 outcomes (a question answered or not), the share that were 1. */
  mean: number;
}

/** The `p`-th percentile (0..100) of sorted samples, by nearest rank: always one of the samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) throw new Error('no samples were taken');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function stats(samples: number[]): Stats {
  if (!samples.length) throw new Error('no samples were taken');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    median,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    n: sorted.length,
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean,
  };
}

/**
 * How far the gap between two p99s could move by chance: a 95% interval of p99(ours) − p99(peer)
 * from a paired bootstrap. `ours[i]` and `peer[i]` were taken side by side (the same moment's load),
 * so the pairs are resampled together and what the machine did at that moment stays in both.
 */
export function p99GapInterval(ours: readonly number[], peer: readonly number[], iterations = 2000): [number, number] {
  const n = Math.min(ours.length, peer.length);
  if (!n) throw new Error('no samples were taken');
  const random = prng(99); // seeded: the same samples give the same interval on every print
  const gaps: number[] = [];
  const a = new Array<number>(n);
  const b = new Array<number>(n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      a[i] = ours[j]!;
      b[i] = peer[j]!;
    }
    gaps.push(
      percentile(
        a.sort((x, y) => x - y),
        99,
      ) -
        percentile(
          b.sort((x, y) => x - y),
          99,
        ),
    );
  }
  gaps.sort((x, y) => x - y);
  return [percentile(gaps, 2.5), percentile(gaps, 97.5)];
}

/** Wall time of `body`, in milliseconds. */
export async function timed(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

/**
 * Runs a command and returns its stdout; a failure throws with the command's own stderr, so a
 * broken benchmark says why instead of printing a timing of an error path.
 */
export async function run(file: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await execa(file, args, { env, reject: false, timeout: 180_000 });
  if (r.exitCode !== 0) {
    const detail = String(r.stderr || r.stdout)
      .trim()
      .split('\n')
      .slice(-5)
      .join('\n  ');
    throw new Error(`${[file, ...args].join(' ')} exited ${r.exitCode ?? r.signal}:\n  ${detail}`);
  }
  return String(r.stdout);
}

/** Wall time from spawn to exit of one command (which must succeed). */
export function timeCommand(file: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return timed(() => run(file, args, env));
}

/** Polls `check` every `intervalMs` until it is true; throws after `timeoutMs` naming `what`. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  intervalMs = 10,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago: the system picks it for a listen on port 0, then it is closed. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
