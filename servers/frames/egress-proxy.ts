import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { connect, createServer as createNetServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';

export interface EgressRefusal {
  host: string;
  port: number;
  /** 'CONNECT' for a tunnel, else the plain HTTP request's method. */
  method: string;
  reason: string;
}

export interface EgressProxyOptions {
  /**
   * Hosts the frame may reach: exact names (case-insensitive), or '*.example.com' for any subdomain of
   * example.com (not example.com itself); an IP literal entry allows that IP literally.
   */
  allowlist: string[];
  /** Names the frame's hosts file gives (name -> IP), consulted before DNS, so a name only the frame knows resolves as it does there. Default: none. */
  hosts?: Record<string, string>;
  /** Ports allowed on allowed hosts. Default: [80, 443]. */
  ports?: number[];
  /** Called for each refused host or port (not for malformed requests). Default: nothing. */
  onRefused?(refusal: EgressRefusal): void;
}

/** A tunnel nobody has used for this long is someone's leftover: close it. */
const IDLE_TIMEOUT_MS = 10 * 60_000;
/** Client connections at once; one frame cannot hold more of the host's sockets than this. */
export const MAX_CONNECTIONS = 256;
const DEFAULT_PORTS = [80, 443];
/** Headers about one hop (client -> proxy), not for the server behind it (RFC 9110 7.6.1). */
const HOP_BY_HOP = new Set([
  'proxy-authorization',
  'proxy-connection',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

interface Target {
  host: string;
  port: number;
}

interface Config {
  allowlist: string[];
  hosts: Map<string, string>;
  ports: number[];
}

interface Tunnel extends Target {
  client: Socket;
  upstream: Socket;
}

/** Lower case, no trailing dot, IPv6 without brackets and in one spelling, so equal names compare equal. */
function normalizeHost(host: string): string {
  let name = host.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (isIP(name) === 6) {
    try {
      name = new URL(`http://[${name}]/`).hostname.slice(1, -1);
    } catch {
      // A zone id (fe80::1%eth0) is no URL host; such an address is compared as written.
    }
  }
  return name;
}

export function hostAllowed(host: string, allowlist: string[]): boolean {
  const name = normalizeHost(host);
  if (name === '') return false;
  return allowlist.some((entry) => {
    const allowed = normalizeHost(entry);
    if (!allowed.startsWith('*.')) return name === allowed;
    // '.example.com': a name ending in it has at least one label more, and 'evilexample.com' does not end in it.
    const suffix = allowed.slice(1);
    return isIP(name) === 0 && name.length > suffix.length && name.endsWith(suffix);
  });
}

/** `host:port` or `[v6]:port` (port optional when defaultPort is given); undefined when malformed. */
function parseAuthority(authority: string, defaultPort?: number): Target | undefined {
  // Only the characters a DNS name or an IPv6 literal has: no userinfo, no percent-escapes, no spaces.
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+))(?::([0-9]{1,5}))?$/i.exec(authority);
  if (!m) return undefined;
  const [, v6, name, portText] = m;
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined || port < 1 || port > 65_535) return undefined;
  if (v6 !== undefined) return isIP(v6) === 6 ? { host: normalizeHost(v6), port } : undefined;
  const host = normalizeHost(name!);
  if (host.length === 0 || host.length > 253) return undefined;
  if (host.split('.').some((label) => label.length === 0 || label.length > 63)) return undefined;
  return { host, port };
}

