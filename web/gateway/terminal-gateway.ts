import type Database from 'better-sqlite3';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FramesServices } from '../../servers/frames/services.js';
import { hostOriginChecker, type HostOriginPolicy } from '../auth/host-origin.js';
import type { Principal } from '../auth/permissions.js';
import { GatewayConnection, type GatewayLimits } from './gateway-connection.js';
import { CLOSE } from './protocol.js';
import { SessionRows } from './session-rows.js';

export interface GatewaySettings extends GatewayLimits {
  /** Largest WebSocket message; a bigger one closes that connection (1009). */
  maxMessageBytes: number;
  /** Open terminal connections one identity (a token, the password, the local user) may hold. */
  connectionsPerToken: number;
  /** Open connections in all, authenticated or not. */
  maxConnections: number;
  /** How often peers are pinged; one that missed the previous ping is dropped. */
  heartbeatMs: number;
}

export const GATEWAY_DEFAULTS: GatewaySettings = {
  authTimeoutMs: 5_000,
  idleTimeoutMs: 30 * 60_000,
  maxInputBytes: 64 * 1024,
  maxMessageBytes: 1024 * 1024,
  scrollbackLines: 1000,
  highWatermark: 128 * 1024,
  lowWatermark: 32 * 1024,
  revalidateMs: 5_000,
  connectionsPerToken: 16,
  maxConnections: 256,
  heartbeatMs: 30_000,
};

export interface GatewayOptions {
  frames: FramesServices;
  /** The state database, where the open sessions are listed. */
  db: Database.Database;
  authenticate(credential: string): Promise<Principal>;
  policy: HostOriginPolicy;
  settings?: Partial<GatewaySettings>;
}

/** Refuses an upgrade with an HTTP status and a JSON reason, before any WebSocket exists. */
function refuse(socket: Duplex, status: number, text: string, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The terminal gateway at `/ws` (web/gateway/protocol.ts): takes WebSocket upgrades whose Host and
 * Origin pass the daemon's check, and gives each connection a GatewayConnection. Holds the limits
 * that span connections (per identity, in all) and the heartbeat that drops dead peers.
 */
export class TerminalGateway {
  readonly settings: GatewaySettings;
  readonly rows: SessionRows;
  private readonly wss: WebSocketServer;
  private readonly hostOrigin: ReturnType<typeof hostOriginChecker>;
  private readonly perSubject = new Map<string, number>();
  private readonly connections = new Map<WebSocket, GatewayConnection>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly opts: GatewayOptions) {
    this.settings = { ...GATEWAY_DEFAULTS, ...opts.settings };
    this.rows = new SessionRows(opts.db);
    this.rows.clear(); // rows a previous daemon left: their connections died with it
    this.hostOrigin = hostOriginChecker(opts.policy);
    // No compression: terminal output is small and latency-bound, and inflate bombs are a risk.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.settings.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.heartbeat = setInterval(() => this.ping(), this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** For the HTTP server's 'upgrade' event. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/ws') return refuse(socket, 404, 'Not Found', `no WebSocket at ${path}; the terminal gateway is /ws`);
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
      return refuse(socket, 400, 'Bad Request', 'only WebSocket upgrades are taken at /ws');
    const refused = this.hostOrigin(req.headers.host, req.headers.origin);
    if (refused) return refuse(socket, 403, 'Forbidden', refused);
    if (this.connections.size >= this.settings.maxConnections)
      return refuse(
        socket,
        503,
        'Service Unavailable',
        `${this.settings.maxConnections} terminal connections are open, the most the daemon takes; close some`,
      );
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  };

  /** Closes every connection (the daemon is stopping); their tmux clients end, the sessions go on. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.connections.values()) c.close(CLOSE.shutdown, 'the daemon is stopping');
    this.connections.clear();
    this.wss.close();
    this.rows.clear();
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    const client = {
      ip: req.socket.remoteAddress ?? 'unknown',
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'].slice(0, 300) } : {}),
      ...(req.headers.origin ? { origin: req.headers.origin.slice(0, 300) } : {}),
    };
    const connection = new GatewayConnection(ws, client, {
      authenticate: this.opts.authenticate,
      frames: this.opts.frames.frames,
      store: this.opts.frames.store,
      rows: this.rows,
      limits: this.settings,
      claim: (subject) => {
        const open = this.perSubject.get(subject) ?? 0;
        if (open >= this.settings.connectionsPerToken)
          return `this identity has ${open} terminal connections open, the most it may; close one first`;
        this.perSubject.set(subject, open + 1);
        return undefined;
      },
      release: (subject) => {
        const open = (this.perSubject.get(subject) ?? 1) - 1;
        if (open > 0) this.perSubject.set(subject, open);
        else this.perSubject.delete(subject);
      },
    });
    this.connections.set(ws, connection);
    ws.on('close', () => this.connections.delete(ws));
  }

  private ping(): void {
    for (const ws of this.connections.keys()) {
      if (!this.alive.has(ws)) {
        ws.terminate(); // missed the last ping: the peer is gone without a close
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}
