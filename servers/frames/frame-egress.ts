import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OptagonHome } from '../shared/optagon-home.js';
import { packageRoot } from '../shared/package-root.js';
import { endpointUrls, HOST_NAMES } from './agent-endpoints.js';

/** The proxy's port on each frame network's gateway (one address per frame: no two collide). */
export const EGRESS_PROXY_PORT = 3128;

/**
 * What an allowlisted frame reaches besides its list: the model API its agents talk to (host and
 * port), whichever *_BASE_URL points at, else Claude Code's default.
 */
export function modelEndpoints(
  env: NodeJS.ProcessEnv,
  agentsEnv: Record<string, string> = {},
): { hosts: string[]; ports: number[] } {
  const hosts = new Set<string>();
  const ports = new Set([80, 443]);
  const entries = { ...env, ...agentsEnv };
  for (const { key, url } of endpointUrls(Object.entries(entries))) {
    if (!key.endsWith('_BASE_URL')) continue;
    hosts.add(url.hostname);
    if (url.port) ports.add(Number(url.port));
  }
  if (!entries.ANTHROPIC_BASE_URL) hosts.add('api.anthropic.com');
  return { hosts: [...hosts], ports: [...ports] };
}

/** The environment that sends a frame's HTTP(S) through its proxy, except to the host's endpoints it reaches directly. */
export function proxyEnv(gateway: string): Record<string, string> {
  const url = `http://${gateway}:${EGRESS_PROXY_PORT}`;
  const direct = ['localhost', '127.0.0.1', ...HOST_NAMES, gateway].join(',');
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: direct, no_proxy: direct };
}

/**
 * Runs each allowlisted frame's egress proxy (egress-proxy-main.ts) as a process of its own while
 * the frame runs: started after the container (its network's bridge, where it listens, exists
 * then), stopped with the frame. Its pid is kept in the frame's directory, and a pid is only ever
 * signalled when its command line is that frame's proxy, so a reused pid is left alone.
 */
export class FrameEgress {
  constructor(private readonly home: OptagonHome) {}

  private pidFile(frameId: string): string {
    return join(this.home.frameDir(frameId), 'egress-proxy.pid');
  }

  async start(
    frameId: string,
    gateway: string,
    allow: { allowlist: string[]; hosts: Record<string, string>; ports: number[] },
  ): Promise<void> {
    this.stop(frameId);
    const main = join(packageRoot(), 'dist', 'servers', 'frames', 'egress-proxy-main.js');
    if (!existsSync(main)) throw new Error(`the egress proxy is not built (${main}); run npm run build`);
    const child = spawn(
      process.execPath,
      [main, JSON.stringify({ frameId, listen: { host: gateway, port: EGRESS_PROXY_PORT }, ...allow })],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPTAGON_HOME: this.home.root } },
    );
    // It says "ready" once it listens, or exits saying why not.
    const outcome = await new Promise<string | null>((resolve) => {
      let stderr = '';
      const timer = setTimeout(() => resolve('it did not say it listens within 30 s'), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        if (!d.toString().includes('ready')) return;
        clearTimeout(timer);
        resolve(null);
      });
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(stderr.trim() || `exit ${code}`);
      });
    });
    child.stdout!.destroy();
    child.stderr!.destroy();
    if (outcome !== null) {
      child.kill();
      throw new Error(`the frame's egress proxy did not start: ${outcome}`);
    }
    child.unref();
    writeFileSync(this.pidFile(frameId), String(child.pid), { mode: 0o600 });
  }

  stop(frameId: string): void {
    const file = this.pidFile(frameId);
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8'));
    } catch {
      return;
    }
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('egress-proxy-main') && cmdline.includes(frameId)) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    rmSync(file, { force: true });
  }
}
