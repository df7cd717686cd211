import type { MiddlewareHandler } from 'hono';
import type { Principal } from '../../web/auth/permissions.js';
import { tokenChecker } from './token.js';

export interface GuardOptions {
  token: string;
  /** Host header values accepted (name or name:port). Default: the loopback names. */
  allowedHosts: string[];
  /** Origin header values accepted when an Origin is present. Default: none besides the daemon's own. */
  allowedOrigins: string[];
  /** Paths reachable without the token. */
  publicPaths: string[];
  /** Served over TLS: the daemon's own origin is https. */
  secure?: boolean;
  /** Checks a session JWT (remote access); without it only the daemon token is accepted. */
  sessions?: (jwt: string) => Promise<Principal>;
}

export type GuardVariables = { principal: Principal };

const LOCAL: Principal = { subject: 'local', permissions: ['read', 'write', 'manage'] };

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]', '::1'];

function hostName(host: string): string {
  // "[::1]:8443" → "[::1]", "localhost:8443" → "localhost"
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

/**
 * DNS-rebinding protection and bearer auth, in front of every route. A page on evil.example that
 * resolves to 127.0.0.1 still sends `Host: evil.example` and its own `Origin`, so both are checked
 * before anything else; then the token. Failures are plain JSON with the reason.
 */
export function requestGuard(opts: GuardOptions): MiddlewareHandler<{ Variables: GuardVariables }> {
  const hosts = new Set([...LOOPBACK, ...opts.allowedHosts].map((h) => h.toLowerCase()));
  const tokenOk = tokenChecker(opts.token);
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!host || !(hosts.has(host) || hosts.has(hostName(host)))) {
      return c.json({ error: `Host '${host}' is not allowed; add it to daemon.allowed_hosts in config.yaml if you mean it` }, 403);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      let ok = opts.allowedOrigins.includes(origin);
      if (!ok) {
        try {
          ok = new URL(origin).origin === `${opts.secure ? 'https' : 'http'}://${host}`; // same origin as the daemon itself (scheme included)
        } catch {
          // not a URL ('null' from a sandboxed page, garbage): allowed only when listed
        }
      }
      if (!ok) return c.json({ error: `Origin '${origin}' is not allowed; add it to daemon.allowed_origins in config.yaml if you mean it` }, 403);
    }
    if (opts.publicPaths.includes(c.req.path)) return next();
    const auth = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const refuse = (error: string) => {
      c.header('WWW-Authenticate', 'Bearer realm="optagon"');
      return c.json({ error }, 401);
    };
    if (!m) return refuse('missing bearer token; send Authorization: Bearer <the token in $OPTAGON_HOME/daemon.token, or a session from POST /api/auth/login>');
    // The daemon's own token: this machine's user, with every permission.
    if (tokenOk(m[1]!)) {
      c.set('principal', LOCAL);
      return next();
    }
    if (!opts.sessions || m[1]!.split('.').length !== 3) return refuse('wrong bearer token; use the token in $OPTAGON_HOME/daemon.token, or log in: POST /api/auth/login');
    try {
      c.set('principal', await opts.sessions(m[1]!));
    } catch (err) {
      return refuse((err as Error).message);
    }
    return next();
  };
}
