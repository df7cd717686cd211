import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonHome, DaemonProcess } from './support/daemon-process.js';
import { waitFor } from './support/test-home.js';
import type { ResultOf } from '../host/tool-results.js';

/** A frame as the frame tools answer it. */
type Frame = ResultOf<'frame_get'>['frame'];

/** A real daemon process, a real SDK client over HTTP, real Podman. */
describe('daemon (real podman, real HTTP)', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  let client: Client;

  beforeAll(async () => {
    home = new DaemonHome(33200);
    daemon = await DaemonProcess.start(home);
    client = new Client({ name: 'daemon-test', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${daemon.token}` } },
      }),
    );
  });
  afterAll(async () => {
    await client?.close().catch(() => {});
    await daemon?.stop();
    await home?.cleanup();
  });

  it('serves every tool over MCP Streamable HTTP', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['frame_create', 'frame_start', 'frame_list', 'frame_destroy']),
    );
  });

  it('runs a frame through its lifecycle over MCP', async () => {
    const call = async (name: string, args: Record<string, unknown>) => {
      const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      return r.structuredContent as { frame: Frame };
    };
    expect((await call('frame_create', { name: 'life', workspace: home.workspace('life') })).frame.status).toBe(
      'created',
    );
    expect((await call('frame_start', { frame: 'life' })).frame.status).toBe('running');
    expect((await call('frame_stop', { frame: 'life' })).frame.status).toBe('stopped');
    expect((await call('frame_start', { frame: 'life' })).frame.status).toBe('running');
    const destroyed = await client.callTool({ name: 'frame_destroy', arguments: { frame: 'life', force: true } });
    expect(destroyed.isError).toBeFalsy();
    expect(await home.containers()).toEqual([]);
  });

  it('pushes resource updates: a container killed outside shows as error within 2 s, unasked', async () => {
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    await daemon.ok('frame_create', { name: 'victim', workspace: home.workspace('victim') });
    const { frame } = (await daemon.ok('frame_start', { frame: 'victim' })) as { frame: Frame };
    await client.subscribeResource({ uri: 'frames://list' });
    await client.subscribeResource({ uri: 'frame://victim' });
    updates.length = 0;

    const killedAt = Date.now();
    await execa('podman', ['kill', frame.containerName]);
    await waitFor('a resource update after the kill', async () => updates.includes('frame://victim'), 2_000);
    const seenMs = Date.now() - killedAt;
    expect(seenMs).toBeLessThan(2_000);
    expect(updates).toContain('frames://list');
    const read = await client.readResource({ uri: 'frame://victim' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { frame: Frame };
    expect(body.frame.status).toBe('error');
    // Nobody listed in between, yet the stored state already says so.
    expect((await daemon.ok('frame_get', { frame: 'victim' })).frame.status).toBe('error');
  });

  it('the CLI uses the daemon when it runs, and --embedded gives the same answer', async () => {
    const viaDaemon = await home.cli('--json', 'frame', 'list');
    const embedded = await home.cli('--json', '--embedded', 'frame', 'list');
    expect(viaDaemon.exitCode).toBe(0);
    expect(JSON.parse(viaDaemon.stdout)).toEqual(JSON.parse(embedded.stdout));
    const status = await home.cli('--json', 'daemon', 'status');
    expect(JSON.parse(status.stdout)).toMatchObject({
      running: true,
      pid: daemon.proc.pid,
      sessions: expect.any(Number),
    });
  });

  it('a chunked body over the limit gets 413 on the real socket, and the daemon keeps serving', async () => {
    // No Content-Length: the limit is enforced while reading. In-process tests cannot show this.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${daemon.url}/api/tools/frame_list`, {
        method: 'POST',
        headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 20; i++) req.write(chunk); // 1.25 MiB, over the default 1 MiB
      req.end();
    });
    expect(status).toBe(413);
    const { structuredContent } = await client.callTool({ name: 'frame_list', arguments: {} });
    expect(structuredContent).toHaveProperty('frames');
  });

  it('`mcp config` prints a working claude command and .mcp.json without the token itself', async () => {
    const r = await home.cli('mcp', 'config');
    expect(r.stdout).toContain(
      `claude mcp add --transport http optagon ${daemon.url}/mcp --header "Authorization: Bearer $(cat ${join(home.root, 'daemon.token')})"`,
    );
    expect(r.stdout).toContain('"Authorization": "Bearer ${OPTAGON_TOKEN}"');
    expect(r.stdout).not.toContain(daemon.token);
  });

  it('SIGTERM: exits 0 and removes its run file', async () => {
    expect(await daemon.stop()).toBe(0);
    expect(existsSync(join(home.root, 'run', 'daemon.json'))).toBe(false);
    const status = await home.cli('daemon', 'status');
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toContain('not running');
  });
});
