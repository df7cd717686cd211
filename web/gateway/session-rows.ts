import type { Database } from 'better-sqlite3';
import { addAuthTables } from '../auth/migrations.js';
import type { Principal } from '../auth/permissions.js';

export interface ClientInfo {
  ip: string;
  userAgent?: string;
  origin?: string;
}

export interface SessionRow {
  id: string;
  subject: string;
  tokenId: string | null;
  frameId: string | null;
  client: ClientInfo;
  connectedAt: number;
  lastActivityAt: number | null;
}

/** Throttle for last_activity_at: a keystroke is not worth a write each. */
const TOUCH_EVERY_MS = 5_000;

/**
 * The `sessions` table: one row per authenticated terminal connection while it is open (who, from
 * where, attached to which frame, last activity). Rows belong to the daemon that holds the
 * connections, so a starting daemon clears what a previous one left.
 */
export class SessionRows {
  private readonly touched = new Map<string, number>();

  constructor(private readonly db: Database) {
    addAuthTables(db);
  }

  clear(): void {
    this.db.prepare('DELETE FROM sessions').run();
  }

  add(id: string, principal: Principal, client: ClientInfo): void {
    const now = Date.now();
    const isToken = principal.subject !== 'password' && principal.subject !== 'local';
    this.db
      .prepare(
        'INSERT INTO sessions (id, token_id, frame_id, client_info_json, connected_at, last_activity_at) VALUES (?, ?, NULL, ?, ?, ?)',
      )
      .run(id, isToken ? principal.subject : null, JSON.stringify({ ...client, subject: principal.subject }), now, now);
  }

  attached(id: string, frameId: string | null): void {
    this.db.prepare('UPDATE sessions SET frame_id = ?, last_activity_at = ? WHERE id = ?').run(frameId, Date.now(), id);
  }

  touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    this.db.prepare('UPDATE sessions SET last_activity_at = ? WHERE id = ?').run(now, id);
  }

  remove(id: string): void {
    this.touched.delete(id);
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
  }

  list(): SessionRow[] {
    const rows = this.db.prepare('SELECT * FROM sessions ORDER BY connected_at').all() as Array<{
      id: string;
      token_id: string | null;
      frame_id: string | null;
      client_info_json: string;
      connected_at: number;
      last_activity_at: number | null;
    }>;
    return rows.map((r) => {
      const { subject, ...client } = JSON.parse(r.client_info_json) as ClientInfo & { subject: string };
      return {
        id: r.id,
        subject,
        tokenId: r.token_id,
        frameId: r.frame_id,
        client,
        connectedAt: r.connected_at,
        lastActivityAt: r.last_activity_at,
      };
    });
  }
}
