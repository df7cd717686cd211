import { connect, createServer, type Server, type Socket } from 'node:net';
import type { BrowserReach } from './browser-reach.js';

/** A connection the guard did not make: what the browser asked for, and why (not allowed, or the dial failed). */
export interface Refusal {
  at: number;
  host: string;
  port: number;
  why: 'not allowed' | 'connection refused' | 'unreachable';
}

const KEPT = 50;
const HANDSHAKE_TIMEOUT_MS = 10_000;
// SOCKS5 (RFC 1928) replies.
const SUCCEEDED = 0x00;
const NOT_ALLOWED = 0x02;
const UNREACHABLE = 0x04;
const REFUSED = 0x05;
const COMMAND_NOT_SUPPORTED = 0x07;
const ADDRESS_NOT_SUPPORTED = 0x08;

/**
 * A SOCKS5 proxy on loopback that is the host browser's only way out. Chromium sends every
 * connection through it (page loads, redirects, subresources, fetch, WebSockets; Playwright maps
 * loopback through the proxy too and turns off Chromium's own DNS), so the reach rule holds for
 * all of them, where request interception misses redirects. CONNECT only, no authentication: it
 * listens on 127.0.0.1 and dials only what the rule allows, so it gives no one more than they had.
 */
export class SocksGuard {
  private readonly refusals: Refusal[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(reach: BrowserReach): Promise<SocksGuard> {
    let guard: SocksGuard | undefined;
    const server = createServer((socket) => guard!.accept(socket, reach));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    guard = new SocksGuard(server, (server.address() as { port: number }).port);
    return guard;
  }

  /** The proxy setting for Chromium. */
  get url(): string {
    return `socks5://127.0.0.1:${this.port}`;
  }

  /** Connections not made since `since` (ms epoch), oldest first. */
  refusedSince(since: number): Refusal[] {
    return this.refusals.filter((r) => r.at >= since);
  }

  private note(host: string, port: number, why: Refusal['why']): void {
    this.refusals.push({ at: Date.now(), host, port, why });
    if (this.refusals.length > KEPT) this.refusals.shift();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket, reach: BrowserReach): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let greeted = false;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > 600) return void socket.destroy();
      if (!greeted) {
        // VER NMETHODS METHODS...: we take "no authentication" (0x00).
        if (buffered.length < 2) return;
        if (buffered[0] !== 5) return void socket.destroy();
        const n = buffered[1]!;
        if (buffered.length < 2 + n) return;
        const methods = buffered.subarray(2, 2 + n);
        buffered = buffered.subarray(2 + n);
        greeted = true;
        if (!methods.includes(0)) return void socket.end(Buffer.from([5, 0xff]));
        socket.write(Buffer.from([5, 0]));
      }
      const request = parseRequest(buffered);
      if (request === 'incomplete') return;
      socket.off('data', onData);
      if (typeof request === 'number') return void socket.end(reply(request));
      const rest = buffered.subarray(request.length);
      let dial: string | undefined;
      try {
        dial = reach.target(request.host, request.port);
      } catch {
        dial = undefined; // the rule could not be read (the state database closed): nothing is allowed
      }
      if (dial === undefined) {
        this.note(request.host, request.port, 'not allowed');
        return void socket.end(reply(NOT_ALLOWED));
      }
      this.tunnel(socket, request.host, dial, request.port, rest);
    };
    socket.on('data', onData);
  }

  private tunnel(socket: Socket, asked: string, host: string, port: number, early: Buffer): void {
    socket.pause();
    const upstream = connect({ host, port });
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      socket.setTimeout(0);
      socket.write(reply(SUCCEEDED));
      if (early.length) upstream.write(early);
      socket.pipe(upstream).pipe(socket);
      socket.resume();
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return void socket.destroy();
      const refused = err.code === 'ECONNREFUSED';
      this.note(asked, port, refused ? 'connection refused' : 'unreachable');
      socket.end(reply(refused ? REFUSED : UNREACHABLE));
    });
    socket.once('close', () => upstream.destroy());
  }
}

/** A CONNECT request's target; a reply code when it cannot be served; 'incomplete' until it has all arrived. */
function parseRequest(b: Buffer): { host: string; port: number; length: number } | number | 'incomplete' {
  if (b.length < 5) return 'incomplete';
  if (b[0] !== 5) return COMMAND_NOT_SUPPORTED;
  if (b[1] !== 1) return COMMAND_NOT_SUPPORTED; // CONNECT only: no BIND, no UDP ASSOCIATE
  const type = b[3];
  let host: string;
  let at: number;
  if (type === 1) {
    if (b.length < 10) return 'incomplete';
    host = [...b.subarray(4, 8)].join('.');
    at = 8;
  } else if (type === 3) {
    const n = b[4]!;
    if (b.length < 5 + n + 2) return 'incomplete';
    host = b.subarray(5, 5 + n).toString('latin1');
    at = 5 + n;
  } else if (type === 4) {
    if (b.length < 22) return 'incomplete';
    const words = [];
    for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(4 + 2 * i).toString(16));
    host = words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
    at = 20;
  } else {
    return ADDRESS_NOT_SUPPORTED;
  }
  return { host, port: b.readUInt16BE(at), length: at + 2 };
}

function reply(code: number): Buffer {
  return Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}
