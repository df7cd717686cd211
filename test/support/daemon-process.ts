import { createFramesServices } from '../../servers/frames/services.js';
import { OptagonHome } from '../../servers/shared/optagon-home.js';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { giveToTestOwner, waitFor } from './test-home.js';

export const CLI = join(process.cwd(), 'dist/cli/optagon.cjs');

/** An Optagon home for a daemon test: its own port range, and cleanup of every container it made. */
export class DaemonHome {
  readonly root = mkdtempSync(join(tmpdir(), 'optagon-daemon-'));
  /** The one allowed workspace root, beside the home (no workspace may be inside it). */
  readonly workspaceRoot = mkdtempSync(join(tmpdir(), 'optagon-daemon-ws-'));
  readonly homeId = createHash('sha256').update(this.root).digest('hex').slice(0, 12);

  constructor(portStart: number) {
    writeFileSync(
      join(this.root, 'config.yaml'),
      `frames:\n  port_range: { start: ${portStart}, end: ${portStart + 19} }\n  stop_timeout_seconds: 2\n  workspace_roots: [${this.workspaceRoot}]\n`,
    );
  }

  get env(): Record<string, string> {
    return { ...(process.env as Record<string, string>), OPTAGON_HOME: this.root, NO_COLOR: '1' };
  }

  workspace(name: string): string {
    const dir = join(this.workspaceRoot, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'keep.txt'), 'keep');
    giveToTestOwner(dir);
    return dir;
  }

  cli(...args: string[]) {
    return execa(process.execPath, [CLI, ...args], { env: this.env, reject: false });
  }

  /** Container ids podman has for this home. */
  async containers(): Promise<Array<{ id: string; frameId: string; state: string }>> {
    const out = await execa('podman', [
      'ps',
      '-a',
      '--filter',
      `label=io.optagon.home=${this.homeId}`,
      '--format',
      'json',
    ]);
    return (JSON.parse(out.stdout || '[]') as Array<{ Id: string; State: string; Labels: Record<string, string> }>).map(
      (c) => ({
        id: c.Id,
        frameId: c.Labels['io.optagon.frame']!,
        state: c.State,
      }),
    );
  }

  async cleanup(): Promise<void> {
    for (const c of await this.containers().catch(() => []))
      await execa('podman', ['rm', '-f', c.id], { reject: false });
    // Their networks and firewall rules, as the daemon's frame_destroy would have removed them.
    const services = createFramesServices(new OptagonHome(this.root));
    await services.frames.releaseNetworks().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    services.close();
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.workspaceRoot, { recursive: true, force: true });
  }
}

/** A real daemon process (`optagon serve --port 0`) in a home. */
export class DaemonProcess {
  private constructor(
    readonly home: DaemonHome,
    readonly proc: ChildProcess,
    readonly url: string,
    readonly token: string,
  ) {}

  static async start(home: DaemonHome): Promise<DaemonProcess> {
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
      env: home.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d));
    proc.stderr!.on('data', (d: Buffer) => (output += d));
    const runFile = join(home.root, 'run', 'daemon.json');
    const info = await waitFor(
      `the daemon to listen (output so far: ${output})`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`daemon exited ${proc.exitCode}: ${output}`);
        if (!existsSync(runFile)) return undefined;
        const i = JSON.parse(readFileSync(runFile, 'utf8')) as { pid: number; port: number };
        return i.pid === proc.pid ? i : undefined;
      },
      30_000,
    );
    const token = readFileSync(join(home.root, 'daemon.token'), 'utf8').trim();
    return new DaemonProcess(home, proc, `http://127.0.0.1:${info.port}`, token);
  }

  /** One REST mirror call; resolves with status and JSON body. */
  async rest(tool: string, args: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}/api/tools/${tool}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    return { status: res.status, body: await res.json() };
  }

  async ok(tool: string, args: Record<string, unknown> = {}): Promise<any> {
    const r = await this.rest(tool, args);
    if (r.status !== 200) throw new Error(`${tool} → ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  exited(): Promise<number | null> {
    if (this.proc.exitCode !== null) return Promise.resolve(this.proc.exitCode);
    return new Promise((r) => this.proc.once('exit', (code) => r(code)));
  }

  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited();
  }

  async stop(): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    return this.exited();
  }
}
