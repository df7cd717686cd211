import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonUrl, findDaemon } from '../host/daemon/run-file.js';
import { readToken } from '../host/daemon/token.js';
import { createFramesServices } from '../servers/frames/services.js';
import { loadGlobalConfig, type GlobalConfig } from '../servers/shared/global-config.js';
import { OptagonHome } from '../servers/shared/optagon-home.js';
import { freePort, run, sleep, timeCommand } from './measure.js';

/** The compiled CLI, spawned as a user would run it (it uses this home's daemon when one runs). */
export const CLI = fileURLToPath(new URL('../cli/optagon.cjs', import.meta.url));

interface CreatedFrame {
  name: string;
  containerName: string;
}

/**
 * A throwaway OPTAGON_HOME: its own database, sockets, a port range clear of the tests' (33000+)
 * and a daemon port of its own (never a user's 8443), so benchmarks can run beside them.
 * Everything it makes, its daemon included, is removed by `dispose`.
 */
export class BenchHome {
  readonly frames: CreatedFrame[] = [];
  private constructor(
    readonly root: string,
    readonly config: GlobalConfig,
    /** Where workspaces are made: beside the home, since none may be inside it (frames.workspace_roots). */
    readonly workspaces: string,
  ) {}

  /** `ports`: the frames' range; a second home in the same run (the rootless user's) takes another. */
  static async create(ports = { start: 33900, end: 33999 }): Promise<BenchHome> {
    const root = mkdtempSync(join(tmpdir(), 'optagon-bench-'));
    const workspaces = mkdtempSync(join(tmpdir(), 'optagon-bench-ws-'));
    try {
      // Sockets live under the temp home so removing it removes them; the path stays well under
      // the 108-byte limit of a unix socket path.
      writeFileSync(
        join(root, 'config.yaml'),
        `frames:\n  port_range: {start: ${ports.start}, end: ${ports.end}}\n  socket_root: ${join(root, 'sockets')}\n  workspace_roots: [${workspaces}]\n` +
          `daemon:\n  port: ${await freePort()}\n`,
      );
      // doctor probes podman's runtime and ulimits on this host and writes them into config.yaml.
      // It exits 1 when any check fails (e.g. a busy port), so judge by what it wrote instead.
      const report = await run(process.execPath, [CLI, 'doctor'], { OPTAGON_HOME: root }).catch(
        (e: Error) => e.message,
      );
      const config = loadGlobalConfig(join(root, 'config.yaml'));
      if (!config.podman.runtime || !config.podman.ulimits) {
        throw new Error(`optagon doctor did not find working podman flags:\n${report}`);
      }
      return new BenchHome(root, config, workspaces);
    } catch (err) {
      rmSync(root, { recursive: true, force: true });
      rmSync(workspaces, { recursive: true, force: true });
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

  /** `optagon daemon start` in this home; from then on the CLI (without --embedded) goes through it. */
  async startDaemon(): Promise<void> {
    await this.cli(['daemon', 'start']);
    // The daemon trusts podman events for reads only once it has followed them and caught up
    // (a moment after it answers /health); until then frame_list still asks podman.
    await sleep(1000);
  }

  /**
   * `optagon daemon stop` in this home; nothing when no daemon runs. Should the stop fail, the
   * daemon (which this home started) is killed by its pid, so no run leaves one behind.
   */
  async stopDaemon(): Promise<void> {
    const info = findDaemon(this.optagonHome);
    if (!info) return;
    try {
      await this.cli(['daemon', 'stop']);
    } catch (err) {
      if (findDaemon(this.optagonHome)?.pid === info.pid) process.kill(info.pid, 'SIGKILL');
      throw err;
    }
  }

  /** The running daemon's base URL and bearer token, as a client of this home would find them. */
  daemon(): { url: string; token: string } {
    const info = findDaemon(this.optagonHome);
    if (!info) throw new Error(`no daemon runs in ${this.root}`);
    return { url: daemonUrl(info), token: readToken(this.optagonHome.tokenFile) };
  }

  private get optagonHome(): OptagonHome {
    return new OptagonHome(this.root);
  }

  /** A fresh empty directory to mount as a workspace. */
  workspace(name: string): string {
    const dir = join(this.workspaces, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  async createFrames(count: number): Promise<string[]> {
    const made: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `bench-${this.frames.length}`;
      const out = await this.cli(['--json', 'frame', 'create', name, '-w', this.workspace(name)]);
      const { frame } = JSON.parse(out) as { frame: CreatedFrame };
      this.frames.push({ name: frame.name, containerName: frame.containerName });
      made.push(frame.name);
    }
    return made;
  }

  /**
   * Stops the daemon if one still runs, destroys every frame made here, then removes their
   * containers by name as well, in case the CLI failed half way, so a broken run leaves nothing
   * behind on the host.
   */
  async dispose(): Promise<void> {
    await this.stopDaemon().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    for (const f of this.frames) {
      await this.cli(['frame', 'destroy', f.name, '--force']).catch((e: Error) =>
        console.error(`cleanup: ${e.message}`),
      );
      await run(this.config.podman.binary, ['rm', '--force', '--ignore', f.containerName]).catch((e: Error) =>
        console.error(`cleanup: ${e.message}`),
      );
    }
    const services = createFramesServices(new OptagonHome(this.root));
    await services.frames.releaseNetworks().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    services.close();
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.workspaces, { recursive: true, force: true });
  }
}
