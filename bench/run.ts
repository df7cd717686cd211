import Database from 'better-sqlite3';
import { cpus, release } from 'node:os';
import { ContainerRuntime } from '../servers/frames/container-runtime.js';
import { BenchHome } from './bench-home.js';
import { benchAgentLatency } from './agent-latency.js';
import { benchAgentWorktree } from './agent-worktree.js';
import { benchBrowser } from './browser.js';
import { benchContext } from './context.js';
import { benchContextReal } from './context-real.js';
import { benchFrameList } from './frame-list.js';
import { benchFrameStart } from './frame-start.js';
import { benchMcpRate } from './mcp-rate.js';
import { benchRootless, rootlessUser } from './rootless.js';
import { FRAMES, RUNNING } from './start-figures.js';
import { benchTerminal, frameSocket } from './terminal.js';
import { benchTmuxChannel } from './tmux-channel.js';
import { benchWebApp } from './web-app.js';
import { run, stats, timeCommand } from './measure.js';
import { printEnvironment, printFigures, type Figure } from './report.js';

/** The groups of benchmarks `npm run bench -- <group>...` may name; none named runs all. */
const GROUPS = ['frames', 'context', 'browser', 'terminal', 'web'] as const;
type Group = (typeof GROUPS)[number];

function chosenGroups(args: string[]): Set<Group> {
  const unknown = args.filter((a) => !(GROUPS as readonly string[]).includes(a));
  if (unknown.length)
    throw new Error(`unknown benchmark group ${unknown.join(', ')}; the groups are ${GROUPS.join(', ')}`);
  return new Set((args.length ? args : GROUPS) as Group[]);
}

async function environment(home: BenchHome | undefined): Promise<Array<[string, string]>> {
  const sqlite = new Database(':memory:');
  const sqliteVersion = sqlite.prepare('SELECT sqlite_version()').pluck().get() as string;
  sqlite.close();
  const base: Array<[string, string]> = [
    ['node', process.version],
    ['kernel', `${release()} (${cpus().length} CPUs)`],
    ['sqlite', sqliteVersion],
  ];
  if (!home) return base;
  const podman = home.config.podman.binary;
  const version = async (file: string, args: string[]) =>
    (await run(file, args).catch(() => 'not found')).split('\n')[0]!.trim();
  // Node's own start-up is a floor under every CLI figure; print it so the ratios can be read.
  const nodeStart: number[] = [];
  for (let i = 0; i < 5; i++) nodeStart.push(await timeCommand(process.execPath, ['-e', '0']));
  return [
    ...base,
    ['podman', await version(podman, ['--version'])],
    ['tmux', await version('tmux', ['-V'])],
    ['podman flags', new ContainerRuntime(home.config.podman).runtimeFlags().join(' ')],
    ['image', home.config.frames.image],
    ['node -e 0', `${Math.round(stats(nodeStart).median)} ms (median of 5)`],
  ];
}

/** Frames, the daemon's MCP rate and agents: these need podman and a bench home. */
async function benchFrames(home: BenchHome): Promise<Figure[]> {
  const frames = await home.createFrames(FRAMES);
  const start = await benchFrameStart(home, frames.slice(0, RUNNING));
  const agents = await benchAgentLatency(home, frames[1]!);
  const worktrees = await benchAgentWorktree(home, frames[1]!);
  const channel = await benchTmuxChannel(home, frames[0]!);
  // From here the daemon runs in the bench home: the CLI goes through it unless told --embedded.
  await home.startDaemon();
  let figures: Figure[];
  try {
    const list = await benchFrameList(home);
    const mcp = await benchMcpRate(home);
    figures = [...list, ...start, ...mcp, ...agents, ...worktrees, ...channel];
  } finally {
    await home.stopDaemon();
  }
  const user = rootlessUser();
  if (user) figures.push(...(await benchRootless(user, start)));
  else
    console.error('(as root with OPTAGON_BENCH_ROOTLESS_USER=<user>, frame start and list are measured rootless too)');
  return figures;
}

/** The terminal gateway and the web dashboard against wetty, on a frame of their own, through the daemon. */
async function benchTerminalGroups(home: BenchHome, groups: Set<Group>): Promise<Figure[]> {
  const [frame] = await home.createFrames(1);
  await home.startDaemon();
  try {
    const figures = groups.has('terminal') ? await benchTerminal(home, frame!) : [];
    if (groups.has('web')) figures.push(...(await benchWebApp(home, frame!, await frameSocket(home, frame!))));
    return figures;
  } finally {
    await home.stopDaemon();
  }
}

async function main(): Promise<void> {
  const groups = chosenGroups(process.argv.slice(2));
  console.log('optagon benchmarks: our figure next to its peer, measured in this run\n');
  const home =
    groups.has('frames') || groups.has('terminal') || groups.has('web') ? await BenchHome.create() : undefined;
  try {
    printEnvironment(await environment(home));
    console.log('');
    const figures: Figure[] = [];
    if (home && groups.has('frames')) figures.push(...(await benchFrames(home)));
    if (groups.has('context')) figures.push(...(await benchContextReal()), ...(await benchContext()));
    if (groups.has('browser')) figures.push(...(await benchBrowser()));
    if (home && (groups.has('terminal') || groups.has('web')))
      figures.push(...(await benchTerminalGroups(home, groups)));
    printFigures(figures);
  } finally {
    await home?.dispose();
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exitCode = 1;
});
