import { connectEmbedded } from '../cli/mcp-client.js';
import { BareFrame } from './bare-frame.js';
import type { BenchHome } from './bench-home.js';
import { stats, timed } from './measure.js';
import type { Figure } from './report.js';

/** Our goal: starting a frame costs at most 15% more than starting its container by hand. */
const START_GOAL = 1.15;

/**
 * `optagon frame start` until tmux is ready, against the same image run by hand with podman.
 * Ours and the peer's runs alternate, so a busy moment on the machine slows both alike.
 *
 * First starts (the frames in `firstStart`, which stay running afterwards) include `podman create`;
 * warm starts are stop/start cycles of the first frame, whose container already exists. The
 * first peer is `podman run -d`; `podman start` of an existing container is the like-for-like
 * peer of a warm start and shows what optagon itself adds. The `frame_start` tool called over an
 * in-process MCP client shows the same without the CLI's Node start-up (what the daemon will serve).
 */
export async function benchFrameStart(home: BenchHome, firstStart: string[], cycles = 5): Promise<Figure[]> {
  const target = firstStart[0];
  if (!target) throw new Error('frame start needs at least one frame');
  const bare = new BareFrame(home);
  const first: number[] = [];
  const warm: number[] = [];
  const peerRun: number[] = [];
  const peerStart: number[] = [];
  const tool: number[] = [];
  process.env.OPTAGON_HOME = home.root;
  const tools = await connectEmbedded();
  try {
    for (const frame of firstStart) {
      first.push(await home.timeCli(['frame', 'start', frame]));
      peerRun.push(await bare.runFresh());
    }
    for (let i = 0; i < cycles; i++) {
      await home.cli(['frame', 'stop', target]);
      warm.push(await home.timeCli(['frame', 'start', target]));
      peerRun.push(await bare.runFresh());
      peerStart.push(await bare.restart());
      await tools.call('frame_stop', { frame: target });
      tool.push(await timed(() => tools.call('frame_start', { frame: target })));
      peerRun.push(await bare.runFresh());
    }
  } finally {
    await tools.close();
    await bare.remove();
  }
  const peerRunStats = stats(peerRun);
  return [
    {
      name: 'frame start → tmux, warm',
      ours: stats(warm),
      peer: peerRunStats,
      peerName: 'podman run -d',
      asOverhead: true,
      goal: START_GOAL,
    },
    {
      name: 'frame start → tmux, warm',
      ours: stats(warm),
      peer: stats(peerStart),
      peerName: 'podman start',
      asOverhead: true,
    },
    {
      name: 'frame_start tool → tmux, warm',
      ours: stats(tool),
      peer: peerRunStats,
      peerName: 'podman run -d',
      asOverhead: true,
      goal: START_GOAL,
    },
    {
      name: 'frame start → tmux, first',
      ours: stats(first),
      peer: peerRunStats,
      peerName: 'podman run -d',
      asOverhead: true,
      goal: START_GOAL,
    },
  ];
}
