import type Database from 'better-sqlite3';
import { statementCache } from './sqlite.js';

/** Settings Optagon keeps in the state database's system_config table (the password hash, TOTP, probes), as JSON. */
export class SystemSettings {
  private readonly sql: (text: string) => Database.Statement;

  constructor(db: Database.Database) {
    this.sql = statementCache(db);
  }

  get<T>(key: string): T | undefined {
    const json = this.sql('SELECT value_json FROM system_config WHERE key = ?').pluck().get(key) as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  set(key: string, value: unknown): void {
    this.sql(
      `INSERT INTO system_config (key, value_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
    ).run(key, JSON.stringify(value), Date.now());
  }
}
