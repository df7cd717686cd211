import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostReach } from './browser-reach.js';
import { SocksGuard } from './socks-guard.js';

// Two echo servers on loopback: one stands for a frame's port, one for the daemon. A raw SOCKS5
// client asks the guard for each, as Chromium does.
let frame: Server;
let daemon: Server;
let framePort: number;
let daemonPort: number;
const daemonConnections: string[] = [];
let guard: SocksGuard;

const listen = async (onConnection: (s: Socket) => void) => {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as { port: number }).port };
};

/** Greets, asks to CONNECT to host:port (as a domain name or an IPv4 address), and returns the reply code and the socket. */
async function ask(host: string, port: number, command = 1): Promise<{ code: number; socket: Socket }> {
  const socket = connect(guard.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const read = (n: number) =>
    new Promise<Buffer>((resolve) => {
      let got = Buffer.alloc(0);
      const on = (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.length >= n) {
          socket.off('data', on);
          resolve(got);
        }
      };
      socket.on('data', on);
    });
  socket.write(Buffer.from([5, 1, 0]));
  expect([...(await read(2))]).toEqual([5, 0]);
  const ip = /^\d+\.\d+\.\d+\.\d+$/.test(host);
  const address = ip
    ? Buffer.from([1, ...host.split('.').map(Number)])
    : Buffer.concat([Buffer.from([3, host.length]), Buffer.from(host)]);
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  socket.write(Buffer.concat([Buffer.from([5, command, 0]), address, p]));
  const reply = await read(10);
  return { code: reply[1]!, socket };
}

beforeAll(async () => {
  ({ server: frame, port: framePort } = await listen((s) => s.pipe(s)));
  ({ server: daemon, port: daemonPort } = await listen((s) => {
    daemonConnections.push('connected');
    s.end('daemon.token');
  }));
  guard = await SocksGuard.start(
    hostReach({ framePorts: () => [framePort], bindAddress: '127.0.0.1', allowedOrigins: [] }),
  );
});
afterAll(async () => {
  await guard.close();
  frame.close();
  daemon.close();
});

describe('the SOCKS guard in front of the host browser', () => {
  it('refuses a connection to the daemon (or any port not allowed) and never dials it', async () => {
    const since = Date.now();
    for (const host of ['127.0.0.1', 'localhost']) {
      const { code, socket } = await ask(host, daemonPort);
      expect(code, host).toBe(0x02); // connection not allowed by ruleset
      socket.destroy();
    }
    expect(daemonConnections).toEqual([]);
    expect(guard.refusedSince(since).map((r) => `${r.host}:${r.port}`)).toEqual([
      `127.0.0.1:${daemonPort}`,
      `localhost:${daemonPort}`,
    ]);
  });

  it("tunnels to a frame's port, bytes both ways", async () => {
    const { code, socket } = await ask('localhost', framePort);
    expect(code).toBe(0);
    socket.write('ping');
    const echoed = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    expect(echoed).toBe('ping');
    socket.destroy();
  });

  it('BIND and UDP ASSOCIATE are refused: only CONNECT is served', async () => {
    for (const command of [2, 3]) {
      const { code, socket } = await ask('127.0.0.1', framePort, command);
      expect(code).toBe(0x07);
      socket.destroy();
    }
  });
});
