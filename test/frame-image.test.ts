import { execa } from 'execa';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHome, type TestHome } from './support/test-home.js';

/** The image `.ci/run` built, the host checks, and the stdio server a host like Claude Code spawns. */
describe('image, doctor and stdio (real podman)', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await createTestHome(33180);
  });
  afterAll(async () => home?.cleanup());

  it('reports the built image as up to date, and a second build is skipped', async () => {
    const status = await home.ok('frame_image_status');
    expect(status).toMatchObject({ exists: true, upToDate: true });
    expect(status.hash).toMatch(/^[0-9a-f]{16}$/);
    const build = await home.ok('frame_image_build');
    expect(build).toMatchObject({ skipped: true, hash: status.hash });
  });

  it('doctor passes here, writes the probed runtime flags to config.yaml, and every failure would carry a fix', async () => {
    const r = await home.ok('frame_doctor');
    const rootless = process.getuid!() !== 0;
    const mode = [
      'podman mode',
      'storage',
      'cgroups',
      ...(rootless ? ['subuids', 'subgids', '/dev/net/tun', '/dev/fuse'] : ['frame root']),
    ];
    expect(r.checks.map((c) => c.name)).toEqual([
      'podman',
      'isolation',
      ...mode,
      'image',
      'runtime',
      'socket dir',
      'ports',
      rootless ? 'mmdebstrap' : 'debootstrap',
    ]);
    expect(r.checks.find((c) => c.name === 'podman mode')).toMatchObject({
      status: rootless ? 'ok' : 'warn',
      detail: expect.stringMatching(rootless ? /^rootless/ : /^rootful/),
    });
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.name === 'runtime')!.detail).toMatch(
      /--runtime \w+ --ulimit nofile=\d+ --ulimit nproc=\d+/,
    );
    expect(home.services.config.podman.runtime).toBeTruthy();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(home.root, 'config.yaml'), 'utf8')).toMatch(/podman:\n\s+runtime: \w+\n\s+ulimits:/);
    for (const c of r.checks) if (c.status !== 'ok') expect(c.fix, c.name).toBeTruthy();
  });

  it('a missing image is a clear error naming the fix, and the frame keeps its status', async () => {
    home.services.config.frames.image = 'localhost/optagon-missing:never';
    try {
      await home.ok('frame_create', { name: 'noimage', workspace: home.workspace('noimage') });
      expect(await home.fails('frame_start', { frame: 'noimage' })).toMatch(
        /image localhost\/optagon-missing:never is not built yet; build it with `optagon image build`/,
      );
      const got = await home.ok('frame_get', { frame: 'noimage' });
      expect(got.frame.status).toBe('created');
    } finally {
      home.services.config.frames.image = 'localhost/optagon-frame:latest';
    }
  });

  it('`optagon mcp frames` serves the tools over stdio to a real MCP client', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(process.cwd(), 'dist/cli/optagon.cjs'), 'mcp', 'frames'],
      env: { ...process.env, OPTAGON_HOME: home.root } as Record<string, string>,
    });
    const client = new Client({ name: 'stdio-test', version: '0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBe(17);
      const r = await client.callTool({ name: 'frame_list', arguments: {} });
      expect(r.isError).toBeFalsy();
      expect((r.structuredContent as { frames: Array<{ name: string }> }).frames.map((f) => f.name)).toContain(
        'noimage',
      );
    } finally {
      await client.close();
    }
  });

  it('runs tini as PID 1 in a frame, so stop is prompt', async () => {
    await home.ok('frame_create', { name: 'init', workspace: home.workspace('init') });
    const { frame } = await home.ok('frame_start', { frame: 'init' });
    const comm = await execa('podman', ['exec', frame.containerName, 'cat', '/proc/1/comm']);
    expect(comm.stdout.trim()).toBe('tini');
    const started = Date.now();
    await home.ok('frame_stop', { frame: 'init' });
    expect(Date.now() - started).toBeLessThan(2_000); // the stop timeout (2 s here) was not needed
  });
});
