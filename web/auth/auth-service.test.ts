import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDatabase } from '../../servers/shared/state-database.js';
import type Database from 'better-sqlite3';
import { parseDuration } from './access-tokens.js';
import { AuthError, AuthService, SESSION_SECONDS } from './auth-service.js';
import { allows } from './permissions.js';
import { sleep } from '../../servers/shared/sleep.js';

const PASSWORD = 'correct horse battery staple';

describe('auth', () => {
  let dir: string;
  let db: Database.Database;
  let auth: AuthService;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'optagon-auth-'));
    db = openStateDatabase(':memory:');
    auth = new AuthService(db, join(dir, 'jwt.key'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const refused = async (p: Promise<unknown>, status: number, message: RegExp) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).status).toBe(status);
    expect((err as Error).message).toMatch(message);
  };

  it('password: bcrypt at cost 12, nothing verifies before one is set, a change ends older sessions', async () => {
    await refused(auth.login({ password: PASSWORD }, 'c1'), 401, /wrong credentials/);
    await expect(auth.passwords.set('short')).rejects.toThrow(/too short: use 12 characters/);
    await auth.passwords.set(PASSWORD);
    expect(
      JSON.parse(db.prepare("SELECT value_json FROM system_config WHERE key = 'auth.password'").pluck().get() as string)
        .hash,
    ).toMatch(/^\$2[aby]\$12\$/);
    await refused(auth.login({ password: 'wrong password!!' }, 'c1'), 401, /wrong credentials/);
    const { jwt, principal } = await auth.login({ password: PASSWORD }, 'c1');
    expect(principal.permissions).toEqual(['read', 'write', 'manage']);
    expect(await auth.check(jwt)).toMatchObject({ subject: 'password' });
    expect((await auth.refresh(jwt)).jwt).toMatch(/^ey/);
    await auth.passwords.set(`${PASSWORD} 2`);
    await refused(auth.check(jwt), 401, /the password changed/);
  });

  it('TOTP: enabled only with a good code; then required, and each code works once', async () => {
    await auth.passwords.set(PASSWORD);
    const { secret, uri } = auth.totp.begin();
    expect(uri).toMatch(new RegExp(`^otpauth://totp/Optagon:optagon\\?secret=${secret}&issuer=Optagon$`));
    expect(auth.totp.enabled()).toBe(false);
    await expect(auth.totp.confirm('000000')).rejects.toThrow(/does not match/);
    const code = await generate({ secret });
    await auth.totp.confirm(code);
    expect(auth.totp.enabled()).toBe(true);
    await refused(auth.login({ password: PASSWORD }, 'c2'), 401, /wrong credentials/); // no code
    await refused(auth.login({ password: PASSWORD, totp: code }, 'c2'), 401, /wrong credentials/); // the confirming code, reused
    // The next step's code is good once.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    expect((await auth.login({ password: PASSWORD, totp: next }, 'c2')).principal.subject).toBe('password');
    await refused(auth.login({ password: PASSWORD, totp: next }, 'c2'), 401, /wrong credentials/);
  });

  it('device tokens: shown once, stored hashed, scoped, revoked and expired at once', async () => {
    const { token, record } = auth.tokens.create({
      name: 'phone',
      permissions: ['read'],
      frames: ['web'],
      expiresInMs: parseDuration('30d'),
    });
    expect(token).toMatch(/^opt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(db.prepare('SELECT * FROM access_tokens').all())).not.toContain(
      token.slice('opt_'.length + 17),
    ); // the secret (it may hold _ itself)
    expect(record).toMatchObject({ name: 'phone', permissions: ['read'], frames: ['web'] });
    expect(record.expiresAt! - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(() => auth.tokens.create({ name: 'phone', permissions: ['read'] })).toThrow(/exists/);
    expect(() => auth.tokens.create({ name: 'x', permissions: ['root' as never] })).toThrow(
      /permissions are read, write, manage/,
    );

    const { jwt, principal } = await auth.login({ token }, 'c3');
    expect(allows(principal, 'read', 'web')).toBe(true);
    expect(allows(principal, 'read', 'api')).toBe(false); // another frame
    expect(allows(principal, 'write', 'web')).toBe(false); // read only
    expect(auth.tokens.get(record.id)!.lastUsedAt).toBeGreaterThan(0);
    await refused(auth.login({ token: `${token.slice(0, -1)}x` }, 'c3'), 401, /wrong credentials/);

    expect(auth.tokens.revoke('phone')).toBe(true);
    await refused(auth.check(jwt), 401, /revoked or expired/);
    await refused(auth.login({ token }, 'c3'), 401, /wrong credentials/);

    const short = auth.tokens.create({ name: 'brief', permissions: ['read'], expiresInMs: 1 });
    await sleep(5);
    await refused(auth.login({ token: short.token }, 'c3b'), 401, /wrong credentials/);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });

  it('an expired, too old, incomplete or forged session is refused', async () => {
    await auth.passwords.set(PASSWORD);
    const key = Buffer.from(readFileSync(join(dir, 'jwt.key'), 'utf8'), 'base64');
    const now = Math.floor(Date.now() / 1000);
    const session = (claims: { iat?: number; exp?: number }) => {
      const jwt = new SignJWT({ perms: ['read'], pwv: 1 })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('password')
        .setIssuer('optagon');
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
      return jwt.sign(key);
    };
    await refused(auth.check(await session({ iat: now - 120, exp: now - 60 })), 401, /the session expired/);
    // Signed with the right key and a far exp: its age, not its exp, decides (SESSION_SECONDS).
    const fresh = await session({ iat: now - 10, exp: now + 60 });
    expect(await auth.check(fresh)).toMatchObject({ subject: 'password' });
    await refused(
      auth.check(await session({ iat: now - SESSION_SECONDS - 60, exp: now + 10 * 365 * 86_400 })),
      401,
      /the session expired/,
    );
    await refused(auth.check(await session({ exp: now + 60 })), 401, /not a valid session/); // no iat
    await refused(auth.check(await session({ iat: now })), 401, /not a valid session/); // no exp
    await refused(auth.check(await session({ iat: now + 3600, exp: now + 7200 })), 401, /not a valid session/); // issued in the future
    const forged = await new SignJWT({ perms: ['manage'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('password')
      .setIssuer('optagon')
      .setExpirationTime('1h')
      .sign(new Uint8Array(32));
    await refused(auth.check(forged), 401, /not a valid session/);
  });

  it('failed logins are rate-limited per client', async () => {
    await auth.passwords.set(PASSWORD);
    for (let i = 0; i < 5; i++) await refused(auth.login({ password: 'nope nope nope' }, 'attacker'), 401, /wrong/);
    await refused(auth.login({ password: PASSWORD }, 'attacker'), 429, /too many failed logins; try again in \d+ s/);
    expect((await auth.login({ password: PASSWORD }, 'someone-else')).jwt).toBeTruthy();
  });
});
