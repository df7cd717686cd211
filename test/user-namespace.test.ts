import { execa } from 'execa';
import { chownSync, existsSync, lstatSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subordinateStart } from '../servers/frames/user-namespace.js';
import { createTestHome, frameTmux, waitFor, type TestHome } from './support/test-home.js';
import type { ResultOf } from '../host/tool-results.js';

/** An unprivileged owner with no account: the mapping needs only the number. */
const OWNER = 4242;

/** A frame as the frame tools answer it. */
type Frame = ResultOf<'frame_get'>['frame'];

/**
 * Optagon as root (rootless podman maps the frame's root to the user by itself, see the rootless
 * stage of .ci/run): a frame's root is the workspace's owner on the host, never host root.
 */
describe.skipIf(process.getuid?.() !== 0)('a frame of a user-owned workspace, Optagon as root', () => {
  let home: TestHome;
  let frame: Frame;
  let ws: string;

  beforeAll(async () => {
    home = await createTestHome(33560, 5);
    ws = home.workspace('owned', { 'readme.txt': 'theirs\n' });
    chownSync(ws, OWNER, OWNER);
    // Something root keeps to itself in the same directory: host root could read it, the owner not.
    writeFileSync(join(ws, 'root-only'), 'secret\n', { mode: 0o600 });
    ({ frame } = await home.ok('frame_create', { name: 'owned', workspace: ws }));
    // The first frame of an owner waits for podman's id-shifted copy of the image (once).
    ({ frame } = await home.ok('frame_start', { frame: 'owned' }));
  }, 900_000);
  afterAll(async () => home?.cleanup());

  it("maps the frame's root to the workspace's owner and its other users to the owner's own range", async () => {
    const map = (await execa('podman', ['exec', frame.containerName, 'cat', '/proc/self/uid_map'])).stdout;
    const rows = map
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    expect(rows).toEqual([
      [0, OWNER, 1],
      [1, subordinateStart(OWNER) + 1, 65535],
    ]);
  });

  it("gives files the frame's processes make in /workspace to the owner on the host", async () => {
    await frameTmux(
      frame.containerName,
      'send-keys',
      '-t',
      'main',
      '-l',
      'touch made-here && mkdir -p made-dir && echo done-$((6*7))',
    );
    await frameTmux(frame.containerName, 'send-keys', '-t', 'main', 'Enter');
    await waitFor('the command in the pane', async () =>
      (await frameTmux(frame.containerName, 'capture-pane', '-p', '-t', 'main')).includes('done-42'),
    );
    for (const name of ['made-here', 'made-dir']) {
      const st = statSync(join(ws, name));
      expect({ name, uid: st.uid, gid: st.gid }).toEqual({ name, uid: OWNER, gid: OWNER });
    }
  });

  it("keeps host root's files from the frame's root (host root would read them)", async () => {
    const r = await execa('podman', ['exec', frame.containerName, 'cat', '/workspace/root-only'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/permission denied/i);
  });

  it("gives the frame's socket directory to the owner, under a socket root that stays root's", async () => {
    const dir = lstatSync(join(home.services.config.frames.socket_root, frame.id));
    expect({ uid: dir.uid, mode: dir.mode & 0o777 }).toEqual({ uid: OWNER, mode: 0o700 });
    const root = lstatSync(home.services.config.frames.socket_root);
    expect({ uid: root.uid, mode: root.mode & 0o777 }).toEqual({ uid: 0, mode: 0o700 });
    expect(existsSync(frame.tmuxSocket)).toBe(true);
  });

  it('restarts with the same mapping, its socket directory checked again', async () => {
    await home.ok('frame_stop', { frame: 'owned' });
    ({ frame } = await home.ok('frame_start', { frame: 'owned' }));
    expect(await frameTmux(frame.containerName, 'display-message', '-p', '#{pane_current_path}')).toBe('/workspace');
  });
});
