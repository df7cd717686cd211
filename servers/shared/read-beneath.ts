import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

// libuv opens every file close-on-exec already.
const { O_RDONLY, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;

/** A path in a frame-writable place that Optagon refuses to read: a link, a device, a FIFO, too big. */
export class UnsafeFileError extends Error {}

/**
 * Reads `relative` beneath `root` without following a symlink anywhere below `root`: each directory
 * is opened with O_NOFOLLOW and the next name is looked up inside that open directory (through
 * /proc/self/fd, Node's stand-in for openat), so a frame that swaps a directory for a link while we
 * walk still cannot point us outside. The file itself must be a regular file (O_NONBLOCK: a FIFO
 * cannot hang us) of at most `maxBytes`, or, with `tailBytes`, its last bytes are read.
 *
 * `root` itself must be a directory the frame cannot replace (the mounted directory, not a path in it).
 * Returns undefined when the file does not exist; throws UnsafeFileError for anything else odd.
 */
export function readBeneath(
  root: string,
  relative: string,
  opts: { maxBytes?: number; tailBytes?: number } = {},
): Buffer | undefined {
  const parts = relative.split('/').filter(Boolean);
  if (!parts.length || parts.some((p) => p === '.' || p === '..'))
    throw new UnsafeFileError(`'${relative}' is not a plain relative path`);
  let dir: number;
  try {
    dir = openSync(root, O_RDONLY | O_DIRECTORY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    for (const part of parts.slice(0, -1)) {
      const next = openStep(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, relative);
      if (next === undefined) return undefined;
      closeSync(dir);
      dir = next;
    }
    const fd = openStep(dir, parts[parts.length - 1]!, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, relative);
    if (fd === undefined) return undefined;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new UnsafeFileError(`'${relative}' is not a regular file; refusing to read it`);
      const maxBytes = opts.maxBytes ?? 1024 * 1024;
      let start = 0;
      if (opts.tailBytes !== undefined) start = Math.max(0, st.size - opts.tailBytes);
      else if (st.size > maxBytes)
        throw new UnsafeFileError(`'${relative}' is ${st.size} bytes, more than the ${maxBytes} allowed`);
      const length = Math.min(st.size - start, opts.tailBytes ?? maxBytes);
      const buf = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const n = readSync(fd, buf, read, length - read, start + read);
        if (n === 0) break; // shrank while we read
        read += n;
      }
      return buf.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(dir);
  }
}

function openStep(dir: number, name: string, flags: number, relative: string): number | undefined {
  try {
    return openSync(`/proc/self/fd/${dir}/${name}`, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // ELOOP: a symlink where O_NOFOLLOW forbids one; ENOTDIR: a file (or a link) where a directory should be.
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'EMLINK')
      throw new UnsafeFileError(
        `'${relative}' goes through a link or a non-directory ('${name}'); refusing to follow it`,
      );
    throw err;
  }
}
