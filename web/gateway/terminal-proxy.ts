import { homedir } from 'node:os';
import { spawn, type IPty } from 'node-pty';
import { OutputBatcher } from './output-batcher.js';

export interface TerminalProxyOptions {
  /** argv of the tmux client, run inside the frame on this pty (see tmuxTarget). */
  command: string[];
  /** Tells the tmux client in the frame that the pty was resized (see tmuxTarget). */
  resized(): Promise<void>;
  cols: number;
  rows: number;
  onOutput(chunk: Buffer): void;
  onExit(reason: string): void;
}

/**
 * One terminal attachment: `tmux attach` inside the frame, in a pseudo-terminal of its own (node-pty,
 * raw bytes), so each viewer is a separate tmux client with its own size and its own pace; whatever
 * the frame's tmux server makes that client do happens in the frame. Pausing it stops reading
 * the pty; tmux then holds back that client's redraws only, never the program or other viewers.
 */
export class TerminalProxy {
  private readonly pty: IPty;
  private readonly resized: () => Promise<void>;
  private readonly batcher: OutputBatcher;
  private closed = false;
  paused = false;

  constructor(opts: TerminalProxyOptions) {
    const [cmd, ...args] = opts.command;
    this.resized = opts.resized;
    const env: Record<string, string> = {
      TERM: 'xterm-256color',
      LANG: process.env.LANG || 'C.UTF-8',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: homedir(),
    };
    // podman's own environment needs: a rootless podman finds its runtime dir and config through these.
    for (const k of [
      'XDG_RUNTIME_DIR',
      'XDG_CONFIG_HOME',
      'XDG_DATA_HOME',
      'CONTAINERS_CONF',
      'CONTAINERS_STORAGE_CONF',
    ])
      if (process.env[k]) env[k] = process.env[k]!;
    this.pty = spawn(cmd!, args, {
      name: 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: homedir(),
      env,
      encoding: null,
    });
    this.batcher = new OutputBatcher(opts.onOutput);
    // With `encoding: null` node-pty hands over Buffers; its typings still say string.
    this.pty.onData((chunk) => this.batcher.push(chunk as unknown as Buffer));
    this.pty.onExit(({ exitCode, signal }) => {
      this.batcher.flush();
      this.batcher.dispose();
      const wasClosed = this.closed;
      this.closed = true;
      if (!wasClosed)
        opts.onExit(
          exitCode === 0
            ? 'the tmux client ended (detached, or the session closed)'
            : `tmux exited with ${signal ? `signal ${signal}` : `code ${exitCode}`}`,
        );
    });
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    this.batcher.urgent(); // its echo should not wait for a batch
    this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.closed) return;
    this.pty.resize(cols, rows);
    this.resized().catch(() => undefined);
  }

  pause(): void {
    if (this.closed || this.paused) return;
    this.paused = true;
    this.pty.pause();
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    this.pty.resume();
  }

  /** Ends this tmux client (the session and its programs go on). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.batcher.dispose();
    // Closing the pty hangs up the tmux client in the frame, which holds the pty's other end; a
    // signal would reach only the podman client on this side. node-pty closes it in destroy(), which
    // its typings leave out, then sends SIGHUP.
    destroyPty(this.pty);
  }
}

/** Closes a node-pty terminal (its master side) and hangs up what runs on it. */
export function destroyPty(pty: IPty): void {
  try {
    (pty as IPty & { destroy(): void }).destroy();
  } catch {
    // already gone
  }
}
