import { cpus, release } from 'node:os';
import { ContainerRuntime } from '../servers/frames/container-runtime.js';
import { BenchHome } from './bench-home.js';
import { benchAgentLatency } from './agent-latency.js';
import { benchFrameList } from './frame-list.js';
import { benchFrameStart } from './frame-start.js';
import { benchMcpRate } from './mcp-rate.js';
import { run, stats, timeCommand } from './measure.js';
import { printEnvironment, printFigures, type Figure } from './report.js';

const FRAMES = 5;
const RUNNING = 3; // started by the start benchmark, so `frame list` sees running and stopped frames

async function environment(home: BenchHome): Promise<Array<[string, string]>> {
  const podman = home.config.podman.binary;
  const version = async (file: string, args: string[]) => (await run(file, args).catch(() => 'not found')).split('\n')[0]!.trim();
  // Node's own start-up is a floor under every CLI figure; print it so the ratios can be read.
  const nodeStart: number[] = [];
  for (let i = 0; i < 5; i++) nodeStart.push(await timeCommand(process.execPath, ['-e', '0']));
  return [
    ['node', process.version],
    ['podman', await version(podman, ['--version'])],
    ['tmux', await version('tmux', ['-V'])],
    ['kernel', `${release()} (${cpus().length} CPUs)`],
    ['podman flags', new ContainerRuntime(home.config.podman).runtimeFlags().join(' ')],
    ['image', home.config.frames.image],
    ['node -e 0', `${Math.round(stats(nodeStart).median)} ms (median of 5)`],
  ];
}

async function main(): Promise<void> {
  console.log('optagon benchmarks: our figure next to its peer, measured in this run\n');
  const home = await BenchHome.create();
  try {
    printEnvironment(await environment(home));
    console.log('');
    const frames = await home.createFrames(FRAMES);
    const start = await benchFrameStart(home, frames.slice(0, RUNNING));
    const agents = await benchAgentLatency(home, frames[1]!);
    // From here the daemon runs in the bench home: the CLI goes through it unless told --embedded.
    await home.startDaemon();
    let list: Figure[];
    let mcp: Figure[];
    try {
      list = await benchFrameList(home);
      mcp = await benchMcpRate(home);
    } finally {
      await home.stopDaemon();
    }
    const figures: Figure[] = [...list, ...start, ...mcp, ...agents];
    printFigures(figures);
  } finally {
    await home.dispose();
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exitCode = 1;
});
