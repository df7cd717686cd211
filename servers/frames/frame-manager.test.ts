import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OptagonHome } from '../shared/optagon-home.js';
import { FRAME_NAME_RULE } from './frame-manager.js';
import { createFramesServices, type FramesServices } from './services.js';

// No containers here: create() only writes state, and these tests never start a frame.
let home: string;
let workspace: string;
let services: FramesServices;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'optagon-home-'));
  workspace = mkdtempSync(join(tmpdir(), 'optagon-ws-'));
  writeFileSync(join(home, 'config.yaml'), `frames:\n  workspace_roots: [${workspace}]\n`);
  services = createFramesServices(new OptagonHome(home));
});

afterEach(() => {
  services.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

const rows = (table: string) => services.store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const stateCounts = () => ({ frames: rows('frames'), configs: rows('frame_configs'), events: rows('frame_events') });

describe('FrameManager.create', () => {
  it('stores a created frame with a port, a config, an event and a config mirror', async () => {
    const frame = await services.frames.create({ name: 'web', workspace, description: 'the site' });
    expect(frame).toMatchObject({
      name: 'web',
      status: 'created',
      description: 'the site',
      workspacePath: realpathSync(workspace),
      containerId: null,
    });
    // The lowest free port of the default range (33000 unless something on this host holds it).
    expect(frame.hostPort).toBeGreaterThanOrEqual(33000);
    expect(frame.hostPort).toBeLessThanOrEqual(34000);
    expect(frame.url).toBe(`http://127.0.0.1:${frame.hostPort}`);
    expect(frame.containerName).toMatch(/^optagon-web-[0-9a-f]{12}$/);
    expect(services.store.getConfig(frame.id)).toEqual({
      name: 'web',
      workspace: realpathSync(workspace),
      description: 'the site',
    });
    expect(services.store.listEvents(frame.id).map((e) => e.type)).toEqual(['created']);
    expect(existsSync(services.home.frameConfigFile(frame.id))).toBe(true);
  });

  it("derives the socket path from the configured root and the frame's id, so a changed root moves it", async () => {
    const frame = await services.frames.create({ name: 'web', workspace });
    expect(frame.tmuxSocket).toBe(join(services.config.frames.socket_root, frame.id, 'tmux.sock'));
    services.close();
    writeFileSync(
      join(home, 'config.yaml'),
      `frames:\n  workspace_roots: [${workspace}]\n  socket_root: ${join(home, 'sockets')}\n`,
    );
    services = createFramesServices(new OptagonHome(home));
    expect((await services.frames.get('web')).tmuxSocket).toBe(join(home, 'sockets', frame.id, 'tmux.sock'));
  });

  it('gives each frame a Graphiti group id Graphiti accepts', async () => {
    const a = await services.frames.create({ name: 'a', workspace });
    const b = await services.frames.create({ name: 'b', workspace });
    expect(a.graphitiGroupId).toMatch(/^frame_[a-zA-Z0-9_-]+$/);
    expect(b.graphitiGroupId).toMatch(/^frame_[a-zA-Z0-9_-]+$/);
    expect(a.graphitiGroupId).not.toBe(b.graphitiGroupId);
  });

  it('accepts a name of 63 characters', async () => {
    const name = 'a'.repeat(63);
    expect((await services.frames.create({ name, workspace })).name).toBe(name);
  });

  it.each([
    ['uppercase', 'Web'],
    ['a leading dash', '-web'],
    ['64 characters', 'a'.repeat(64)],
    ['an underscore', 'my_web'],
    ['the empty string', ''],
  ])('rejects a name with %s, stating the rule, and stores nothing', async (_, name) => {
    await services.frames.create({ name: 'existing', workspace });
    const before = stateCounts();
    await expect(services.frames.create({ name, workspace })).rejects.toThrow(
      `invalid frame name '${name}': ${FRAME_NAME_RULE}`,
    );
    expect(stateCounts()).toEqual(before);
  });

  it('rejects a duplicate name, saying how to see the existing frame, and stores nothing', async () => {
    await services.frames.create({ name: 'web', workspace });
    const before = stateCounts();
    await expect(services.frames.create({ name: 'web', workspace })).rejects.toThrow(
      "a frame named 'web' already exists; pick another name or `frame_get web` to see it",
    );
    expect(stateCounts()).toEqual(before);
  });

  it('rejects a bad workspace and stores nothing', async () => {
    const before = stateCounts();
    await expect(services.frames.create({ name: 'web', workspace: join(workspace, 'missing') })).rejects.toThrow(
      /does not exist/,
    );
    expect(stateCounts()).toEqual(before);
    expect(services.store.findFrame('web')).toBeUndefined();
  });

  it('fails cleanly when no port is free, and stores nothing', async () => {
    // The range is one port, held by a real listener, so the allocator has nothing to give.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      writeFileSync(
        services.home.configFile,
        `frames:\n  workspace_roots: [${workspace}]\n  port_range:\n    start: ${port}\n    end: ${port}\n`,
      );
      services.close();
      services = createFramesServices(new OptagonHome(home));
      const before = stateCounts();
      await expect(services.frames.create({ name: 'web', workspace })).rejects.toThrow(
        `no free port left in ${port}-${port}`,
      );
      expect(stateCounts()).toEqual(before);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('reconcile', () => {
  it('turns a start that outlived its timeout (its process died) into an error that a start can retry', async () => {
    const frame = await services.frames.create({ name: 'web', workspace });
    const longAgo = Date.now() - (services.config.frames.start_timeout_seconds + 31) * 1000;
    services.store.db
      .prepare("UPDATE frames SET status = 'starting', updated_at = ? WHERE id = ?")
      .run(longAgo, frame.id);
    const got = await services.frames.get('web');
    expect(got.status).toBe('error');
    expect(services.store.listEvents(frame.id).at(-1)).toMatchObject({
      type: 'error',
      details: { reason: 'start_interrupted' },
    });
  });

  it('leaves a start in progress alone', async () => {
    const frame = await services.frames.create({ name: 'web', workspace });
    services.store.updateFrame(frame.id, { status: 'starting' });
    expect((await services.frames.get('web')).status).toBe('starting');
  });
});
