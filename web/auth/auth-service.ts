import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { errors, jwtVerify, SignJWT } from 'jose';
import type Database from 'better-sqlite3';
import { SystemSettings } from '../../servers/shared/system-settings.js';
import { AccessTokens } from './access-tokens.js';
import { LoginLimiter } from './login-limiter.js';
import { Passwords } from './passwords.js';
import { PERMISSIONS, type Permission, type Principal } from './permissions.js';
import { Totp } from './totp.js';

/** Sessions are short: a stolen one is worth little, and refresh re-checks everything. */
export const SESSION_SECONDS = 15 * 60;
/** Clock skew allowed on a session's times (one machine signs and checks them: a few seconds). */
const CLOCK_TOLERANCE_SECONDS = 5;

export type LoginRequest = { password: string; totp?: string } | { token: string };

/** A refusal with the HTTP status it means (401 who are you, 429 slow down). */
export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: 401 | 403 | 429,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * Login with the password (+ TOTP when enabled) or a device token, giving a short-lived JWT (jose,
 * HS256, key in $OPTAGON_HOME/jwt.key) that carries the subject and its permissions. Every check of
 * a session looks the subject up again: a revoked or expired token, or a changed password, ends its
 * sessions at once.
 */
export class AuthService {
  readonly passwords: Passwords;
  readonly totp: Totp;
  readonly tokens: AccessTokens;
  private readonly limiter = new LoginLimiter();
  private readonly key: Uint8Array;

  /** `db`: the state database, where the password, TOTP and tokens are kept. */
  constructor(db: Database.Database, keyFile: string) {
    const settings = new SystemSettings(db);
    this.passwords = new Passwords(settings);
    this.totp = new Totp(settings);
    this.tokens = new AccessTokens(db);
    if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    this.key = Buffer.from(readFileSync(keyFile, 'utf8'), 'base64');
  }

  async login(
    request: LoginRequest,
    client: string,
  ): Promise<{ jwt: string; expiresAt: number; principal: Principal }> {
    const wait = this.limiter.waitFor(client);
    if (wait > 0)
      throw new AuthError(
        `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`,
        429,
        Math.ceil(wait / 1000),
      );
    const principal = await this.authenticate(request);
    if (!principal) {
      this.limiter.failed(client);
      throw new AuthError('wrong credentials', 401);
    }
    return this.issue(principal);
  }

  /** The principal of a session JWT, checked against the current state; an AuthError when it is not valid. */
  async check(jwt: string): Promise<Principal> {
    let payload;
    try {
      // Whatever `exp` says, a session lives SESSION_SECONDS from when it was issued: one signed with
      // a far `exp` (a key that leaked once, a bug) does not outlive the rule; no `iat`, no session.
      ({ payload } = await jwtVerify(jwt, this.key, {
        algorithms: ['HS256'],
        issuer: 'optagon',
        requiredClaims: ['iat', 'exp'],
        maxTokenAge: SESSION_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (err) {
      throw new AuthError(
        err instanceof errors.JWTExpired ? 'the session expired; log in again' : 'not a valid session',
        401,
      );
    }
    const sub = String(payload.sub);
    if (sub === 'password') {
      if (payload.pwv !== this.passwords.version()) throw new AuthError('the password changed; log in again', 401);
      return { subject: 'password', permissions: [...PERMISSIONS] };
    }
    const token = this.tokens.live(sub);
    if (!token) throw new AuthError('the token of this session was revoked or expired', 401);
    return { subject: token.id, permissions: token.permissions, ...(token.frames ? { frames: token.frames } : {}) };
  }

  /** A new session for a still-valid one. */
  async refresh(jwt: string) {
    return this.issue(await this.check(jwt));
  }

  private async authenticate(request: LoginRequest): Promise<Principal | undefined> {
    if ('token' in request) {
      const t = this.tokens.check(request.token);
      return t && { subject: t.id, permissions: t.permissions, ...(t.frames ? { frames: t.frames } : {}) };
    }
    // Both factors are checked whatever the first says, so timing does not tell which failed.
    const password = await this.passwords.verify(request.password);
    const second = this.totp.enabled() ? await this.totp.verify(request.totp ?? '') : true;
    return password && second ? { subject: 'password', permissions: [...PERMISSIONS] } : undefined;
  }

  private async issue(principal: Principal) {
    const expiresAt = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    const jwt = await new SignJWT({
      perms: principal.permissions as Permission[],
      ...(principal.frames ? { frames: principal.frames } : {}),
      ...(principal.subject === 'password' ? { pwv: this.passwords.version() } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.subject)
      .setIssuer('optagon')
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { jwt, expiresAt: expiresAt * 1000, principal };
  }
}
