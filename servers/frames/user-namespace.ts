import { statSync } from 'node:fs';
import type { Check } from './check.js';

/** Who a frame's root is on the host, and the podman flags that make it so. */
export interface FrameUserNamespace {
  /** --uidmap/--gidmap flags for `podman create` (none: podman's own mapping). */
  flags: string[];
  /**
   * The host ids the frame's root (and so every file it makes in /workspace) has, when a map puts it
   * somewhere other than the Optagon user: the frame's /run/optagon must then be theirs.
   */
  root: { uid: number; gid: number } | null;
}

/** Container ids 1..65535 (apt's _apt, nobody, a project's users) go to a range of their own. */
const RANGE = 65536;
/**
 * Rootful frames' other ids live in the top half of the id space, where useradd never hands out
 * subordinate ranges (it starts at 100000), one 65536-wide range per workspace owner: the frames of
 * different owners never share a host id, and all of one owner's frames share one range, so podman
 * makes its id-shifted copy of the image once per owner rather than once per frame.
 */
const TOP_HALF = 2 ** 31;
const OWNER_SLOTS = 32767;

export function subordinateStart(ownerUid: number): number {
  return TOP_HALF + (ownerUid % OWNER_SLOTS) * RANGE;
}

/**
 * Rootless podman already maps the frame's root to the user, so the workspace's new files are
 * theirs. Rootful, a frame's root would be host root: map it to the workspace directory's owner
 * instead (files an agent makes are the owner's, as if they had made them) and every other id into
 * that owner's range. A workspace owned by root cannot be given to anyone else without changing its
 * owner (Optagon never does), and a root that is not host root could not write it: such a frame runs
 * as before, host root on its workspace, and says so.
 */
export function frameUserNamespace(workspace: string, rootless = (process.getuid?.() ?? 0) !== 0): FrameUserNamespace {
  if (rootless) return { flags: [], root: null };
  const st = statSync(workspace);
  if (st.uid === 0) return { flags: [], root: null }; // frameRootCheck tells doctor's reader
  const start = subordinateStart(st.uid);
  // A workspace whose group is root's must not make the frame's group host group 0.
  const gid = st.gid === 0 ? start : st.gid;
  return {
    flags: [
      '--uidmap',
      `0:${st.uid}:1`,
      '--uidmap',
      `1:${start + 1}:${RANGE - 1}`,
      '--gidmap',
      `0:${gid}:1`,
      '--gidmap',
      `1:${start + 1}:${RANGE - 1}`,
    ],
    root: { uid: st.uid, gid },
  };
}

/**
 * doctor, as root: who each frame's root is on the host. A frame whose workspace is root's is the
 * one case where it is host root; each such frame is named with the fix.
 */
export function frameRootCheck(frames: Array<{ name: string; workspacePath: string }>): Check {
  const rootOwned = frames.filter((f) => {
    try {
      return statSync(f.workspacePath).uid === 0;
    } catch {
      return false; // a missing workspace is refused at start, with its own message
    }
  });
  const rule =
    "a frame's root is its workspace's owner on the host (the files it makes are theirs), its other users a range of that owner's";
  if (rootOwned.length === 0) return { name: 'frame root', status: 'ok', detail: rule };
  return {
    name: 'frame root',
    status: 'warn',
    detail: `${rule}; but the workspace of ${rootOwned.map((f) => f.name).join(', ')} is root's, so there the frame's root is host root and its files are root's`,
    fix: `give each workspace to the user who works in it (chown -R <user> ${rootOwned[0]!.workspacePath}), then recreate the frame (optagon frame destroy, create)`,
  };
}
