/** A remote-access session: the JWT from /api/auth/login and what it may do. */
export interface Session {
  jwt: string;
  /** Epoch ms. */
  expiresAt: number;
  permissions: string[];
  frames?: string[];
}

const KEY = 'optagon.session';

export type LoginRequest = { password: string; totp?: string } | { token: string };

async function authCall(path: string, init: RequestInit): Promise<Session> {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  const body = (await res.json().catch(() => ({}))) as {
    jwt?: string;
    expiresAt?: string;
    permissions?: string[];
    frames?: string[];
    error?: string;
  };
  if (!res.ok || !body.jwt) {
    const wait = res.headers.get('retry-after');
    throw new Error(
      body.error ? `${body.error}${wait ? ` (wait ${wait} s)` : ''}` : `login failed: HTTP ${res.status}`,
    );
  }
  const session: Session = {
    jwt: body.jwt,
    expiresAt: Date.parse(body.expiresAt!),
    permissions: body.permissions ?? [],
    ...(body.frames ? { frames: body.frames } : {}),
  };
  // The tab keeps its session across reloads, and only this tab: sessionStorage, not localStorage.
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export const login = (request: LoginRequest) =>
  authCall('/api/auth/login', { method: 'POST', body: JSON.stringify(request) });
export const refresh = (s: Session) =>
  authCall('/api/auth/refresh', { method: 'POST', body: '{}', headers: { authorization: `Bearer ${s.jwt}` } });

export function savedSession(): Session | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && s.expiresAt > Date.now() + 5_000 ? s : undefined;
  } catch {
    return undefined;
  }
}

export function forget(): void {
  sessionStorage.removeItem(KEY);
}

export const may = (s: Session, permission: 'read' | 'write' | 'manage') => s.permissions.includes(permission);
