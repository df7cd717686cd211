import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGlobalConfig, type GlobalConfig } from '../servers/shared/global-config.js';
import { run, timeCommand } from './measure.js';

/** The compiled CLI, spawned as a user would run it (embedded mode: no daemon). */
export const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

interface CreatedFrame {
  name: string;
  containerName: string;
}

/**
 * A throwaway OPTAGON_HOME: its own database, sockets and a port range clear of the tests'
 * (33000+), so benchmarks can run beside them. Everything it makes is removed by `dispose`.
 */
export class BenchHome {
  readonly frames: CreatedFrame[] = [];
  private constructor(
    readonly root: string,
    readonly config: GlobalConfig,
  ) {}

  static async create(): Promise<BenchHome> {
    const root = mkdtempSync(join(tmpdir(), 'optagon-bench-'));
    try {
      // Sockets live under the temp home so removing it removes them; the path stays well under
      // the 108-byte limit of a unix socket path.
      writeFileSync(
        join(root, 'config.yaml'),
        `frames:\n  port_range: {start: 33900, end: 33999}\n  socket_root: ${join(root, 'sockets')}\n`,
      );
      // doctor probes podman's runtime and ulimits on this host and writes them into config.yaml.
      // It exits 1 when any check fails (e.g. a busy port), so judge by what it wrote instead.
      const report = await run(process.execPath, [CLI, 'doctor'], { OPTAGON_HOME: root }).catch((e: Error) => e.message);
      const config = loadGlobalConfig(join(root, 'config.yaml'));
      if (!config.podman.runtime || !config.podman.ulimits) {
        throw new Error(`optagon doctor did not find working podman flags:\n${report}`);
      }
      return new BenchHome(root, config);
    } catch (err) {
      rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }

  get env(): Record<string, string> {
    return { OPTAGON_HOME: this.root };
  }

  /** Runs `optagon <args>` in this home and returns its stdout. */
  cli(args: string[]): Promise<string> {
    return run(process.execPath, [CLI, ...args], this.env);
  }

  /** Wall time of `optagon <args>` in this home, node start-up included: that is what a user waits for. */
  timeCli(args: string[]): Promise<number> {
    return timeCommand(process.execPath, [CLI, ...args], this.env);
  }

  /** A fresh empty directory to mount as a workspace. */
  workspace(name: string): string {
    const dir = join(this.root, 'workspaces', name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  async createFrames(count: number): Promise<string[]> {
    for (let i = 0; i < count; i++) {
      const name = `bench-${i}`;
      const out = await this.cli(['--json', 'frame', 'create', name, '-w', this.workspace(name)]);
      const { frame } = JSON.parse(out) as { frame: CreatedFrame };
      this.frames.push({ name: frame.name, containerName: frame.containerName });
    }
    return this.frames.map((f) => f.name);
  }

  /**
   * Destroys every frame made here, then removes their containers by name as well, in case the
   * CLI failed half way, so a broken run leaves nothing behind on the host.
   */
  async dispose(): Promise<void> {
    for (const f of this.frames) {
      await this.cli(['frame', 'destroy', f.name, '--force']).catch((e: Error) => console.error(`cleanup: ${e.message}`));
      await run(this.config.podman.binary, ['rm', '--force', '--ignore', f.containerName]).catch((e: Error) => console.error(`cleanup: ${e.message}`));
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
