import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { spawn as spawnPty } from 'node-pty';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { terminalInFrame } from '../servers/frames/frame-channels.js';
import { destroyPty } from '../web/gateway/terminal-proxy.js';
import { freePort, sleep } from './measure.js';

/**
 * A terminal on the same tmux session, reached four ways: Optagon's gateway, wetty, and a bare
 * `tmux attach` in a local pty (no network at all), on the host socket (the limit) or inside the frame
 * as the gateway runs it (the transport alone). Each acknowledges output as soon as
 * it arrives, as a client that renders instantly would; each feeds `onOutput` as bytes arrive.
 */
export interface TermClient {
  readonly name: string;
  send(data: string): void;
  onOutput?: (text: string) => void;
  close(): Promise<void>;
}

/** Optagon's /ws, with the options our web client uses for speed: binary frames and acks. A bare `ws` client, as lean as wetty's. */
export async function optagonClient(daemon: { url: string; token: string }, frame: string): Promise<TermClient> {
  const ws = new WebSocket(daemon.url.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const client: TermClient = {
    name: 'optagon',
    send: (data) => ws.send(Buffer.from(data)),
    close: async () => ws.close(),
  };
  const attached = new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        ws.send(`{"type":"ack","bytes":${data.length}}`);
        return client.onOutput?.(data.toString('latin1'));
      }
      const msg = JSON.parse(data.toString()) as { type: string; message?: string };
      if (msg.type === 'authenticated') ws.send(JSON.stringify({ type: 'attach', frameId: frame, cols: 80, rows: 24 }));
      if (msg.type === 'attached') resolve();
      if (msg.type === 'error') reject(new Error(`optagon: ${msg.message}`));
    });
  });
  ws.send(JSON.stringify({ type: 'auth', token: daemon.token, binary: true, ack: true }));
  await attached;
  return client;
}

/** wetty (npm) serving `tmux attach` of the socket on a free port; resolves once its page answers. */
export async function startWetty(socket: string): Promise<{ url: string; stop(): void }> {
  // wetty runs a local command only as root; otherwise it would ssh to localhost, which is not this comparison.
  if (process.getuid?.() !== 0)
    throw new Error(
      'wetty runs `tmux attach` itself only as root (else it ssh-es to localhost): run the terminal and web benchmarks as root',
    );
  const port = await freePort();
  const main = fileURLToPath(new URL('../../node_modules/wetty/build/main.js', import.meta.url)); // from dist/bench
  const proc: ChildProcess = spawnProcess(
    process.execPath,
    [
      main,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--base',
      '/wetty/',
      '--command',
      `tmux -S ${socket} attach -t main`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}/wetty/`;
  for (
    let i = 0;
    !(await fetch(url).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 100) {
      proc.kill();
      throw new Error('wetty did not answer within 10 s');
    }
    await sleep(100);
  }
  return { url, stop: () => proc.kill() };
}

/** wetty's page driven the way it drives wetty: socket.io, input and resize events, commits of rendered output. */
export async function wettyClient(socket: string): Promise<TermClient> {
  const wetty = await startWetty(socket);
  const sock = io(new URL(wetty.url).origin, {
    path: '/wetty/socket.io',
    transports: ['websocket'],
    reconnection: false,
  });
  // wetty spawns the command as the socket connects and says `login` when it has.
  await new Promise<void>((resolve, reject) => {
    sock.once('login', () => resolve());
    sock.once('connect_error', reject);
  });
  const client: TermClient = {
    name: 'wetty',
    send: (data) => void sock.emit('input', data),
    close: async () => {
      sock.close();
      wetty.stop();
    },
  };
  sock.on('data', (text: string) => {
    sock.emit('commit', text.length);
    client.onOutput?.(text);
  });
  sock.emit('resize', { cols: 80, rows: 24 });
  return client;
}

/** `tmux attach` on the host socket in a pty of this process: what any client would pay at least. */
export function directClient(socket: string, name = 'tmux attach'): Promise<TermClient> {
  return ptyClient(name, ['tmux', '-S', socket, 'attach', '-t', 'main']);
}

/** The tmux client the gateway spawns, inside the frame (terminalInFrame), in a pty of this process. */
export function frameAttachClient(podman: string, container: string): Promise<TermClient> {
  return ptyClient(
    'attach in frame',
    terminalInFrame(podman, container, ['attach-session', '-t', 'main'], randomUUID()),
  );
}

async function ptyClient(name: string, [cmd, ...args]: string[]): Promise<TermClient> {
  const pty = spawnPty(cmd!, args, {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    env: { ...(process.env as Record<string, string>), TMUX: '' },
    encoding: null,
  });
  const client: TermClient = {
    name,
    send: (data) => pty.write(data),
    close: async () => destroyPty(pty),
  };
  pty.onData((chunk) => client.onOutput?.((chunk as unknown as Buffer).toString('latin1')));
  return client;
}
