import type { OptagonResults } from '../../host/tool-results.js';
import { execa } from 'execa';
import { chownSync, lchownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { OptagonHome } from '../../servers/shared/optagon-home.js';
import type { FramesServices } from '../../servers/frames/services.js';
import { createMcpServer, createServices } from '../../host/registry.js';
import type { AutoIngest } from '../../host/auto-ingest.js';
import { sleep } from '../../servers/shared/sleep.js';

/**
 * A throwaway Optagon home with its own port range, so test files running in parallel never hand
 * out the same port, plus a real MCP client connected to the frames server over memory.
 */
export interface TestHome {
  root: string;
  services: FramesServices;
  /** Off unless a test starts it (the daemon does): agent turns and commits remembered by themselves. */
  autoIngest: AutoIngest;
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool that must succeed and returns its structuredContent, typed from the tool's output schema. */
  ok<N extends keyof OptagonResults>(name: N, args?: Record<string, unknown>): Promise<OptagonResults[N]>;
  /** Calls a tool that must fail and returns its error text. */
  fails(name: string, args?: Record<string, unknown>): Promise<string>;
  /** A directory under the home's workspace root (beside the home: no workspace may be inside it). */
  workspace(name: string, files?: Record<string, string>): string;
  /** The home's one allowed workspace root (frames.workspace_roots). */
  workspaceRoot: string;
  cleanup(): Promise<void>;
}

/** `config` is more of config.yaml (top-level sections other than frames). */
export async function createTestHome(portStart: number, portCount = 20, config = ''): Promise<TestHome> {
  const root = mkdtempSync(join(tmpdir(), 'optagon-test-'));
  const workspaceRoot = mkdtempSync(join(tmpdir(), 'optagon-test-ws-'));
  writeFileSync(
    join(root, 'config.yaml'),
    `frames:\n  port_range: { start: ${portStart}, end: ${portStart + portCount - 1} }\n  stop_timeout_seconds: 2\n  workspace_roots: [${workspaceRoot}]\n${config}`,
  );
  const all = createServices(new OptagonHome(root));
  const services = all.frames;
  const server = createMcpServer(all);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'optagon-test', version: '0' });
  await client.connect(b);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as CallToolResult;
  const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return {
    root,
    workspaceRoot,
    services,
    autoIngest: all.autoIngest,
    client,
    call,
    async ok(name, args) {
      const r = await call(name, args);
      if (r.isError) throw new Error(`${name} failed: ${text(r)}`);
      return r.structuredContent as never;
    },
    async fails(name, args) {
      const r = await call(name, args);
      if (!r.isError)
        throw new Error(`${name} was expected to fail but returned ${JSON.stringify(r.structuredContent)}`);
      return text(r);
    },
    workspace(name, files = {}) {
      const dir = join(workspaceRoot, name);
      mkdirSync(dir, { recursive: true });
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), content);
      }
      giveToTestOwner(dir);
      return dir;
    },
    async cleanup() {
      // Remove every container this home made, even if a test failed half way.
      for (const f of services.store.listFrames()) {
        await execa('podman', ['rm', '--force', '--ignore', services.frames.containerName(f)], { reject: false });
        rmSync(join(services.config.frames.socket_root, f.id), { recursive: true, force: true });
      }
      await services.frames.releaseNetworks();
      await client.close();
      await server.close();
      all.autoIngest.stop();
      await all.browser.close(); // Chromium and its profile, if a test browsed
      services.close();
      rmSync(root, { recursive: true, force: true });
      rmSync(workspaceRoot, { recursive: true, force: true });
    },
  };
}

/** Runs tmux on the host against a tmux server of the test's own (never a frame's: see frameTmux). */
/**
 * OPTAGON_TEST_WORKSPACE_OWNER=<uid> gives test workspaces (and what is in them) to that uid, so a
 * run as root exercises frames whose root is mapped to a user (user-namespace.ts).
 */
export function giveToTestOwner(dir: string): void {
  const owner = Number(process.env.OPTAGON_TEST_WORKSPACE_OWNER);
  if (!owner || process.getuid?.() !== 0) return;
  chownSync(dir, owner, owner);
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' }))
    lchownSync(join(dir, entry), owner, owner);
}

export async function hostTmux(socket: string, ...args: string[]): Promise<string> {
  return (await execa('tmux', ['-S', socket, ...args])).stdout;
}

/**
 * Runs tmux inside a frame's container, as Optagon itself does: a host tmux client on the frame's
 * socket would obey whatever the frame's server tells it.
 */
export async function frameTmux(container: string, ...args: string[]): Promise<string> {
  return (await execa('podman', ['exec', container, 'tmux', '-S', '/run/optagon/tmux.sock', ...args])).stdout;
}

/** The terminals attached to a frame's tmux (its control channels, Optagon's own, left out), one line each in `format`. */
export async function frameTerminals(container: string, format = '#{client_pid}'): Promise<string[]> {
  const out = await frameTmux(container, 'list-clients', '-F', `#{client_control_mode} ${format}`).catch(() => '');
  return out
    .split('\n')
    .filter((l) => l.startsWith('0 '))
    .map((l) => l.slice(2));
}

/** Polls until `check` returns a value, or fails with the last seen state. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
