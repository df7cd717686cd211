import type Database from 'better-sqlite3';
import { addTables } from '../../servers/shared/state-database.js';

/** Auth's tables in the state database: access tokens, and the terminal sessions open with them. Append only. */
export const AUTH_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE access_tokens (
    id TEXT PRIMARY KEY,
    name TEXT,
    token_hash TEXT NOT NULL,
    permissions_json TEXT,
    last_used_at INTEGER,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_id TEXT REFERENCES access_tokens(id) ON DELETE CASCADE,
    frame_id TEXT REFERENCES frames(id) ON DELETE CASCADE,
    client_info_json TEXT,
    connected_at INTEGER NOT NULL,
    last_activity_at INTEGER
  );
  `,
];

/** Adds (or brings up to date) auth's tables: every user of them calls this first. */
export const addAuthTables = (db: Database.Database) => addTables(db, 'auth', AUTH_MIGRATIONS);
