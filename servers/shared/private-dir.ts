import { chmodSync, lchownSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

export interface PrivateDirOptions {
  /**
   * From this ancestor down to `path`, every directory must be the user's own with mode 0700 (made
   * so when it is the user's and looser). Default: only `path` itself.
   */
  base?: string;
  /** What to tell the user besides removing a bad directory. Default: "use a directory of yours". */
  fix?: string;
  /**
   * Who `path` itself is given to (a frame's root, mapped to another host user): it may be theirs or
   * the user's, and is made theirs (lchown: nothing followed), still mode 0700.
   */
  owner?: { uid: number; gid: number };
}

const uid = () => process.getuid?.() ?? 0;
const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Makes sure `path` is a directory only the user can reach, creating what is missing with mode 0700,
 * and returns it. Every component is checked with lstat, so nothing is followed: no component may be a
 * symlink; each existing one must be owned by root or the user and not writable by group or others
 * (unless sticky, like /tmp), since whoever can write a directory can replace what is under it. From
 * `base` down (or `path` alone) the directories must be the user's own; a looser mode is tightened.
 * Anything else is an error that names the path and the fix.
 */
export function ensurePrivateDir(path: string, opts: PrivateDirOptions = {}): string {
  if (!isAbsolute(path)) throw new Error(`${path} is not an absolute path`);
  const target = resolve(path);
  const base = resolve(opts.base ?? target);
  if (target !== base && !target.startsWith(base + sep)) throw new Error(`${target} is not under ${base}`);
  const fix = opts.fix ?? 'use a directory of yours';
  const me = uid();

  const parts = target.split(sep).filter(Boolean);
  let current: string = sep;
  checkAncestor(current, lstatSync(current), me, fix);
  for (const part of parts) {
    current = join(current, part);
    const own = current === base || current.startsWith(base + sep);
    let st = lstatMaybe(current);
    if (!st) {
      try {
        mkdirSync(current, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // made meanwhile: checked below like any other
      }
      st = lstatSync(current);
    }
    if (own) checkOwn(current, st, me, fix, current === target ? opts.owner : undefined);
    else checkAncestor(current, st, me, fix);
  }
  return target;
}

function lstatMaybe(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function checkKind(path: string, st: Stats, fix: string): void {
  if (st.isSymbolicLink())
    throw new Error(
      `${path} is a symbolic link; Optagon follows none on the way to its private directories: ${fix}, or remove the link`,
    );
  if (!st.isDirectory()) throw new Error(`${path} is not a directory; ${fix}, or remove it`);
}

function checkAncestor(path: string, st: Stats, me: number, fix: string): void {
  checkKind(path, st, fix);
  if (st.uid !== 0 && st.uid !== me)
    throw new Error(
      `${path} is owned by uid ${st.uid}, not you (uid ${me}) or root: another user made it; ${fix}, or remove it`,
    );
  if (st.mode & 0o022 && !(st.mode & 0o1000)) {
    throw new Error(
      `${path} is writable by others (mode ${octal(st.mode)}, not sticky), who could replace what is under it; chmod go-w ${path}, or ${fix}`,
    );
  }
}

/** Yours, mode 0700; or, with `owner`, yours or theirs and then made theirs. */
function checkOwn(path: string, st: Stats, me: number, fix: string, owner?: { uid: number; gid: number }): void {
  checkKind(path, st, fix);
  if (!owner && st.uid !== me)
    throw new Error(
      `${path} is owned by uid ${st.uid}, not you (uid ${me}): another user made it; ${fix}, or remove it`,
    );
  if (owner && st.uid !== me && st.uid !== owner.uid) {
    throw new Error(
      `${path} is owned by uid ${st.uid}, neither you (uid ${me}) nor uid ${owner.uid} it is meant for: another user made it; ${fix}, or remove it`,
    );
  }
  if (owner && (st.uid !== owner.uid || st.gid !== owner.gid)) lchownSync(path, owner.uid, owner.gid);
  if ((st.mode & 0o7777) !== 0o700) chmodSync(path, 0o700);
}
