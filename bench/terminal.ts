import { execa } from 'execa';
import type { BenchHome } from './bench-home.js';
import { sleep, stats } from './measure.js';
import type { Figure } from './report.js';
import { directClient, frameAttachClient, optagonClient, wettyClient, type TermClient } from './terminal-clients.js';

const BIG_BYTES = 200_000_000;
/** One run per client, each run in another order, so no client always follows the same one. */
const THROUGHPUT_RUNS = 4;
/** Keystrokes per client and condition, taken in rounds that rotate the clients, so drift in the machine's load hits all alike. */
const KEYSTROKES = 600;
const ROUNDS = 8;
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

/** One keystroke's round trip: sent, then its letter drawn. Backspace afterwards keeps the line empty. */
async function keystrokes(client: TermClient, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const letter = LETTERS[i % LETTERS.length]!;
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
  const makers: Array<() => Promise<TermClient>> = [
    () => optagonClient(daemon, frame),
    () => wettyClient(socket),
    () => directClient(socket),
    () => frameAttachClient(home.config.podman.binary, container),
  ];
  // A second, identical host-socket client: the gap between two clients that cannot differ is how
  // far a p99 moves on this machine by chance, the yardstick for the frame client's gap.
  const withControl = [...makers, () => directClient(socket, CONTROL)];
  const throughput = new Map<string, number[]>();
  const idle = new Map<string, number[]>();
  const busy = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, name: string, v: number[]) => m.set(name, [...(m.get(name) ?? []), ...v]);

  /** The clients, starting with a different one each round. */
  const inTurn = (round: number, clients = makers) => clients.map((_, i) => clients[(i + round) % clients.length]!);
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    for (const make of inTurn(run)) {
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
      for (const make of inTurn(round, withControl)) {
        const client = await make();
        await sleep(300); // the attach's first screen drawn
        add(into, client.name, await keystrokes(client, KEYSTROKES / ROUNDS));
        await client.close();
        await sleep(200);
      }
    }
  };
  await typeRounds(idle);
  // A second pane floods (digits only, so a typed letter is still told apart) while the first takes keys.
  const inFrame = (...args: string[]) =>
    execa(home.config.podman.binary, ['exec', container, 'tmux', '-S', '/run/optagon/tmux.sock', ...args], {
      reject: false,
    });
  await inFrame('split-window', '-d', '-t', 'main', 'while :; do seq 1 2000; done');
  try {
    await typeRounds(busy);
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
    figure(
      'terminal: keystroke echo, idle, attach in the frame vs on the host socket',
      idle,
      'tmux attach',
      { statistic: 'p99', withinMs: 1 },
      frameClient,
    ),
    figure('terminal: keystroke echo, idle, gateway vs the host socket', idle, 'tmux attach', { statistic: 'p99' }),
    figure('terminal: keystroke echo, another pane flooding', busy, 'wetty', { statistic: 'p99', goal: 0.5 }),
    figure(
      'terminal: keystroke echo, flooding, attach in the frame vs on the host socket',
      busy,
      'tmux attach',
      { statistic: 'p99', withinMs: 1 },
      frameClient,
    ),
    figure('terminal: keystroke echo, flooding, gateway vs the host socket', busy, 'tmux attach', { statistic: 'p99' }),
    figure(
      'terminal: keystroke echo, idle, the host socket vs itself (chance)',
      idle,
      'tmux attach',
      { statistic: 'p99' },
      CONTROL,
    ),
    figure(
      'terminal: keystroke echo, flooding, the host socket vs itself (chance)',
      busy,
      'tmux attach',
      { statistic: 'p99' },
      CONTROL,
    ),
  ];
}
