import { execa } from 'execa';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerRuntime } from '../servers/frames/container-runtime.js';
import type { BenchHome } from './bench-home.js';
import { run, timed, waitFor } from './measure.js';

export const BENCH_LABEL = 'io.optagon.bench';

/** True once the tmux server behind `socket` has the session `main` (what frame_start waits for). */
async function tmuxReady(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false; // no tmux spawn until the entrypoint made the socket
  const r = await execa('tmux', ['-S', socket, 'has-session', '-t', 'main'], { reject: false });
  return r.exitCode === 0;
}

/**
 * The peer of `optagon frame start`: the frame image run by hand with plain podman and the same
 * runtime flags, mounts and port, timed until its tmux session answers. What optagon adds on top
 * (node start-up, MCP, SQLite, checks) is the difference between the two.
 */
export class BareFrame {
  private readonly name = `optagon-bench-bare-${process.pid}`;
  private readonly socketDir: string;
  private readonly socket: string;
  private readonly podman: string;

  constructor(private readonly home: BenchHome) {
    this.podman = home.config.podman.binary;
    this.socketDir = join(home.root, 'sockets', 'bare');
    this.socket = join(this.socketDir, 'tmux.sock');
  }

  /** `podman run -d` of a new container until tmux is ready (the old one is removed first, untimed). */
  async runFresh(): Promise<number> {
    await this.remove();
    this.resetSocket();
    const { config } = this.home;
    const port = config.frames.port_range.end; // frames take the lowest free ports of the range
    const args = [
      'run',
      '--detach',
      '--name',
      this.name,
      '--label',
      `${BENCH_LABEL}=1`,
      ...new ContainerRuntime(config.podman).runtimeFlags(),
      '--volume',
      `${this.home.workspace('bare')}:/workspace`,
      '--volume',
      `${this.socketDir}:/run/optagon`,
      '--publish',
      `${config.frames.bind_address}:${port}:3000`,
      config.frames.image,
    ];
    return timed(async () => {
      await run(this.podman, args);
      await waitFor(() => tmuxReady(this.socket), `tmux in ${this.name}`);
    });
  }

  /** Stops the existing container (untimed), then `podman start` until tmux is ready: like for like with a frame restart. */
  async restart(): Promise<number> {
    await run(this.podman, ['stop', '--time', '5', this.name]);
    this.resetSocket();
    return timed(async () => {
      await run(this.podman, ['start', this.name]);
      await waitFor(() => tmuxReady(this.socket), `tmux in ${this.name}`);
    });
  }

  async remove(): Promise<void> {
    await run(this.podman, ['rm', '--force', '--ignore', this.name]);
  }

  // frame_start removes the last run's socket before starting; doing the same keeps both polls alike.
  private resetSocket(): void {
    mkdirSync(this.socketDir, { recursive: true, mode: 0o700 });
    rmSync(this.socket, { force: true });
  }
}
