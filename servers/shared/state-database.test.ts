import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_MIGRATIONS } from '../../web/auth/migrations.js';
import { TASK_MIGRATIONS } from '../manager/migrations.js';
import { addTables, openStateDatabase } from './state-database.js';
import { CORE_MIGRATIONS } from './state-migrations.js';
import { SystemSettings } from './system-settings.js';

let dir: string;
let file: string;
let db: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'optagon-state-'));
  file = join(dir, 'data', 'optagon.db');
  db = openStateDatabase(file);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const tables = (d: Database.Database) =>
  d
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all();
const versions = (d: Database.Database) =>
  Object.fromEntries(d.prepare('SELECT owner, version FROM schema_versions').raw().all() as Array<[string, number]>);
const frameRow = (d: Database.Database, id: string, name: string) =>
  d
    .prepare(
      `INSERT INTO frames (id, name, status, workspace_path, graphiti_group_id, created_at, updated_at) VALUES (?, ?, 'stopped', '/srv/p', 'g', 1, 1)`,
    )
    .run(id, name);

/** A database as Optagon made it when one list of migrations, counted in user_version, held every table. */
function legacyDatabase(path: string, version: number): Database.Database {
  const legacy = [CORE_MIGRATIONS[0]! + AUTH_MIGRATIONS[0]!, TASK_MIGRATIONS[0]!, CORE_MIGRATIONS[1]!];
  const old = new Database(path);
  for (const m of legacy.slice(0, version)) old.exec(m);
  old.pragma(`user_version = ${version}`);
  return old;
}

describe('the state database', () => {
  it('has the core tables, and each owner the number of its migrations that ran', () => {
    expect(tables(db)).toEqual([
      'frame_configs',
      'frame_events',
      'frame_ports',
      'frame_runtime',
      'frames',
      'schema_versions',
      'system_config',
    ]);
    expect(versions(db)).toEqual({ core: CORE_MIGRATIONS.length });
    expect(
      db.prepare("SELECT count(*) FROM pragma_table_info('frames') WHERE name = 'tmux_socket'").pluck().get(),
    ).toBe(0);
  });

  it('turns on WAL and foreign keys', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('tasks made before waiting_for_review are kept when the table is made again for it', () => {
    frameRow(db, 'f1', 'one');
    addTables(db, 'manager', TASK_MIGRATIONS.slice(0, 1));
    db.prepare(
      "INSERT INTO tasks (id, frame_id, text, status, created_at, updated_at) VALUES ('t1', 'f1', 'old task', 'done', 1, 2)",
    ).run();
    addTables(db, 'manager', TASK_MIGRATIONS);
    expect(db.prepare('SELECT id, text, status FROM tasks').all()).toEqual([
      { id: 't1', text: 'old task', status: 'done' },
    ]);
    db.prepare("UPDATE tasks SET status = 'waiting_for_review'").run();
    expect(() => db.prepare("UPDATE tasks SET status = 'lost'").run()).toThrow(/CHECK constraint/);
    db.prepare('DELETE FROM frames').run(); // and the cascade still holds
    expect(db.prepare('SELECT count(*) FROM tasks').pluck().get()).toBe(0);
  });

  it("adds an owner's tables once, and reopening keeps the data and runs nothing again", () => {
    const mine = [
      'CREATE TABLE notes (frame_id TEXT REFERENCES frames(id) ON DELETE CASCADE, text TEXT)',
      'ALTER TABLE notes ADD COLUMN at INTEGER',
    ];
    addTables(db, 'notes', mine);
    addTables(db, 'notes', mine);
    frameRow(db, 'f1', 'web');
    db.prepare("INSERT INTO notes VALUES ('f1', 'hello', 5)").run();
    db.close();
    db = openStateDatabase(file);
    addTables(db, 'notes', mine);
    expect(versions(db)).toEqual({ core: CORE_MIGRATIONS.length, notes: 2 });
    expect(db.prepare('SELECT text, at FROM notes').all()).toEqual([{ text: 'hello', at: 5 }]);
  });

  it.each([1, 2, 3])('takes over a database of the one list at user_version %i, keeping its rows', (version) => {
    db.close();
    const path = join(dir, `legacy-${version}.db`);
    const old = legacyDatabase(path, version);
    old
      .prepare(
        `INSERT INTO frames (id, name, status, workspace_path, ${version < 3 ? 'tmux_socket, ' : ''}graphiti_group_id, created_at, updated_at)
      VALUES ('f1', 'old', 'stopped', '/srv/p', ${version < 3 ? "'/tmp/elsewhere/tmux.sock', " : ''}'g', 1, 1)`,
      )
      .run();
    old
      .prepare('INSERT INTO access_tokens (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)')
      .run('t1', 'phone', 'h', 1);
    old.close();
    db = openStateDatabase(path);
    addTables(db, 'auth', AUTH_MIGRATIONS);
    addTables(db, 'manager', TASK_MIGRATIONS);
    expect(versions(db)).toEqual({ core: CORE_MIGRATIONS.length, auth: 1, manager: TASK_MIGRATIONS.length });
    expect(db.prepare('SELECT name FROM frames').pluck().all()).toEqual(['old']);
    expect(db.prepare('SELECT name FROM access_tokens').pluck().all()).toEqual(['phone']);
    expect(
      db.prepare("SELECT count(*) FROM pragma_table_info('frames') WHERE name = 'tmux_socket'").pluck().get(),
    ).toBe(0);
    expect(tables(db)).toContain('tasks');
  });

  it('refuses a database from a newer Optagon, saying to upgrade', () => {
    addTables(db, 'notes', ['CREATE TABLE notes (x)', 'ALTER TABLE notes ADD COLUMN y']);
    expect(() => addTables(db, 'notes', ['CREATE TABLE notes (x)'])).toThrow(
      /newer Optagon \(notes schema 2\).*upgrade optagon/,
    );
    db.pragma('user_version = 1001');
    db.close();
    expect(() => (db = openStateDatabase(file))).toThrow(/newer Optagon.*upgrade optagon/);
    db = openStateDatabase(':memory:'); // so afterEach has something to close
  });
});

describe('system settings', () => {
  it('return undefined for a missing key and round-trip JSON values', () => {
    const settings = new SystemSettings(db);
    expect(settings.get('probe')).toBeUndefined();
    settings.set('probe', { runtime: 'crun', ulimits: { nofile: 1024 } });
    expect(settings.get('probe')).toEqual({ runtime: 'crun', ulimits: { nofile: 1024 } });
  });

  it('overwrite an existing key', () => {
    const settings = new SystemSettings(db);
    settings.set('counter', 1);
    settings.set('counter', 2);
    expect(settings.get<number>('counter')).toBe(2);
    expect(db.prepare('SELECT count(*) FROM system_config').pluck().get()).toBe(1);
  });
});
