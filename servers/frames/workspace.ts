import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** A workspace must be an absolute path to an existing directory other than `/`; returns its real path. */
export function checkWorkspace(path: string): string {
  if (!isAbsolute(path)) throw new Error(`workspace '${path}' is not an absolute path; pass it in full, e.g. ${resolve(path)}`);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new Error(`workspace '${path}' does not exist; create it first (mkdir -p ${path})`);
  }
  if (!statSync(real).isDirectory()) throw new Error(`workspace '${path}' is not a directory`);
  if (real === '/') throw new Error('the workspace cannot be / ; pass a project directory');
  return real;
}
