import { execa } from 'execa';
import type { BenchHome } from './bench-home.js';
import { p99GapInterval, sleep, stats } from './measure.js';
import type { Figure } from './report.js';
import { directClient, frameAttachClient, optagonClient, wettyClient, type TermClient } from './terminal-clients.js';

const BIG_BYTES = 200_000_000;
/** One run per client, each run in another order, so no client always follows the same one. */
const THROUGHPUT_RUNS = 6;
/** Keystrokes per client and condition, taken in rounds that rotate the clients, so drift in the machine's load hits all alike. */
const KEYSTROKES = 600;
const ROUNDS = 8;
/**
 * Keystrokes per bare client when they are typed into side by side (OPTAGON_BENCH_KEYSTROKES for
 * more): a p99 rests on its top 1%, so it takes thousands to pin one down to a millisecond.
 */
const SIDE_BY_SIDE = Number(process.env.OPTAGON_BENCH_KEYSTROKES ?? 2400);
const LETTERS = 'abcdefgijknopsuvwxyz';
/** The name of the second host-socket client, the control. */
const CONTROL = 'tmux attach, again';

/** Terminal text without its escape sequences, so a letter found is a letter drawn. */
const visible = (s: string) =>
  s.replace(/\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]/g, '');

/** Resolves once `client` has drawn something that `test` accepts (fed as output arrives). */
function awaitOutput(
  client: TermClient,
  test: (all: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.onOutput = undefined;
      reject(new Error(`${client.name}: no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.onOutput = (text) => {
      seen = (seen + text).slice(-4096);
      if (!test(seen)) return;
      clearTimeout(timer);
      client.onOutput = undefined;
      resolve();
    };
  });
}

let marker = 10;
/** Runs a command at the prompt and waits for its end marker (a product only the shell's answer holds). */
async function runCommand(client: TermClient, command: string, timeoutMs = 120_000): Promise<number> {
  const n = ++marker;
  const done = awaitOutput(client, (s) => visible(s).includes(`end-${n * n}`), timeoutMs, `end of ${command}`);
  const start = performance.now();
  client.send(`${command}; echo end-$((${n}*${n}))\r`);
  await done;
  return performance.now() - start;
}

/**
 * One keystroke's round trip: sent, then its letter drawn. Backspace afterwards keeps the line empty.
 * `from` picks the first letter, so keystrokes in a row never wait for the same one.
 */
async function keystrokes(client: TermClient, count: number, from = 0): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const letter = LETTERS[(from + i) % LETTERS.length]!;
    const drawn = awaitOutput(client, (s) => visible(s).includes(letter), 5_000, `echo of '${letter}'`);
    const start = performance.now();
    client.send(letter);
    await drawn;
    samples.push(performance.now() - start);
    client.send('\x7f');
    await sleep(15);
  }
  return samples;
}

/** `list` starting at its `by`-th element, so no one of them always goes first. */
const rotate = <T>(list: readonly T[], by: number): T[] => list.map((_, i) => list[(i + by) % list.length]!);

/**
 * Clients attached at the same time and typed into in turn, a keystroke each: the i-th samples of
 * all were taken within milliseconds of each other, under the same load, so their p99s can be
 * compared pair by pair (p99GapInterval) rather than across rounds the machine's load drifts between.
 * Each round attaches them in another order, since tmux writes to its clients in the order they came.
 */
async function sideBySide(makers: Array<() => Promise<TermClient>>, perClient: number): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>();
  const perRound = Math.ceil(perClient / ROUNDS);
  let typed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const clients: TermClient[] = [];
    for (const make of rotate(makers, round)) clients.push(await make());
    await sleep(300); // the attaches' first screens drawn
    for (let i = 0; i < perRound; i++)
      for (const client of rotate(clients, i))
        samples.set(client.name, [...(samples.get(client.name) ?? []), ...(await keystrokes(client, 1, typed++))]);
    for (const client of clients) await client.close();
    await sleep(200);
  }
  return samples;
}

/** Starts the frame unless it runs (through the daemon) and answers its tmux socket on the host. */
export async function frameSocket(home: BenchHome, frame: string): Promise<string> {
  const daemon = home.daemon();
  const call = async (tool: string) => {
    const res = await fetch(`${daemon.url}/api/tools/${tool}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ frame }),
    });
    if (!res.ok) throw new Error(`${tool}: ${await res.text()}`);
    return (await res.json()) as { socket?: string; frame?: { status: string } };
  };
  if ((await call('frame_get')).frame?.status !== 'running') await call('frame_start');
  return (await call('frame_attach')).socket!;
}

/**
 * The terminal gateway against wetty (npm) on the same tmux session of a real frame, and bare
 * `tmux attach` clients in a local pty: on the host socket (how the gateway attached before it ran its
 * clients in the frame; unsafe with a frame's server, fine with this bench's own frame) and in the
 * frame as the gateway runs them now. Throughput of `cat` of 200 MB to a client that acknowledges,
 * and keystroke echo latency, idle and while another pane floods the screen.
 * Clients take turns (one attached at a time) so each gets the same tmux and machine.
 */
