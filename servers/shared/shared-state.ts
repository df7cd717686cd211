import type Database from 'better-sqlite3';
import { loadGlobalConfig, type GlobalConfig } from './global-config.js';
import { OptagonHome } from './optagon-home.js';
import { ensurePrivateHome } from './private-files.js';
import { openStateDatabase } from './state-database.js';

/** What every capability of one process shares: the home, its config.yaml as loaded, and the state database. */
export interface SharedState {
  home: OptagonHome;
  /** One object for the process: a probe that writes podman's flags into it is seen by everyone. */
  config: GlobalConfig;
  db: Database.Database;
  close(): void;
}

/** Opens a home's shared state, making the home private first (0700, its files 0600). */
export function openSharedState(home = new OptagonHome()): SharedState {
  ensurePrivateHome(home);
  const config = loadGlobalConfig(home.configFile);
  const db = openStateDatabase(home.database);
  return { home, config, db, close: () => db.close() };
}
