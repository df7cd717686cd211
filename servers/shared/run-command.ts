import { execFile } from 'node:child_process';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the command could not run at all, e.g. ENOENT for a missing program. */
  code?: string;
  timedOut: boolean;
}

/**
 * Runs a short command with an argument array (never a shell) and resolves with its result, whatever
 * the exit code. Quick podman and tmux calls use this rather than execa: execa takes ~65 ms to import,
 * twice a whole `podman ps`, and `optagon frame list` pays every millisecond of start-up.
 * Long, streamed work (image builds) uses execa.
 */
export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      {
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        ...(opts.env ? { env: opts.env } : {}),
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        resolve({
          exitCode: e ? (typeof e.code === 'number' ? e.code : (child.exitCode ?? 1)) : 0,
          stdout: stdout.replace(/\n$/, ''),
          stderr: stderr.replace(/\n$/, ''),
          ...(e && typeof e.code === 'string' ? { code: e.code } : {}),
          timedOut: Boolean(e?.killed && child.signalCode === 'SIGTERM'),
        });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
