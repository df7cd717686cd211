import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FRAME_LABEL } from './container-runtime.js';

export interface ContainerEvent {
  frameId: string;
  status: string; // start, died, stop, remove, pause, unpause, ...
}

/**
 * Follows `podman events` for Optagon containers and calls `onEvent` for each, so the daemon sees a
 * container killed from outside at once instead of at the next list. Restarts podman if it exits.
 */
export class ContainerEvents {
  private child: ChildProcess | undefined;
  private stopped = false;

  constructor(
    private readonly binary: string,
    private readonly onEvent: (e: ContainerEvent) => void,
    private readonly onError: (message: string) => void = () => {},
    /** Called once podman events is running (again): events missed in between must be caught up. */
    private readonly onFollowing: () => void = () => {},
  ) {}

  start(): void {
    this.stopped = false;
    const child = spawn(
      this.binary,
      // Not `--filter label=io.optagon.frame`: podman 4.3 matches a label filter only with a value,
      // so a key-only filter passes nothing. Our own check on the attributes below does the filtering.
      ['events', '--format', 'json', '--filter', 'type=container'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const e = JSON.parse(line) as { Status?: string; Attributes?: Record<string, string> };
        const frameId = e.Attributes?.[FRAME_LABEL];
        if (frameId && e.Status) this.onEvent({ frameId, status: e.Status });
      } catch {
        // podman prints one JSON object per line; anything else is not an event
      }
    });
    child.once('spawn', () => this.onFollowing());
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => this.onError(`podman events could not run: ${err.message}`));
    child.on('exit', (code) => {
      if (this.stopped) return;
      this.onError(`podman events exited (${code}): ${stderr.trim()}; following again in 1 s`);
      setTimeout(() => !this.stopped && this.start(), 1000).unref();
    });
  }

  stop(): void {
    this.stopped = true;
    this.child?.kill();
  }
}
