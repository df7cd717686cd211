import type { BenchHome } from './bench-home.js';
import { stats, timeCommand } from './measure.js';
import type { Figure } from './report.js';

/** Our goals: listing frames costs at most 3× the one podman call it is built on (embedded), 2.5× with the daemon up. */
const EMBEDDED_GOAL = 3;
const DAEMON_GOAL = 2.5;

interface Listed {
  frames: Array<{ status: string }>;
}

/**
 * `optagon frame list` against the `podman ps` it would otherwise be built on, in both ways the CLI
 * runs. `--embedded`: a fresh node process with the MCP servers in-process, SQLite and one
 * `podman ps` to reconcile status. Daemon (which must be running in `home`): a fresh node process
 * and one HTTP request to the REST mirror; the daemon follows podman events, so it answers from
 * its state without asking podman. The three runs alternate so load drift hits all alike; one
 * untimed warm-up of each first, so none pays for a cold page cache.
 */
export async function benchFrameList(
  home: BenchHome,
  repetitions = 10,
  opts: { embeddedOnly?: boolean } = {},
): Promise<Figure[]> {
  const embeddedArgs = ['--embedded', 'frame', 'list'];
  const daemonArgs = ['frame', 'list'];
  const psArgs = ['ps', '--all', '--filter', 'label=io.optagon.frame', '--format', 'json'];
  const podman = home.config.podman.binary;
  // The warm-up also tells how many frames the list covers, and how many are running; both ways must agree.
  const { frames } = JSON.parse(await home.cli(['--json', ...embeddedArgs])) as Listed;
  const viaDaemon = opts.embeddedOnly ? undefined : (JSON.parse(await home.cli(['--json', ...daemonArgs])) as Listed);
  if (viaDaemon && viaDaemon.frames.length !== frames.length) {
    throw new Error(`frame list through the daemon shows ${viaDaemon.frames.length} frames, embedded ${frames.length}`);
  }
  const running = frames.filter((f) => f.status === 'running').length;
  await timeCommand(podman, psArgs);
  const embedded: number[] = [];
  const daemon: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    embedded.push(await home.timeCli(embeddedArgs));
    if (viaDaemon) daemon.push(await home.timeCli(daemonArgs));
    peer.push(await timeCommand(podman, psArgs));
  }
  const what = `(${frames.length} frames, ${running} up)`;
  const peerStats = stats(peer);
  const list: Figure = {
    name: `frame list --embedded ${what}`,
    ours: stats(embedded),
    peer: peerStats,
    peerName: 'podman ps -a',
    goal: EMBEDDED_GOAL,
  };
  if (!viaDaemon) return [list];
  return [
    list,
    {
      name: `frame list, daemon up ${what}`,
      ours: stats(daemon),
      peer: peerStats,
      peerName: 'podman ps -a',
      goal: DAEMON_GOAL,
    },
  ];
}
