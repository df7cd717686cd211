import type { MiddlewareHandler } from 'hono';
import type { Principal } from '../../web/auth/permissions.js';
import { hostOriginChecker } from '../../web/auth/host-origin.js';
import { tokenChecker } from './token.js';

export interface GuardOptions {
  token: string;
  /** Host header values accepted (name or name:port). Default: the loopback names. */
  allowedHosts: string[];
  /** Origin header values accepted when an Origin is present. Default: none besides the daemon's own. */
  allowedOrigins: string[];
  /** Paths reachable without the token. */
  isPublic(path: string, method: string): boolean;
  /** Served over TLS: the daemon's own origin is https. */
  secure?: boolean;
  /** Checks a session JWT (remote access); without it only the daemon token is accepted. */
  sessions?: (jwt: string) => Promise<Principal>;
}

export type GuardVariables = { principal: Principal };

const LOCAL: Principal = { subject: 'local', permissions: ['read', 'write', 'manage'] };

/**
 * Who a credential is: the daemon's own token (this machine's user, every permission) or a session
 * JWT from /api/auth/login. Throws with what to do when it is neither. Used by HTTP routes and by
 * the terminal gateway's `auth` message alike.
 */
export function credentialCheck(
  opts: Pick<GuardOptions, 'token' | 'sessions'>,
): (credential: string) => Promise<Principal> {
  const tokenOk = tokenChecker(opts.token);
  return async (credential) => {
    if (tokenOk(credential)) return LOCAL;
    if (!opts.sessions || credential.split('.').length !== 3)
      throw new Error(
        'wrong bearer token; use the token in $OPTAGON_HOME/daemon.token, or log in: POST /api/auth/login',
      );
    return opts.sessions(credential);
  };
}

/**
 * DNS-rebinding protection and bearer auth, in front of every route: Host and Origin are checked
 * before anything else (web/auth/host-origin.ts); then the credential. Failures are plain JSON with the reason.
 */
export function requestGuard(opts: GuardOptions): MiddlewareHandler<{ Variables: GuardVariables }> {
  const hostOrigin = hostOriginChecker({
    allowedHosts: opts.allowedHosts,
    allowedOrigins: opts.allowedOrigins,
    secure: opts.secure ?? false,
  });
  const check = credentialCheck(opts);
  return async (c, next) => {
    const refused = hostOrigin(c.req.header('host'), c.req.header('origin'));
    if (refused) return c.json({ error: refused }, 403);
    if (opts.isPublic(c.req.path, c.req.method)) return next();
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const refuse = (error: string) => {
      c.header('WWW-Authenticate', 'Bearer realm="optagon"');
      return c.json({ error }, 401);
    };
    if (!m)
      return refuse(
        'missing bearer token; send Authorization: Bearer <the token in $OPTAGON_HOME/daemon.token, or a session from POST /api/auth/login>',
      );
    try {
      c.set('principal', await check(m[1]!));
    } catch (err) {
      return refuse((err as Error).message);
    }
    return next();
  };
}
