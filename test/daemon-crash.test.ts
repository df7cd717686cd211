import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHome, DaemonProcess } from './support/daemon-process.js';
import { waitFor } from './support/test-home.js';
import type { ResultOf } from '../host/tool-results.js';

/** A frame as the frame tools answer it. */
type Frame = ResultOf<'frame_get'>['frame'];

/** Resolves when podman reports `status` for a container of this frame. */
function podmanEvent(frameId: string, status: string): { seen: Promise<void>; stop(): void } {
  const child = spawn('podman', [
    'events',
    '--format',
    'json',
    '--filter',
    'type=container',
    '--filter',
    `label=io.optagon.frame=${frameId}`,
  ]);
  const seen = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if ((JSON.parse(line) as { Status: string }).Status === status) resolve();
    });
  });
  return { seen, stop: () => child.kill() };
}

/**
 * What must hold after any crash and a restart: every container of this home belongs to a frame
 * that records it, no frame is stuck in `starting`, and each running container publishes its frame's port.
 */
async function expectConsistent(home: DaemonHome, daemon: DaemonProcess): Promise<Frame[]> {
  const { frames } = (await daemon.ok('frame_list')) as { frames: Frame[] };
  const containers = await home.containers();
  for (const c of containers) {
    const owner = frames.find((f) => f.id === c.frameId);
    expect(owner, `container ${c.id} has no frame (orphan)`).toBeDefined();
    expect(owner!.containerId).toBe(c.id);
  }
  for (const f of frames) {
    expect(f.status).not.toBe('starting');
    const c = containers.find((x) => x.frameId === f.id);
    if (c?.state === 'running') {
      expect(f.status).toBe('running');
      const port = await execa('podman', ['port', c.id, '3000/tcp']);
      expect(port.stdout.trim()).toBe(`127.0.0.1:${f.hostPort}`);
    }
  }
  return frames;
}

describe('kill -9 of the daemon, then a restart (real podman)', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  beforeEach(async () => {
    home = new DaemonHome(33240);
    daemon = await DaemonProcess.start(home);
  });
  afterEach(async () => {
    await daemon?.stop();
    await home?.cleanup();
  });

  it('during start, right after the container is created: the container is adopted, the frame starts again', async () => {
    const { frame } = (await daemon.ok('frame_create', { name: 'mid-start', workspace: home.workspace('a') })) as {
      frame: Frame;
    };
    const created = podmanEvent(frame.id, 'create');
    void daemon.rest('frame_start', { frame: 'mid-start' }).catch(() => {});
    await created.seen;
    await daemon.kill9();
    created.stop();

    daemon = await DaemonProcess.start(home);
    const frames = await expectConsistent(home, daemon);
    const after = frames.find((f) => f.name === 'mid-start')!;
    // Cut short: an error a start can retry, or running if podman's own start had already gone through.
    expect(after.status).toMatch(/^(error|running)$/);
    expect(after.containerId).toBe((await home.containers())[0]!.id); // adopted
    if (after.status === 'error') await daemon.ok('frame_start', { frame: 'mid-start' });
    expect((await daemon.ok('frame_get', { frame: 'mid-start' })).frame.status).toBe('running');
    expect((await home.containers()).length).toBe(1); // the adopted container, not a second one
    await expectConsistent(home, daemon);
  });

  it('during stop: after the restart the frame is stopped, never stuck', async () => {
    await daemon.ok('frame_create', { name: 'mid-stop', workspace: home.workspace('b') });
    const { frame } = (await daemon.ok('frame_start', { frame: 'mid-stop' })) as { frame: Frame };
    const died = podmanEvent(frame.id, 'died');
    void daemon.rest('frame_stop', { frame: 'mid-stop' }).catch(() => {});
    await died.seen;
    await daemon.kill9();
    died.stop();

    daemon = await DaemonProcess.start(home);
    const frames = await expectConsistent(home, daemon);
    expect(frames.find((f) => f.name === 'mid-stop')!.status).toBe('stopped');
    expect((await daemon.ok('frame_start', { frame: 'mid-stop' })).frame.status).toBe('running');
  });

  it('during destroy: no orphan container, the workspace intact, and destroy can finish', async () => {
    const ws = home.workspace('c');
    await daemon.ok('frame_create', { name: 'mid-destroy', workspace: ws });
    const { frame } = (await daemon.ok('frame_start', { frame: 'mid-destroy' })) as { frame: Frame };
    const removed = podmanEvent(frame.id, 'remove');
    void daemon.rest('frame_destroy', { frame: 'mid-destroy', force: true }).catch(() => {});
    await removed.seen;
    await daemon.kill9();
    removed.stop();

    daemon = await DaemonProcess.start(home);
    const frames = await expectConsistent(home, daemon);
    const left = frames.find((f) => f.name === 'mid-destroy');
    if (left) {
      expect(left.containerId).toBeNull();
      await daemon.ok('frame_destroy', { frame: 'mid-destroy', force: true });
    }
    expect(((await daemon.ok('frame_list')) as { frames: Frame[] }).frames).toEqual([]);
    expect(await home.containers()).toEqual([]);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${ws}/keep.txt`, 'utf8')).toBe('keep');
  });

  it('SIGTERM lets a start in flight finish, then exits 0', async () => {
    const { frame } = (await daemon.ok('frame_create', { name: 'graceful', workspace: home.workspace('e') })) as {
      frame: Frame;
    };
    const created = podmanEvent(frame.id, 'create');
    const pending = daemon.rest('frame_start', { frame: 'graceful' });
    await created.seen; // the call is inside the daemon now
    created.stop();
    daemon.proc.kill('SIGTERM');
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body.frame.status).toBe('running');
    expect(await daemon.exited()).toBe(0);
  });

  it('SIGTERM lets an MCP tools/call in flight finish too (its result comes on an event stream)', async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const client = new Client({ name: 'sigterm-test', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${daemon.token}` } },
      }),
    );
    const { frame } = (await daemon.ok('frame_create', { name: 'graceful-mcp', workspace: home.workspace('f') })) as {
      frame: Frame;
    };
    const created = podmanEvent(frame.id, 'create');
    const pending = client.callTool({ name: 'frame_start', arguments: { frame: 'graceful-mcp' } });
    await created.seen;
    created.stop();
    daemon.proc.kill('SIGTERM');
    const r = await pending;
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { frame: Frame }).frame.status).toBe('running');
    expect(await daemon.exited()).toBe(0);
    await client.close().catch(() => {});
  });

  it('a container whose frame row is gone is removed as an orphan on restart', async () => {
    const { frame } = (await daemon.ok('frame_create', { name: 'orphan', workspace: home.workspace('d') })) as {
      frame: Frame;
    };
    await daemon.ok('frame_start', { frame: 'orphan' });
    await daemon.kill9();
    // Simulate a crash after the row was deleted but before the container went.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(`${home.root}/data/optagon.db`);
    db.prepare('DELETE FROM frames WHERE id = ?').run(frame.id);
    db.close();

    daemon = await DaemonProcess.start(home);
    await waitFor('the orphan container to go', async () => (await home.containers()).length === 0, 10_000);
    await expectConsistent(home, daemon);
  });
});
