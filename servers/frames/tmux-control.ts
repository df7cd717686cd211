import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { ControlParser, tmuxCommandLine, type ControlBlock } from './tmux-control-parser.js';

/** A tmux command failed; the message is tmux's own. */
export class TmuxError extends Error {}

/** The channel is gone (the frame stopped, its tmux server ended, or the channel broke). */
export class TmuxChannelClosed extends Error {}

interface Pending {
  resolve(text: string): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface TmuxControlOptions {
  /** argv of a process whose stdin/stdout are a tmux control client, e.g. `podman exec -i <ctr> tmux -C attach`. */
  argv: readonly string[];
  /** How long one command may take before the channel is given up. */
  timeoutMs?: number;
}

/**
 * One tmux control-mode client (`tmux -C`), kept open: commands go in as lines, answers come back
 * as blocks, in order. This is how the host talks to a frame's tmux server without being its client
 * on the host: the client runs inside the container (`podman exec`), so whatever the server makes its
 * client do (hooks that save or load files, `detach-client -E`) happens in the frame, not here.
 */
export class TmuxControl {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private closedWith: Error | undefined;
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly opts: TmuxControlOptions) {
    const [cmd, ...args] = opts.argv;
    this.child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.hold(false);
    const decoder = new StringDecoder('utf8');
    const parser = new ControlParser({
      block: (b) => this.answer(b),
      exit: (reason) =>
        this.shut(new TmuxChannelClosed(`tmux ended the channel${reason ? ` (${reason.trim()})` : ''}`)),
      error: (message) => {
        this.shut(new TmuxChannelClosed(message));
        this.child.kill('SIGKILL');
      },
    });
    this.child.stdout.on('data', (d: Buffer) => parser.push(decoder.write(d)));
    this.child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += d.toString('utf8');
    });
    this.child.stdin.on('error', () => {}); // EPIPE when the process is gone: 'exit' says why
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.shut(new TmuxChannelClosed(`could not run ${cmd}: ${err.message}`));
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        const why = this.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
        this.shut(new TmuxChannelClosed(why || `the tmux channel exited (${signal ?? `code ${code}`})`));
        resolve();
      });
    });
  }

  /** Opens a channel and makes sure the session answers (`has-session`), or fails with tmux's words. */
  static async open(opts: TmuxControlOptions & { session: string }): Promise<TmuxControl> {
    const channel = new TmuxControl(opts);
    try {
      await channel.run(['has-session', '-t', opts.session]);
      return channel;
    } catch (err) {
      channel.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Runs one command; resolves with its output (lines joined by \n), rejects with tmux's error. */
  run(args: readonly string[]): Promise<string> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const line = tmuxCommandLine(args);
    return new Promise<string>((resolve, reject) => {
      const timeoutMs = this.opts.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        // Answers after this one would be matched to the wrong command: the channel is done.
        this.shut(new TmuxChannelClosed(`tmux did not answer '${args[0]}' within ${timeoutMs / 1000} s`));
        this.child.kill('SIGKILL');
      }, timeoutMs);
      timer.unref();
      if (!this.queue.length) this.hold(true);
      this.queue.push({ resolve, reject, timer });
      this.child.stdin.write(`${line}\n`);
    });
  }

  /** Ends the client (the tmux server and its programs go on). */
  close(): void {
    this.shut(new TmuxChannelClosed('the tmux channel was closed'));
    this.child.stdin.end();
    // tmux -C ends at EOF; podman exec then returns. A stuck one is killed.
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    t.unref();
    void this.exited.then(() => clearTimeout(t));
  }

  /**
   * An idle channel must not keep a CLI process alive after its command is done; one with a command
   * under way must, or the process could end while waiting for the answer.
   */
  private hold(busy: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as unknown as Array<{
      ref?: () => void;
      unref?: () => void;
    }>;
    for (const h of handles) (busy ? h.ref : h.unref)?.call(h);
  }

  private answer(block: ControlBlock): void {
    if (!block.fromClient) return; // the attach's own block
    const p = this.queue.shift();
    if (!p) return; // an answer nobody asked for: a forged block, ignored
    if (!this.queue.length) this.hold(false);
    clearTimeout(p.timer);
    if (block.ok) p.resolve(block.lines.join('\n'));
    else p.reject(new TmuxError(block.lines.join(' ').trim() || 'tmux refused the command'));
  }

  private shut(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.hold(false);
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