/** `http://authority/path` split into its target and the path to send; undefined when not that form. */
function parseAbsoluteUrl(url: string): (Target & { authority: string; path: string }) | undefined {
  const m = /^http:\/\/([^/?#]*)([/?][^#]*)?$/i.exec(url);
  if (!m) return undefined;
  const authority = m[1]!;
  const target = parseAuthority(authority, 80);
  if (!target) return undefined;
  const rest = m[2] ?? '/';
  return { ...target, authority, path: rest.startsWith('?') ? `/${rest}` : rest };
}

/** The headers for the next hop: hop-by-hop ones, and those the Connection header names, left out. */
function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  return out;
}

function configOf(opts: EgressProxyOptions): Config {
  return {
    allowlist: [...opts.allowlist],
    hosts: new Map(Object.entries(opts.hosts ?? {}).map(([name, ip]) => [normalizeHost(name), ip])),
    ports: [...(opts.ports ?? DEFAULT_PORTS)],
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Answers a socket no HTTP response object owns (a CONNECT, a parse error, one too many) and closes it. */
function answerRaw(socket: Socket, status: number, text: string): void {
  // Answered already (node:http reports each later chunk of garbage again): let that answer reach the client.
  if (socket.writableEnded) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(`${text}\n`);
  // Read and drop what else the client sends, so the close after the answer is a FIN, not a reset that could lose it;
  // a client that never closes its side is dropped when idle.
  socket.resume();
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`,
  );
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`${text}\n`);
}

/**
 * The forward proxy a frame with a network allowlist reaches the world through (its HTTP_PROXY and
 * HTTPS_PROXY); its direct egress is dropped by the firewall, so this is its only way out.
 *
 * The decision is by name: the CONNECT target or the absolute URL's host, never the Host header
 * (the frame writes that). An allowed name is then resolved through the frame's hosts map, then DNS,
 * and whatever address that gives is connected to; an allowed name whose DNS answers a private or
 * loopback address therefore reaches it, from the host.
 */
export class EgressProxy {
  private config: Config;
  private onRefused: EgressProxyOptions['onRefused'];
  /** Takes connections and counts them, as node:http has no way to answer 503 when full. */
  private readonly server: Server;
  private readonly http: HttpServer;
  /** Every socket open, both sides, so close() can end them. */
  private readonly sockets = new Set<Socket>();
  private readonly tunnels = new Set<Tunnel>();
  private clients = 0;

  constructor(opts: EgressProxyOptions) {
    this.config = configOf(opts);
    this.onRefused = opts.onRefused;
    // Half-open as node:http expects: a client may finish sending and still be owed the answer.
    this.server = createNetServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    // The Host header plays no part here, so its absence is no reason to refuse.
    this.http = createHttpServer({ requireHostHeader: false });
    this.http.setTimeout(IDLE_TIMEOUT_MS);
    this.http.on('request', (req, res) => this.forward(req, res));
    this.http.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.tunnel(req, socket, head));
    this.http.on('upgrade', (_req: IncomingMessage, socket: Socket) =>
      answerRaw(socket, 400, 'optagon: upgrades (WebSocket) go through the proxy with CONNECT, not plain HTTP'),
    );
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET') return socket.destroy();
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      answerRaw(socket, tooLarge ? 431 : 400, `optagon egress proxy: not an HTTP proxy request (${err.message})`);
    });
  }

  listen(host: string, port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** New requests and tunnels follow the new configuration; open tunnels it no longer allows are closed. */
  update(opts: EgressProxyOptions): void {
    this.config = configOf(opts);
    this.onRefused = opts.onRefused;
    for (const t of this.tunnels)
      if (this.refusal(this.config, t) !== undefined) {
        t.client.destroy();
        t.upstream.destroy();
      }
  }

  close(): Promise<void> {
    // Resolved when every socket is gone too (upstream ones included), so nothing outlives the proxy.
    const closed = [new Promise<void>((resolve) => this.server.close(() => resolve()))];
    for (const socket of this.sockets) {
      closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
      socket.destroy();
    }
    return Promise.all(closed).then(() => undefined);
  }

  private accept(socket: Socket): void {
    this.track(socket);
    if (this.clients >= MAX_CONNECTIONS) {
      answerRaw(socket, 503, `optagon: this frame has ${MAX_CONNECTIONS} connections open already; close some`);
      return;
    }
    this.clients++;
    socket.once('close', () => this.clients--);
    this.http.emit('connection', socket);
  }

  /** Kept for close(); an error only closes the socket (node:http stops listening to it after a CONNECT). */
  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Why the target is refused, or undefined when it is allowed. */
  private refusal(config: Config, { host, port }: Target): string | undefined {
    if (!hostAllowed(host, config.allowlist)) return `${host} is not in the frame's network.allowlist`;
    if (!config.ports.includes(port))
      return `port ${port} is not one of the ports allowed (${config.ports.join(', ')})`;
    return undefined;
  }

  /** The text for the frame when the target is refused (after telling onRefused); undefined when allowed. */
  private check(config: Config, target: Target, method: string): string | undefined {
    const reason = this.refusal(config, target);
    if (reason === undefined) return undefined;
    try {
      this.onRefused?.({ host: target.host, port: target.port, method, reason });
    } catch (err) {
      // The caller's bug must not take down the proxy of every connection, nor leave this one unanswered.
      console.error(`optagon: the egress proxy's onRefused failed: ${(err as Error).message}`);
    }
    const head = `optagon: this frame may not connect to ${target.host}:${target.port}: ${reason}.`;
    if (hostAllowed(target.host, config.allowlist)) return `${head} Frames reach those ports only.`;
    // Arrays are replaced, not merged, by config set: the command gives the whole list. The host has only
    // [a-z0-9_.:-] in it (parseAuthority), so it is safe inside the shell quotes.
    const patch = JSON.stringify({ network: { allowlist: [...config.allowlist, target.host] } });
    return `${head} To allow it, run on the host: optagon frame config set <frame> '${patch}'`;
  }

  /**
   * The address to connect to: an IP literal as listed, a name through the frame's hosts first
   * (the user's own word), else DNS. What DNS says is not the user's word: an answer that is this
   * host's loopback, link-local or one of its own addresses is refused, or an allowed wildcard
   * (`*.nip.io`) would reach the host's own services through the proxy that runs there.
   */
  private async resolve(config: Config, host: string): Promise<string> {
    if (isIP(host) !== 0) return host;
    const listed = config.hosts.get(host);
    if (listed) return listed;
    const { address } = await lookup(host);
    if (isHostLocal(address))
      throw new Error(
        `it resolves to ${address}, an address of the host itself, which frames may not reach through the proxy (give the name an address in the frame's hosts to mean it)`,
      );
    return address;
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    // Until the upstream is connected, what the client sends stays buffered (it is piped on after).
    client.pause();
    const config = this.config;
    const target = parseAuthority(req.url ?? '');
    if (!target) return answerRaw(client, 400, `optagon egress proxy: CONNECT needs host:port, got '${req.url ?? ''}'`);
    const refused = this.check(config, target, 'CONNECT');
    if (refused !== undefined) return answerRaw(client, 403, refused);
    this.resolve(config, target.host).then(
      (address) => {
        if (client.destroyed) return; // gone meanwhile, or close() ran
        const upstream = connect({ host: address, port: target.port, allowHalfOpen: true });
        this.track(upstream);
        const tunnel: Tunnel = { ...target, client, upstream };
        let connected = false;
        upstream.once('error', (err) => {
          if (!connected)
            answerRaw(client, 502, `optagon: could not connect to ${target.host}:${target.port}: ${err.message}`);
        });
        upstream.once('connect', () => {
          connected = true;
          this.tunnels.add(tunnel);
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
          for (const socket of [client, upstream]) {
            socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
            // One side gone (error, timeout, close()) means the tunnel is.
            socket.once('close', () => {
              this.tunnels.delete(tunnel);
              client.destroy();
              upstream.destroy();
            });
          }
        });
        client.once('close', () => upstream.destroy());
      },
      (err: Error) => answerRaw(client, 502, `optagon: could not resolve ${target.host}: ${err.message}`),
    );
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const config = this.config;
    const target = parseAbsoluteUrl(req.url ?? '');
    if (!target)
      return answer(
        res,
        400,
        `optagon egress proxy: send requests as http://host[:port]/path (a proxy request), or CONNECT host:port; got '${req.url ?? ''}'`,
      );
    const refused = this.check(config, target, req.method ?? 'GET');
    if (refused !== undefined) return answer(res, 403, refused);
    // The absolute URL, not the client's Host header, names the server (RFC 9112 3.2.2).
    const headers = { ...forwardedHeaders(req.headers), host: target.authority };
    this.resolve(config, target.host).then(
      (address) => {
        if (res.destroyed || req.socket.destroyed) return; // gone meanwhile, or close() ran
        const upstream = httpRequest({
          host: address,
          port: target.port,
          method: req.method,
          path: target.path,
          headers,
          agent: false,
        });
        upstream.on('socket', (socket) => this.track(socket));
        upstream.setTimeout(IDLE_TIMEOUT_MS, () => upstream.destroy(new Error('no answer in 10 minutes')));
        upstream.on('response', (up) => {
          res.writeHead(up.statusCode ?? 502, up.statusMessage, forwardedHeaders(up.headers));
          up.pipe(res);
          up.on('error', () => res.destroy());
        });
        upstream.on('error', (err) => {
          if (res.headersSent) res.destroy();
          else answer(res, 502, `optagon: ${target.host}:${target.port} failed: ${err.message}`);
        });
        // The client gave up: so does the request it made.
        res.on('close', () => {
          if (!res.writableFinished) upstream.destroy();
        });
        req.on('error', () => upstream.destroy());
        req.pipe(upstream);
      },
      (err: Error) => answer(res, 502, `optagon: could not resolve ${target.host}: ${err.message}`),
    );
  }
}

/** Loopback, link-local, unspecified, or an address of one of this host's interfaces. */
export function isHostLocal(address: string): boolean {
  const a = normalizeHost(address);
  if (/^(127\.|0\.|169\.254\.)/.test(a) || a === '::1' || a === '::' || /^fe[89ab][0-9a-f]:/i.test(a)) return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(a); // an IPv4 address in IPv6 clothes
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    return isHostLocal(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => normalizeHost(i.address) === a));
}
