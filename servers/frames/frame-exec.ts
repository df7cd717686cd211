import { createHash } from 'node:crypto';
import type { CommandResult } from '../shared/run-command.js';
import type { ContainerRuntime } from './container-runtime.js';
import { FrameShells } from './frame-shell.js';

/** Files this small go to a frame as an argument of its kept shell (an argument may hold 128 KiB). */
const SMALL_FILE_BYTES = 64 * 1024;
/**
 * Writes the bytes `$3` gives (`-` for stdin, else base64) to $1 with mode $2: through a temporary
 * name and a rename, so no reader sees half of it. Run inside the frame, so a link the frame planted
 * leads only within the frame.
 */
export const WRITE_SCRIPT =
  'set -e; umask 077; mkdir -p -- "$(dirname -- "$1")"; t="$1.optagon-$$"; if [ "$3" = - ]; then cat; else printf %s "$3" | base64 -d; fi > "$t"; chmod "$2" "$t"; mv -f -- "$t" "$1"';
/** Prints "same" (and sets mode $2) when the file $1 is a regular file whose SHA-256 is $3. */
const SAME_SCRIPT =
  '[ -f "$1" ] && [ ! -L "$1" ] && [ "$(sha256sum < "$1" | cut -d" " -f1)" = "$3" ] && chmod "$2" "$1" && echo same; true';

/** A running frame as exec needs it: its id (for its kept shells), its container and its name (for errors). */
export interface ExecTarget {
  id: string;
  name: string;
  container: string;
}

/** A file Optagon hands a frame; `content: null` removes it. */
export interface FrameFile {
  path: string;
  content: string | null;
  mode?: number;
}

/**
 * Commands and files inside running frames, as their root: through shells kept open in each frame
 * (FrameShell: a line on a pipe, not a podman exec each time), else by ContainerRuntime.exec.
 * What a command prints is the frame's, read as untrusted text.
 */
export class FrameExec {
  private readonly shells: FrameShells;

  constructor(
    private readonly runtime: ContainerRuntime,
    podman: () => string,
  ) {
    this.shells = new FrameShells((container) => [podman(), 'exec', '-i', container, 'sh', '-s']);
  }

  /** Runs argv in the frame: by a kept shell, or with input (or that shell gone) by podman exec. */
  async run(
    frame: ExecTarget,
    argv: readonly string[],
    opts?: { input?: string; timeoutMs?: number },
  ): Promise<CommandResult> {
    if (opts?.input !== undefined) return this.runtime.exec(frame.container, argv, opts);
    const r = await this.shells.take(frame.id, frame.container)?.run(argv, opts?.timeoutMs);
    return !r || r.code === 'ECLOSED' ? this.runtime.exec(frame.container, argv, opts) : r;
  }

  /**
   * Writes (or removes) files inside the frame, all at once: a small file as an argument of a kept
   * shell, a large one only when the frame does not hold it already (the browser server, 1.4 MB, is
   * the same at every spawn), then with its content on stdin.
   */
  async writeFiles(frame: ExecTarget, files: readonly FrameFile[]): Promise<void> {
    const write = async (f: FrameFile & { content: string }) => {
      const mode = (f.mode ?? 0o600).toString(8);
      const small = Buffer.byteLength(f.content) <= SMALL_FILE_BYTES;
      if (!small) {
        const sha = createHash('sha256').update(f.content).digest('hex');
        const same = await this.run(frame, ['sh', '-c', SAME_SCRIPT, 'sh', f.path, mode, sha]);
        if (same.stdout.trim() === 'same') return;
      }
      const bytes = small ? Buffer.from(f.content).toString('base64') : '-';
      const r = await this.run(frame, ['sh', '-c', WRITE_SCRIPT, 'sh', f.path, mode, bytes], {
        ...(small ? {} : { input: f.content }),
        timeoutMs: 30_000,
      });
      if (r.exitCode !== 0)
        throw new Error(
          `writing ${f.path} in frame '${frame.name}' failed: ${(r.stderr || r.stdout).trim().slice(0, 500)}`,
        );
    };
    await Promise.all(
      files.map(async (f) => {
        if (f.content !== null) return write({ ...f, content: f.content });
        const r = await this.run(frame, ['rm', '-f', '--', f.path]);
        if (r.exitCode !== 0) throw new Error(`removing ${f.path} in frame '${frame.name}' failed: ${r.stderr.trim()}`);
      }),
    );
  }

  /** Closes the shells kept in one frame (it stops, or goes). */
  close(frameId: string): void {
    this.shells.close(frameId);
  }

  closeAll(): void {
    this.shells.closeAll();
  }
}
