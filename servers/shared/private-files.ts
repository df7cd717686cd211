import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { OptagonHome } from './optagon-home.js';

/**
 * Optagon's home holds the password hash, TOTP secret, token hashes, keys and the frames' state:
 * only its user may read it. Files are made private (umask 077 in the CLI and daemon, explicit
 * modes where they are written), and what an older Optagon or a loose umask left readable is
 * tightened whenever the home is opened.
 */

/** Sets this process's umask to 077 (files 0600, directories 0700). Worker threads share it and may not set it. */
export function restrictUmask(): void {
  if (isMainThread) process.umask(0o077);
}

/**
 * Runs `fn` (which spawns a child) under another umask: children inherit it, and some build what
 * others must read (debootstrap's root filesystem).
 */
export function withUmask<T>(mask: number, fn: () => T): T {
  if (!isMainThread) return fn();
  const previous = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(previous);
  }
}

/** A directory to 0700, a file to 0600, when it grants group or others anything; links and missing paths are left alone. */
export function tighten(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.isSymbolicLink() || !(st.isDirectory() || st.isFile())) return;
  if (st.mode & 0o077) chmodSync(path, st.isDirectory() ? 0o700 : 0o600);
}

const entries = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/**
 * Creates the home 0700 if missing and tightens what Optagon keeps in it: the home and its folders
 * 0700, the database (with -wal and -shm), config files, logs, keys and the run file 0600. Only the
 * known layout, not a deep walk: frame directories may later hold what a container has to read.
 */
export function ensurePrivateHome(home: OptagonHome): void {
  mkdirSync(home.root, { recursive: true, mode: 0o700 });
  const dirs = [
    home.root,
    home.dataDir,
    home.logDir,
    home.daemonLogDir,
    home.frameLogDir,
    join(home.root, 'frames'),
    home.tlsDir,
    home.runDir,
  ];
  for (const dir of dirs) tighten(dir);
  const files = [home.configFile, home.tokenFile, home.jwtKeyFile, home.daemonRunFile];
  for (const dir of [home.dataDir, home.daemonLogDir, home.frameLogDir, home.tlsDir])
    files.push(...entries(dir).map((f) => join(dir, f)));
  for (const id of entries(join(home.root, 'frames'))) {
    tighten(home.frameDir(id));
    files.push(home.frameConfigFile(id), home.frameSessionFile(id));
  }
  for (const file of files) tighten(file);
}
