import { Hono } from 'hono';
import { z } from 'zod';
import { AuthError, type AuthService } from '../../web/auth/auth-service.js';
import type { BodyVariables } from './request-body.js';
import type { GuardVariables } from './request-guard.js';

const loginBody = z.union([
  z.object({ password: z.string().min(1).max(1000), totp: z.string().max(20).optional() }).strict(),
  z.object({ token: z.string().min(1).max(200) }).strict(),
]);

/**
 * `POST /api/auth/login` (public): the password [+ TOTP] or a device token → a session JWT.
 * `POST /api/auth/refresh` (with a session): a new JWT, after checking the old one's subject again.
 */
export function authRoutes(auth: AuthService): Hono<{ Variables: BodyVariables & GuardVariables }> {
  const api = new Hono<{ Variables: BodyVariables & GuardVariables }>();
  const answer = (r: Awaited<ReturnType<AuthService['login']>>) => ({
    jwt: r.jwt,
    expiresAt: new Date(r.expiresAt).toISOString(),
    permissions: r.principal.permissions,
    ...(r.principal.frames ? { frames: r.principal.frames } : {}),
  });

  api.post('/login', async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(c.var.body || '{}');
    } catch {
      return c.json({ error: 'send JSON: {"password": "...", "totp": "123456"} or {"token": "opt_..."}' }, 400);
    }
    const parsed = loginBody.safeParse(body);
    if (!parsed.success)
      return c.json({ error: 'send {"password": "...", "totp": "123456"} or {"token": "opt_..."}' }, 400);
    // The client as the socket says (a proxy in front would need its forwarded header trusted explicitly).
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    try {
      return c.json(answer(await auth.login(parsed.data, incoming?.socket?.remoteAddress ?? 'in-process')));
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      if (err.retryAfterSeconds) c.header('Retry-After', String(err.retryAfterSeconds));
      return c.json({ error: err.message }, err.status);
    }
  });

  api.post('/refresh', async (c) => {
    const jwt = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (c.var.principal.subject === 'local') return c.json({ error: 'the daemon token needs no refresh' }, 400);
    try {
      return c.json(answer(await auth.refresh(jwt)));
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      return c.json({ error: err.message }, err.status);
    }
  });
  return api;
}
