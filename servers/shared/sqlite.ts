import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { tighten } from './private-files.js';

/**
 * Opens (creating if need be, readable by its user only) a SQLite database in WAL mode with foreign keys on, and brings its
 * schema up to date with numbered `migrations` (PRAGMA user_version counts those that ran), or
 * with a function of its own (the state database counts each owner's migrations apart).
 * Several processes may open and write at once (concurrent CLI calls, the daemon): the busy
 * timeout is set first, the switch to WAL is retried, and migrations re-read the version under
 * the write lock.
 */
export function openDatabase(
  file: string,
  migrations: readonly string[] | ((db: Database.Database) => void),
): Database.Database {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Private from the start: SQLite gives the -wal and -shm files the mode of the database file.
    closeSync(openSync(file, 'a', 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) tighten(f);
  }
  const db = new Database(file);
  // Set first: even switching a new file to WAL takes a lock.
  db.pragma('busy_timeout = 15000');
  try {
    enableWal(db);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (typeof migrations === 'function') migrations(db);
    else migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * WAL is stored in the file, so this matters only for a new database; but processes that open a
 * new file together can get SQLITE_BUSY from the switch without the busy handler being asked.
 */
function enableWal(db: Database.Database): void {
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 200) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.random() * 20);
    }
  }
}

function migrate(db: Database.Database, migrations: readonly string[]): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const current = version();
  if (current > migrations.length) {
    throw new Error(`the database ${db.name} was written by a newer Optagon (schema ${current}); upgrade optagon`);
  }
  if (current === migrations.length) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated since the first read.
    for (let i = version(); i < migrations.length; i++) db.exec(migrations[i]!);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}

/** Prepared statements compiled once per connection: the same few queries run all day. */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
}
