import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { CommandResult } from '../shared/run-command.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * What the shell in the frame runs first: `r <nonce> argv...` runs argv (a program, never a shell
 * builtin: through env), stdin from /dev/null so it cannot read this stream, and prints one line:
 * the nonce, the exit code, stdout and stderr in base64 (text with any bytes in it stays one line).
 */
const PRELUDE = [
  'r() {',
  '  n=$1; shift',
  '  o=$(mktemp) && e=$(mktemp) || { echo "$n 127 - -"; return; }',
  '  env -- "$@" </dev/null >"$o" 2>"$e"; s=$?',
  '  printf \'%s %s %s %s\\n\' "$n" "$s" "$(base64 -w0 <"$o")" "$(base64 -w0 <"$e")"',
  '  rm -f -- "$o" "$e"',
  '}',
  '',
].join('\n');

interface Pending {
  nonce: string;
  resolve(r: CommandResult): void;
  timer: NodeJS.Timeout;
}

/**
 * One shell kept open in a running frame (`podman exec -i <ctr> sh -s`), so a command there costs
 * a line on a pipe and a fork in the frame instead of a `podman exec` (about 190 ms here). Commands
 * run one at a time, in order. Its answers are the frame's like any exec's output: a process in the
 * frame can see and disturb this shell, so a line that is not the answer awaited is ignored, and a
 * command that does not answer in time ends the shell (the next command opens another).
 */
export class FrameShell {
  private readonly child: ChildProcess;
  private readonly queue: Array<() => void> = [];
  private pending: Pending | undefined;
  private buffered = '';
  private ended = false;

  constructor(argv: readonly string[]) {
    const [cmd, ...args] = argv;
    this.child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => this.read(d));
    this.child.stdin!.on('error', () => {}); // EPIPE once it is gone: 'exit' says so
    const end = () => this.end();
    this.child.on('exit', end);
    this.child.on('error', end);
    this.child.stdin!.write(PRELUDE);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Whether a command is running or waiting in it. */
  get busy(): boolean {
    return this.pending !== undefined || this.queue.length > 0;
  }

  /** Runs argv in the frame; answers as runCommand does (a shell that went away: code 'ECLOSED'). */
  run(argv: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
    return new Promise((resolve) => {
      const go = () => {
        if (this.ended) return resolve(gone());
        const nonce = randomBytes(12).toString('hex');
        const timer = setTimeout(() => {
          this.pending = undefined;
          resolve({ exitCode: -1, stdout: '', stderr: '', timedOut: true });
          this.close(); // a command still running would answer the next one's nonce-less line
        }, timeoutMs);
        this.pending = { nonce, resolve, timer };
        this.child.stdin!.write(`r ${nonce} ${argv.map(shellQuote).join(' ')}\n`);
      };
      if (this.pending || this.queue.length) this.queue.push(go);
      else go();
    });
  }

  close(): void {
    this.child.kill('SIGKILL');
    this.end();
  }

  private read(data: string): void {
    this.buffered += data;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.answer(line);
    }
    // Nothing ours is this long without a newline: a frame flooding the pipe is cut off.
    if (this.buffered.length > 64 * 1024 * 1024) this.close();
  }

  private answer(line: string): void {
    const p = this.pending;
    const m = /^([0-9a-f]{24}) (\d+) ([A-Za-z0-9+/=]*|-) ([A-Za-z0-9+/=]*|-)$/.exec(line);
    if (!p || !m || m[1] !== p.nonce) return;
    clearTimeout(p.timer);
    this.pending = undefined;
    // One final newline dropped, as runCommand (podman exec's path) does: callers see the same text either way.
    const text = (b64: string) => (b64 === '-' ? '' : Buffer.from(b64, 'base64').toString('utf8').replace(/\n$/, ''));
    p.resolve({ exitCode: Number(m[2]), stdout: text(m[3]!), stderr: text(m[4]!), timedOut: false });
    this.queue.shift()?.();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      clearTimeout(p.timer);
      p.resolve(gone());
    }
    for (const go of this.queue.splice(0)) go();
  }
}

const gone = (): CommandResult => ({ exitCode: -1, stdout: '', stderr: '', timedOut: false, code: 'ECLOSED' });

/** The most shells kept open in one frame: commands beyond them go by podman exec. */
const SHELLS_PER_FRAME = 3;

/**
 * The shells kept in each frame: a command takes an idle one, or opens one while there are fewer
 * than SHELLS_PER_FRAME, so a long command (a work tree's setup) never holds up the short ones.
 * Undefined when every one is busy: the caller runs it by podman exec.
 */
export class FrameShells {
  private readonly shells = new Map<string, FrameShell[]>();

  constructor(private readonly argv: (container: string) => string[]) {}

  take(frameId: string, container: string): FrameShell | undefined {
    const open = (this.shells.get(frameId) ?? []).filter((s) => !s.closed);
    this.shells.set(frameId, open);
    const idle = open.find((s) => !s.busy);
    if (idle || open.length >= SHELLS_PER_FRAME) return idle;
    const shell = new FrameShell(this.argv(container));
    open.push(shell);
    return shell;
  }

  close(frameId: string): void {
    for (const s of this.shells.get(frameId) ?? []) s.close();
    this.shells.delete(frameId);
  }

  closeAll(): void {
    for (const id of [...this.shells.keys()]) this.close(id);
  }
}
