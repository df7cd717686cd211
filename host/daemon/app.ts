import { Hono } from 'hono';
import { AuthService } from '../../web/auth/auth-service.js';
import type { ServerResponse } from 'node:http';
import { moduleNames, SERVER_VERSION, type OptagonServices } from '../registry.js';
import { McpSessions } from './mcp-sessions.js';
import { bufferBody, type BodyVariables } from './request-body.js';
import { credentialCheck, requestGuard, type GuardVariables } from './request-guard.js';
import { TerminalGateway, type GatewaySettings } from '../../web/gateway/terminal-gateway.js';
import { allows } from '../../web/auth/permissions.js';
import { authRoutes } from './auth-routes.js';
import { isWebAppPath, serveWebApp } from './web-app.js';
import { restMirror } from './rest-mirror.js';

export interface DaemonAppOptions {
  services: OptagonServices;
  token: string;
  /** Extra Host values besides loopback names. Default none. */
  allowedHosts?: string[];
  /** Extra browser origins besides the daemon's own. Default none. */
  allowedOrigins?: string[];
  /** Largest request body in bytes. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Served over TLS: same-origin means https, and responses carry HSTS. */
  secure?: boolean;
  /** Terminal gateway limits (defaults in web/gateway/terminal-gateway.ts). */
  gateway?: Partial<GatewaySettings>;
}

/**
 * The daemon's HTTP surface: `/health` and the web page at `/` (no token), `/mcp` (all servers),
 * `/mcp/<server>`, the REST mirror and auth under `/api`; the terminal gateway (`/ws`) takes the
 * server's upgrades. Usable in-process with `app.request(...)`, which tests do.
 */
export function createDaemonApp(opts: DaemonAppOptions): {
  app: Hono<{ Variables: BodyVariables & GuardVariables }>;
  sessions: McpSessions;
  auth: AuthService;
  /** The `/ws` terminal gateway; the HTTP server hands it its upgrades. */
  gateway: TerminalGateway;
  inFlight: () => number;
} {
  // Remote access is the daemon's alone: the CLI's in-process servers never load it.
  const auth = new AuthService(opts.services.state.db, opts.services.home.jwtKeyFile);
  const maxSize = opts.bodyLimitBytes ?? 1024 * 1024;
  const sessions = new McpSessions(opts.services, maxSize);
  const started = Date.now();
  let inFlight = 0;
  const app = new Hono<{ Variables: BodyVariables & GuardVariables }>();

  const policy = {
    allowedHosts: opts.allowedHosts ?? [],
    allowedOrigins: opts.allowedOrigins ?? [],
    secure: opts.secure ?? false,
  };
  const credentials = { token: opts.token, sessions: (jwt: string) => auth.check(jwt) };
  const gateway = new TerminalGateway({
    frames: opts.services.frames,
    db: opts.services.state.db,
    authenticate: credentialCheck(credentials),
    policy,
    ...(opts.gateway ? { settings: opts.gateway } : {}),
  });
  const publicPaths = new Set(['/health', '/api/auth/login']);
  app.use(
    '*',
    requestGuard({
      ...policy,
      ...credentials,
      isPublic: (path, method) => publicPaths.has(path) || (method === 'GET' && isWebAppPath(path)),
    }),
  );
  if (opts.secure) {
    app.use('*', async (c, next) => {
      await next();
      c.header('Strict-Transport-Security', 'max-age=31536000');
    });
  }
  // Counted so SIGTERM can let calls finish. A call ends when its response does: an MCP POST
  // answers with an event stream at once and the tool's result comes later. GETs are excluded: an
  // MCP GET is a stream that lasts as long as the session. Under @hono/node-server the count
  // follows Node's response ('close' fires once it is sent or the client went away); in-process
  // (`app.request`) there is no Node response and the handler's return ends the call.
  app.use('*', async (c, next) => {
    if (c.req.method === 'GET') return next();
    inFlight++;
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (!outgoing) return next().finally(() => inFlight--);
    outgoing.once('close', () => inFlight--);
    return next();
  });
  app.use(
    '*',
    bufferBody(maxSize, (c) => c.json({ error: `request body over ${maxSize} bytes` }, 413)),
  );

  // The web dashboard (web/app), public: the page logs in itself.
  app.get('/', (c) => serveWebApp(c));
  app.get('/index.html', (c) => serveWebApp(c));
  app.get('/assets/*', (c) => serveWebApp(c));
  app.get('/health', (c) =>
    c.json({ ok: true, version: SERVER_VERSION, pid: process.pid, uptimeMs: Date.now() - started }),
  );
  app.get('/api/status', (c) =>
    c.json({
      version: SERVER_VERSION,
      pid: process.pid,
      uptimeMs: Date.now() - started,
      sessions: sessions.size,
      terminals: gateway.size,
      servers: moduleNames(),
    }),
  );
  app.all('/mcp', (c) => sessions.handle(c.req.raw, 'all', c.var.body, c.var.principal));
  app.all('/mcp/:server', async (c) => {
    const name = c.req.param('server');
    if (!moduleNames().includes(name))
      return c.json({ error: `no MCP server '${name}'; the servers are: ${moduleNames().join(', ')}` }, 404);
    return sessions.handle(c.req.raw, name, c.var.body, c.var.principal);
  });
  app.get('/ws', (c) =>
    c.json(
      {
        error:
          '/ws is the terminal WebSocket: connect with a WebSocket client and send {"type":"auth","token":"..."} first',
      },
      426,
    ),
  );
  // Terminal sessions of every frame: manage, and not for a session limited to some frames.
  app.get('/api/sessions', (c) => {
    if (!allows(c.var.principal, 'manage'))
      return c.json({ error: 'listing terminal sessions needs the manage permission' }, 403);
    if (c.var.principal.frames)
      return c.json(
        {
          error: `this session is limited to frame${c.var.principal.frames.length > 1 ? 's' : ''} ${c.var.principal.frames.map((f) => `'${f}'`).join(', ')}; the terminal sessions list every frame's: use a token without a frame scope (or the password)`,
        },
        403,
      );
    return c.json({ sessions: gateway.rows.list() });
  });
  app.route('/api/auth', authRoutes(auth));
  app.route('/api', restMirror(opts.services));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}; see /mcp and GET /api/tools` }, 404));
  app.onError((err, c) => c.json({ error: `internal error: ${err.message}` }, 500));
  return { app, sessions, auth, gateway, inFlight: () => inFlight };
}