export async function benchTerminal(home: BenchHome, frame: string): Promise<Figure[]> {
  const daemon = home.daemon();
  const socket = await frameSocket(home, frame);
  const container = home.frames.find((f) => f.name === frame)!.containerName;
  process.stderr.write(`terminal: writing ${BIG_BYTES / 1e6} MB into ${frame}…\n`);
  await execa(home.config.podman.binary, [
    'exec',
    container,
    'sh',
    '-c',
    `yes the-quick-brown-fox-jumps-over-the-lazy-dog | head -c ${BIG_BYTES} > /tmp/big`,
  ]);
  const bare: Array<() => Promise<TermClient>> = [
    () => directClient(socket),
    () => frameAttachClient(home.config.podman.binary, container),
    // A second, identical host-socket client: the gap between two clients that cannot differ is how
    // far a p99 moves on this machine by chance, the yardstick for the frame client's gap.
    () => directClient(socket, CONTROL),
  ];
  const makers: Array<() => Promise<TermClient>> = [
    () => optagonClient(daemon, frame),
    () => wettyClient(socket),
    ...bare.slice(0, 2),
  ];
  const throughput = new Map<string, number[]>();
  const idle = new Map<string, number[]>();
  const busy = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, name: string, v: number[]) => m.set(name, [...(m.get(name) ?? []), ...v]);

  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    for (const make of rotate(makers, run)) {
      const client = await make();
      await runCommand(client, 'clear');
      const ms = await runCommand(client, 'cat /tmp/big');
      add(throughput, client.name, [BIG_BYTES / 1e6 / (ms / 1000)]);
      process.stderr.write(`terminal: cat 200 MB via ${client.name}: ${Math.round(ms)} ms\n`);
      await client.close();
      await sleep(300);
    }
  }
  const typeRounds = async (into: Map<string, number[]>) => {
    for (let round = 0; round < ROUNDS; round++) {
      // The gateway and wetty against the host socket; the frame's client is typed into side by side.
      for (const make of rotate(makers.slice(0, 3), round)) {
        const client = await make();
        await sleep(300); // the attach's first screen drawn
        add(into, client.name, await keystrokes(client, KEYSTROKES / ROUNDS));
        await client.close();
        await sleep(200);
      }
    }
  };
  await typeRounds(idle);
  process.stderr.write(`terminal: ${SIDE_BY_SIDE} keystrokes each into the bare clients side by side, idle…\n`);
  const idlePaired = await sideBySide(bare, SIDE_BY_SIDE);
  // A second pane floods (digits only, so a typed letter is still told apart) while the first takes keys.
  const inFrame = (...args: string[]) =>
    execa(home.config.podman.binary, ['exec', container, 'tmux', '-S', '/run/optagon/tmux.sock', ...args], {
      reject: false,
    });
  let busyPaired = new Map<string, number[]>();
  await inFrame('split-window', '-d', '-t', 'main', 'while :; do seq 1 2000; done');
  try {
    await typeRounds(busy);
    process.stderr.write(`terminal: …and while a pane floods\n`);
    busyPaired = await sideBySide(bare, SIDE_BY_SIDE);
  } finally {
    await inFrame('kill-pane', '-a', '-t', 'main:0.0');
  }

  const figure = (
    name: string,
    m: Map<string, number[]>,
    peer: string,
    extra: Partial<Figure>,
    ours = 'optagon',
  ): Figure => ({
    name,
    ours: stats(m.get(ours)!),
    peer: stats(m.get(peer)!),
    peerName: peer,
    ...extra,
  });
  // The gateway used to spawn `tmux attach` on the host socket; now it spawns the client in the
  // frame. Both bare, in a pty of this process, give what that move cost, the gateway's own
  // WebSocket layer (the same before and after) left out; its figures against the host socket show
  // that layer in.
  const frameClient = 'attach in frame';
  // The bare clients typed side by side: the frame's client against the host socket's, held to the
  // goal by the interval of the gap, and the host socket against itself, what chance alone gives.
  const paired = (condition: string, m: Map<string, number[]>): Figure[] =>
    [frameClient, CONTROL].map((ours) =>
      figure(
        `terminal: keystroke echo, ${condition}, side by side, ${ours === CONTROL ? 'the host socket vs itself (chance)' : 'attach in the frame vs on the host socket'}`,
        m,
        'tmux attach',
        {
          statistic: 'p99',
          gapInterval: p99GapInterval(m.get(ours)!, m.get('tmux attach')!),
          ...(ours === CONTROL ? {} : { withinMs: 1 }),
        },
        ours,
      ),
    );
  return [
    figure('terminal: cat 200 MB, MB/s (binary, acked)', throughput, 'wetty', { kind: 'rate', goal: 2 }),
    figure(
      'terminal: cat 200 MB, MB/s, attach in the frame vs on the host socket',
      throughput,
      'tmux attach',
      { kind: 'rate', goal: 0.9 },
      frameClient,
    ),
    figure('terminal: cat 200 MB, MB/s, gateway vs the host socket', throughput, 'tmux attach', { kind: 'rate' }),
    figure('terminal: keystroke echo, idle', idle, 'wetty', { statistic: 'p99', goal: 0.5 }),
    figure('terminal: keystroke echo, idle, gateway vs the host socket', idle, 'tmux attach', { statistic: 'p99' }),
    figure('terminal: keystroke echo, another pane flooding', busy, 'wetty', { statistic: 'p99', goal: 0.5 }),
    figure('terminal: keystroke echo, flooding, gateway vs the host socket', busy, 'tmux attach', { statistic: 'p99' }),
    ...paired('idle', idlePaired),
    ...paired('flooding', busyPaired),
  ];
}
