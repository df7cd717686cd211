import { join } from 'node:path';
import { ensurePrivateDir } from '../shared/private-dir.js';

const FIX = 'set frames.socket_root in config.yaml to a directory of yours';

/**
 * The socket root, or a frame's directory in it (mounted at /run/optagon in the frame), made or
 * checked before use: the user's own, mode 0700, with no symlink and no directory another user
 * could write on the way. Whoever owned it could put their own tmux server where a frame's should be.
 */
export function ensureSocketDir(
  socketRoot: string,
  frameId?: string,
  frameRoot?: { uid: number; gid: number } | null,
): string {
  if (!frameId) return ensurePrivateDir(socketRoot, { fix: FIX });
  // A frame whose root maps to another host user (see user-namespace.ts) makes its tmux socket as
  // them: its directory is theirs. The socket root above it stays the Optagon user's alone.
  return ensurePrivateDir(join(socketRoot, frameId), {
    base: socketRoot,
    fix: FIX,
    ...(frameRoot ? { owner: frameRoot } : {}),
  });
}
