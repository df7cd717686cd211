import { lstatSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * Where this user's frames keep their socket directories unless config.yaml says otherwise: root
 * keeps `/tmp/optagon/frames`; anyone else gets a directory of their own, so two users of one machine
 * never share (or squat) one: `$XDG_RUNTIME_DIR/optagon/frames` when that directory is theirs and
 * private, else `/tmp/optagon-<uid>/frames`.
 */
export function defaultSocketRoot(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (uid === 0) return '/tmp/optagon/frames';
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && isAbsolute(xdg) && privateTo(xdg, uid)) return join(xdg, 'optagon', 'frames');
  return `/tmp/optagon-${uid}/frames`;
}

function privateTo(path: string, uid: number): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}
