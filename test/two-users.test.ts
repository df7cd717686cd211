import { execa } from 'execa';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/measure.js';
import { DaemonHome } from './support/daemon-process.js';
import { waitFor } from './support/test-home.js';
import type { ResultOf } from '../host/tool-results.js';

/**
 * Root and a normal user run Optagon on one machine at the same time, each with a daemon, a frame
 * and the web page, from the same port range. Needs root and a user whose rootless podman has the
 * frame image (scripts/rootless-user.sh, then that user's setup.sh): name it in OPTAGON_TEST_USER.
 */
const user = process.env.OPTAGON_TEST_USER;
const PORTS = 33960;

/** A frame as the frame tools answer it. */
type Frame = ResultOf<'frame_get'>['frame'];

describe.skipIf(!user || process.getuid?.() !== 0)('two users on one machine (root and rootless)', () => {
  const root = new DaemonHome(PORTS);
  let userHome = '';
  let userRoot = '';
  let userWs = '';
  let uid = 0;
  const asUser = (cmd: string, args: string[], env: Record<string, string> = {}) =>
    execa(
      'runuser',
      ['-u', user!, '--', 'env', `HOME=${userHome}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args],
      { reject: false },
    );
  // The user's own build (its setup.sh made it): root's checkout need not be readable by them.
  const userCli = (...args: string[]) =>
    asUser(process.execPath, [join(userHome, 'optagon', 'dist', 'cli', 'optagon.cjs'), ...args], {
      OPTAGON_HOME: userRoot,
      NO_COLOR: '1',
    });
  const json = <T>(r: { stdout: string; stderr: string; exitCode?: number }, what: string): T => {
    if (r.exitCode !== 0) throw new Error(`${what} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout) as T;
  };
  let rootDaemonPort = 0;
  let userDaemonPort = 0;

  beforeAll(async () => {
    uid = Number((await execa('id', ['-u', user!])).stdout);
    userHome = (await execa('getent', ['passwd', user!])).stdout.split(':')[5]!;
    // The user's Optagon home, made by the user, with the same port range as root's and its default
    // socket root (its own), and a workspace under its home directory (the default workspace root).
    userRoot = (await asUser('mktemp', ['-d', join(userHome, '.optagon-test-XXXXXX')])).stdout.trim();
    userWs = join(userHome, 'two-users-ws');
    await asUser('mkdir', ['-p', userWs]);
    rootDaemonPort = await freePort();
    userDaemonPort = await freePort();
    await execa('sh', ['-c', `printf 'daemon:\\n  port: ${rootDaemonPort}\\n' >> ${root.root}/config.yaml`]);
    await asUser('sh', [
      '-c',
      `printf 'frames:\\n  port_range: { start: ${PORTS}, end: ${PORTS + 19} }\\n  stop_timeout_seconds: 2\\ndaemon:\\n  port: ${userDaemonPort}\\n' > ${userRoot}/config.yaml`,
    ]);
    for (const [what, r] of [
      ['root daemon', await root.cli('daemon', 'start')],
      ['user daemon', await userCli('daemon', 'start')],
    ] as const) {
      if (r.exitCode !== 0) throw new Error(`${what}: ${r.stderr || r.stdout}`);
    }
  }, 120_000);

  afterAll(async () => {
    await userCli('frame', 'destroy', 'mine', '--force').catch(() => undefined);
    await userCli('daemon', 'stop').catch(() => undefined);
    await root.cli('daemon', 'stop').catch(() => undefined);
    await root.cleanup();
    if (userRoot) await asUser('rm', ['-rf', userRoot, userWs]);
  }, 120_000);

  it('each starts a frame from the same port range at the same time: different ports, sockets of their own', async () => {
    const [a, b] = await Promise.all([
      root.cli('--json', 'frame', 'create', 'mine', '--workspace', root.workspace('mine'), '--start'),
      userCli('--json', 'frame', 'create', 'mine', '--workspace', userWs, '--start'),
    ]);
    expect(a.exitCode, a.stderr || a.stdout).toBe(0);
    expect(b.exitCode, b.stderr || b.stdout).toBe(0);
    const rootFrame = json<{ frame: Frame }>(await root.cli('--json', 'frame', 'get', 'mine'), 'root frame get').frame;
    const userFrame = json<{ frame: Frame }>(await userCli('--json', 'frame', 'get', 'mine'), 'user frame get').frame;
    expect([rootFrame.status, userFrame.status]).toEqual(['running', 'running']);
    expect(rootFrame.hostPort).not.toBe(userFrame.hostPort);
    expect(rootFrame.tmuxSocket.startsWith('/tmp/optagon/frames/')).toBe(true);
    expect(userFrame.tmuxSocket.startsWith(`/tmp/optagon-${uid}/frames/`)).toBe(true);
    const dir = statSync(`/tmp/optagon-${uid}/frames`);
    expect([dir.uid, dir.mode & 0o777]).toEqual([uid, 0o700]);
  }, 300_000);

  it("neither sees the other's frames or containers", async () => {
    const rootList = json<{ frames: Frame[] }>(await root.cli('--json', 'frame', 'list'), 'root list').frames;
    const userList = json<{ frames: Frame[] }>(await userCli('--json', 'frame', 'list'), 'user list').frames;
    expect(rootList.map((f) => f.name)).toEqual(['mine']);
    expect(userList.map((f) => f.name)).toEqual(['mine']);
    const rootPs = (await execa('podman', ['ps', '--format', '{{.Names}}'])).stdout;
    const userPs = (await asUser('podman', ['ps', '--format', '{{.Names}}'])).stdout;
    expect(rootPs).toContain(rootList[0]!.containerName);
    expect(rootPs).not.toContain(userList[0]!.containerName);
    expect(userPs).toContain(userList[0]!.containerName);
    expect(userPs).not.toContain(rootList[0]!.containerName);
  });

  it("what an agent makes in the rootless frame's /workspace belongs to the user on the host", async () => {
    const name = json<{ frame: Frame }>(await userCli('--json', 'frame', 'get', 'mine'), 'user frame get').frame
      .containerName;
    const r = await asUser('podman', ['exec', name, 'sh', '-c', 'echo made > /workspace/made.txt']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(statSync(join(userWs, 'made.txt')).uid).toBe(uid);
  });

  it('each web page and API answers on its own port, with its own token, about its own frames', async () => {
    const token = async (home: string) =>
      (home === root.root
        ? readFileSync(join(home, 'daemon.token'), 'utf8')
        : (await asUser('cat', [join(home, 'daemon.token')])).stdout
      ).trim();
    for (const [port, home] of [
      [rootDaemonPort, root.root],
      [userDaemonPort, userRoot],
    ] as const) {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(`the page on ${port}`, async () => (await fetch(`${base}/`).catch(() => undefined))?.ok);
      const res = await fetch(`${base}/api/tools/frame_list`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token(home)}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { frames: Frame[] }).frames.map((f) => f.name)).toEqual(['mine']);
    }
    // One's token is nothing to the other's daemon.
    const cross = await fetch(`http://127.0.0.1:${userDaemonPort}/api/tools/frame_list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(root.root)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(cross.status).toBe(401);
  });

  it("the user reads nothing of root's Optagon home", async () => {
    for (const f of ['daemon.token', 'jwt.key', join('data', 'optagon.db'), 'config.yaml']) {
      const r = await asUser('cat', [join(root.root, f)]);
      expect(r.exitCode, f).not.toBe(0);
      expect(r.stderr, f).toMatch(/Permission denied|No such file/);
    }
  });
});
