import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Podman 4.3 (Debian bookworm's) probes once per boot whether the kernel can id-map overlay's lower
 * layers, finds it can, and then builds the mount wrongly for an image of several layers: a frame
 * with a user namespace fails to start with "creating overlay mount to …/mapped/0/l/…: no such file
 * or directory" (containers/storage#1308). Its other way, a copy of the image with the ids shifted
 * (about 30 s once per workspace owner and image, then reused), works.
 */
export const IDMAPPED_LAYERS_FAILURE = /creating overlay mount to .*lowerdir=\S*\/mapped\/\d+\/l\//;

/**
 * Turns podman's cached probe result to "no" in its run root (a tmpfs: it is probed again after a
 * reboot), so its next start makes the shifted copy. Returns whether it changed anything.
 */
export function preferCopiedLayers(runRoot: string): boolean {
  const dir = join(runRoot, 'overlay');
  const yes = join(dir, 'idmapped-lower-dir-true');
  const no = join(dir, 'idmapped-lower-dir-false');
  if (!existsSync(yes)) return false;
  if (existsSync(no)) return false;
  renameSync(yes, no); // podman reads only the name
  return true;
}
