import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { statementCache } from '../../servers/shared/sqlite.js';
import { addAuthTables } from './migrations.js';
import { PERMISSIONS, type Permission } from './permissions.js';

export interface AccessToken {
  id: string;
  name: string;
  permissions: Permission[];
  frames?: string[];
  lastUsedAt: number | null;
  expiresAt: number | null;
  createdAt: number;
}

interface Row {
  id: string;
  name: string;
  token_hash: string;
  permissions_json: string;
  last_used_at: number | null;
  expires_at: number | null;
  created_at: number;
}

const toToken = (r: Row): AccessToken => {
  const p = JSON.parse(r.permissions_json) as { permissions: Permission[]; frames?: string[] };
  return {
    id: r.id,
    name: r.name,
    permissions: p.permissions,
    ...(p.frames ? { frames: p.frames } : {}),
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
};

/** `opt_<id>_<secret>`: the id finds the row, the secret (32 random bytes) proves it. */
const TOKEN = /^opt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const digest = (secret: string) => createHash('sha256').update(secret).digest();

/** "30d", "12h", "90m": an expiry, in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([mhdw])$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a duration; use a number and m, h, d or w, e.g. 30d`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
}

/**
 * Device tokens in `access_tokens`. The token is shown once; only a SHA-256 of its secret is kept
 * (the secret is 256 random bits, so a fast hash is enough, unlike a password). Revoking deletes the
 * row, and every check reads the row, so a revoked token stops working at once.
 */
export class AccessTokens {
  private readonly sql: (text: string) => Database.Statement;

  constructor(db: Database.Database) {
    addAuthTables(db);
    this.sql = statementCache(db);
  }

  create(opts: { name: string; permissions: Permission[]; frames?: string[]; expiresInMs?: number }): {
    token: string;
    record: AccessToken;
  } {
    if (!/^[\w.-]{1,64}$/.test(opts.name))
      throw new Error('a token name has letters, digits, _ . and -, up to 64 characters');
    if (this.sql('SELECT 1 FROM access_tokens WHERE name = ?').get(opts.name))
      throw new Error(`a token named '${opts.name}' exists; revoke it first or pick another name`);
    const bad = opts.permissions.filter((p) => !PERMISSIONS.includes(p));
    if (!opts.permissions.length || bad.length)
      throw new Error(`permissions are ${PERMISSIONS.join(', ')} (got ${opts.permissions.join(',') || 'none'})`);
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = Date.now();
    this.sql(
      'INSERT INTO access_tokens (id, name, token_hash, permissions_json, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      id,
      opts.name,
      digest(secret).toString('hex'),
      JSON.stringify({ permissions: opts.permissions, ...(opts.frames?.length ? { frames: opts.frames } : {}) }),
      opts.expiresInMs ? now + opts.expiresInMs : null,
      now,
    );
    return { token: `opt_${id}_${secret}`, record: this.get(id)! };
  }

  get(id: string): AccessToken | undefined {
    const row = this.sql('SELECT * FROM access_tokens WHERE id = ?').get(id) as Row | undefined;
    return row && toToken(row);
  }

  list(): AccessToken[] {
    return (this.sql('SELECT * FROM access_tokens ORDER BY created_at').all() as Row[]).map(toToken);
  }

  /** By id or name; false when there is no such token. */
  revoke(ref: string): boolean {
    return this.sql('DELETE FROM access_tokens WHERE id = ? OR name = ?').run(ref, ref).changes > 0;
  }

  /** The token's record when it is valid now (known, secret right, not expired); marks it used. */
  check(token: string): AccessToken | undefined {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const row = this.sql('SELECT * FROM access_tokens WHERE id = ?').get(m[1]) as Row | undefined;
    if (!row) return undefined;
    const expected = Buffer.from(row.token_hash, 'hex');
    if (!timingSafeEqual(digest(m[2]!), expected)) return undefined;
    if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
    this.sql('UPDATE access_tokens SET last_used_at = ? WHERE id = ?').run(Date.now(), row.id);
    return toToken(row);
  }

  /** Still there and not expired (for a session made from it): revocation and expiry hold at once. */
  live(id: string): AccessToken | undefined {
    const t = this.get(id);
    return t && (t.expiresAt === null || t.expiresAt > Date.now()) ? t : undefined;
  }
}
