import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { CORE_MIGRATIONS } from './state-migrations.js';

/**
 * user_version of a state database whose migrations are counted per owner, in schema_versions. An
 * Optagon from before (which counted one list in user_version) stops on it with "newer Optagon"
 * instead of running its own migrations over these tables.
 */
const PER_OWNER = 1000;

/**
 * The state database (data/optagon.db), one per home, shared by every capability: its core tables
 * (state-migrations.ts) are made here, every other table by its owner with addTables (auth its
 * tokens and sessions, the manager its tasks). Each owner's migrations are numbered apart.
 */
export function openStateDatabase(file: string): Database.Database {
  return openDatabase(file, (db) => {
    if ((db.pragma('user_version', { simple: true }) as number) !== PER_OWNER) {
      db.transaction(() => {
        // Read again under the write lock: another process may have done this since.
        const legacy = db.pragma('user_version', { simple: true }) as number;
        if (legacy === PER_OWNER) return;
        if (legacy > LEGACY_VERSIONS.length) throw newer(db, `schema ${legacy}`);
        db.exec('CREATE TABLE schema_versions (owner TEXT PRIMARY KEY, version INTEGER NOT NULL)');
        const record = db.prepare('INSERT INTO schema_versions (owner, version) VALUES (?, ?)');
        for (const [owner, version] of Object.entries(LEGACY_VERSIONS[legacy - 1] ?? {})) record.run(owner, version);
        db.pragma(`user_version = ${PER_OWNER}`);
      }).immediate();
    }
    addTables(db, 'core', CORE_MIGRATIONS);
  });
}

/**
 * What each user_version of the one list before meant per owner: 1 made the core and auth tables,
 * 2 the manager's tasks, 3 dropped frames.tmux_socket (the core's second).
 */
const LEGACY_VERSIONS: ReadonlyArray<Record<string, number>> = [
  { core: 1, auth: 1 },
  { core: 1, auth: 1, manager: 1 },
  { core: 2, auth: 1, manager: 1 },
];

const newer = (db: Database.Database, what: string) =>
  new Error(`the database ${db.name} was written by a newer Optagon (${what}); upgrade optagon`);

/** Brings `owner`'s tables up to date with its numbered `migrations`; a no-op when they are. */
export function addTables(db: Database.Database, owner: string, migrations: readonly string[]): void {
  const version = () =>
    (db.prepare('SELECT version FROM schema_versions WHERE owner = ?').pluck().get(owner) as number | undefined) ?? 0;
  const current = version();
  if (current > migrations.length) throw newer(db, `${owner} schema ${current}`);
  if (current === migrations.length) return;
  db.transaction(() => {
    for (let i = version(); i < migrations.length; i++) db.exec(migrations[i]!);
    db.prepare(
      'INSERT INTO schema_versions (owner, version) VALUES (?, ?) ON CONFLICT(owner) DO UPDATE SET version = excluded.version',
    ).run(owner, migrations.length);
  }).immediate();
}
