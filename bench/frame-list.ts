import type { BenchHome } from './bench-home.js';
import { stats, timeCommand } from './measure.js';
import type { Figure } from './report.js';

/** The goal: listing frames costs at most 3× the one podman call it is built on. */
const LIST_GOAL = 3;

/**
 * `optagon frame list` (a fresh node process, embedded MCP servers, SQLite, and one `podman ps`
 * to reconcile status) against that `podman ps` alone. Runs alternate so load drift hits both;
 * one untimed warm-up of each first, so neither pays for a cold page cache.
 */
export async function benchFrameList(home: BenchHome, repetitions = 10): Promise<Figure> {
  const listArgs = ['frame', 'list'];
  const psArgs = ['ps', '--all', '--filter', 'label=io.optagon.frame', '--format', 'json'];
  const podman = home.config.podman.binary;
  // The warm-up also tells how many frames the list covers, and how many are running.
  const { frames } = JSON.parse(await home.cli(['--json', ...listArgs])) as { frames: Array<{ status: string }> };
  const running = frames.filter((f) => f.status === 'running').length;
  await timeCommand(podman, psArgs);
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    ours.push(await home.timeCli(listArgs));
    peer.push(await timeCommand(podman, psArgs));
  }
  return { name: `frame list (${frames.length} frames, ${running} up)`, ours: stats(ours), peer: stats(peer), peerName: 'podman ps -a', goal: LIST_GOAL };
}
