import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalProxy } from '../web/gateway/terminal-proxy.js';
import { tmuxTarget } from '../web/gateway/tmux-target.js';
import { FakeAnthropic } from './support/fake-anthropic.js';
import { closeServer, listenOutsideFramePorts } from './support/listen.js';
import { createTestHome, frameTerminals, waitFor, type TestHome } from './support/test-home.js';

/**
 * Attacks from inside a real frame, as code an agent runs or a package's install script would make
 * them. Each one reached the host before tmux moved into the container and the host stopped
 * following the frame's paths; each asserts the host file untouched or the secret not in the frame.
 */
describe('escape: nothing in a frame reaches the host', () => {
  let home: TestHome;
  let container: string;
  /** Host-only places the attacks aim at: a file to overwrite and a secret to read. */
  let target: string;
  let secret: string;
  const fake = new FakeAnthropic([{ name: 'any', when: () => true, reply: { text: 'ok' } }]);
  /** Runs a shell command inside the frame, as the attacker. */
  const inFrame = (script: string) => execa('podman', ['exec', container, 'sh', '-c', script]);
  const frameTmuxAs = (script: string) => inFrame(`tmux -S /run/optagon/tmux.sock ${script}`);

  beforeAll(async () => {
    await fake.start();
    home = await createTestHome(33420, 5);
    const hostOnly = join(home.root, 'host-only');
    mkdirSync(hostOnly);
    target = join(hostOnly, 'target.txt');
    writeFileSync(target, 'untouched\n');
    chmodSync(target, 0o644);
    secret = join(hostOnly, 'secret.json');
    writeFileSync(secret, JSON.stringify({ secret: `host-secret-${randomUUID()}` }));
    const ws = home.workspace('evil', { 'README.md': 'nothing to see\n' });
    await home.ok('frame_create', { name: 'evil', workspace: ws });
    await home.ok('frame_config_set', {
      frame: 'evil',
      values: {
        agents: {
          env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789abcdefghijklmn' },
        },
      },
    });
    const started = await home.ok('frame_start', { frame: 'evil' });
    container = started.frame.containerName;
  }, 180_000);
  afterAll(async () => {
    await home?.cleanup();
    await fake.close();
    await closeServer(hostService);
  });
  let hostService: Server | undefined;

  it('a tmux hook that saves a buffer to a host path writes nothing on the host when Optagon lists windows', async () => {
    const planted = `/tmp/optagon-escape-${randomUUID()}`;
    await frameTmuxAs(`set-buffer -b pw owned \\; set-hook -g after-list-windows 'save-buffer -b pw ${planted}'`);
    await home.ok('tmux_list_windows', { frame: 'evil' });
    await home.ok('tmux_capture_pane', { frame: 'evil', window: '0' });
    expect(existsSync(planted)).toBe(false);
    // The hook did run: it wrote inside the frame, where its client now lives.
    await waitFor(
      'the hook to run in the frame',
      async () => (await inFrame(`cat ${planted}`).catch(() => ({ stdout: '' }))).stdout === 'owned',
    );
    await frameTmuxAs('set-hook -gu after-list-windows');
  });

  it('a hook that loads a host file into a buffer gets nothing of the host', async () => {
    await frameTmuxAs(`set-hook -g after-capture-pane 'load-buffer -b stolen ${secret}'`);
    await home.ok('tmux_capture_pane', { frame: 'evil', window: '0' });
    await home.ok('tmux_capture_pane', { frame: 'evil', window: '0' });
    const buffers = await frameTmuxAs('list-buffers -F "#{buffer_name}"');
    expect(buffers.stdout.split('\n')).not.toContain('stolen');
    await frameTmuxAs('set-hook -gu after-capture-pane');
  });

  it('a client-attached hook running detach-client -E runs its command in the frame, not on the host, when a terminal attaches', async () => {
    const planted = `/tmp/optagon-escape-${randomUUID()}`;
    await frameTmuxAs(`set-hook -g client-attached 'detach-client -E "id > ${planted}"'`);
    const found = await tmuxTarget(home.services.frames, home.services.frames.resolve('evil').id, undefined, 0, {
      readOnly: false,
    });
    if ('code' in found) throw new Error(found.message);
    let exited = '';
    const proxy = new TerminalProxy({ ...found, cols: 80, rows: 24, onOutput: () => {}, onExit: (r) => (exited = r) });
    try {
      await waitFor('the attached client to be sent away', async () => exited !== '', 30_000);
      await waitFor('the command to run in the frame', async () =>
        (await inFrame(`cat ${planted}`).catch(() => ({ stdout: '' }))).stdout.includes('uid='),
      );
      expect(existsSync(planted)).toBe(false);
    } finally {
      proxy.close();
      await frameTmuxAs('set-hook -gu client-attached');
    }
  });

  it('a closed terminal leaves no tmux client behind in the frame', async () => {
    const found = await tmuxTarget(home.services.frames, home.services.frames.resolve('evil').id, undefined, 0, {
      readOnly: false,
    });
    if ('code' in found) throw new Error(found.message);
    const proxy = new TerminalProxy({ ...found, cols: 80, rows: 24, onOutput: () => {}, onExit: () => {} });
    await waitFor(
      'the terminal attached in the frame',
      async () => (await frameTerminals(container)).length === 1,
      30_000,
    );
    proxy.close();
    await waitFor(
      'the terminal gone from the frame',
      async () => (await frameTerminals(container)).length === 0,
      30_000,
    );
  });

  it('links planted in the run directory make agent_spawn write and read only inside the frame', async () => {
    // The run directory is the frame's /run/optagon. Every file the host used to write or read there
    // is a link to a host file now.
    await inFrame(
      [
        'mkdir -p /run/optagon/agents /run/optagon/claude',
        `ln -sf ${target} /run/optagon/agents/claude-1.env`,
        `ln -sf ${target} /run/optagon/agents/claude-1.json`,
        `ln -sf ${target} /run/optagon/browser-server.mjs`,
        `ln -sf ${secret} /run/optagon/claude/.claude.json`,
        `ln -sf ${secret} /run/optagon/claude/settings.json`,
      ].join(' && '),
    );
    await home.ok('agent_spawn', { frame: 'evil', kind: 'claude' });
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(statSync(target).mode & 0o777).toBe(0o644); // not chmod-ed through the link either
    // The host's secret did not go into the frame's Claude config.
    const config = (await inFrame('cat /run/optagon/claude/.claude.json')).stdout;
    expect(config).not.toContain(JSON.parse(readFileSync(secret, 'utf8')).secret);
    expect(JSON.parse(config).hasCompletedOnboarding).toBe(true);
    await home.ok('agent_stop', { agent: 'evil/claude-1' });
  }, 120_000);

  it('a hook state that is a link to a host file, or a FIFO, is read as no state (and does not hang the host)', async () => {
    await inFrame(
      `mkdir -p /run/optagon/agents && rm -f /run/optagon/agents/ghost.json && ln -s ${secret} /run/optagon/agents/ghost.json`,
    );
    const { readBeneath, UnsafeFileError } = await import('../servers/shared/read-beneath.js');
    const runDir = home.services.frames.socketDir(home.services.frames.resolve('evil').id);
    expect(() => readBeneath(runDir, 'agents/ghost.json')).toThrow(UnsafeFileError);
    await inFrame('rm -f /run/optagon/agents/ghost.json && mkfifo /run/optagon/agents/ghost.json');
    expect(() => readBeneath(runDir, 'agents/ghost.json')).toThrow(/not a regular file/);
    // A directory on the way swapped for a link to / is not walked through.
    expect(
      (await inFrame('rm -rf /run/optagon/agents && ln -s / /run/optagon/agents && ls -ld /run/optagon/agents')).stdout,
    ).toMatch(/agents -> \//);
    expect(() => readBeneath(runDir, 'agents/etc/passwd')).toThrow(UnsafeFileError);
  });

  it('a workspace outside the allowed roots is refused at create: system paths, the Optagon home, links and .. leading out, : and ,', async () => {
    const root = home.workspaceRoot;
    symlinkSync('/etc', join(root, 'etc-link'));
    mkdirSync(join(root, 'a'), { recursive: true });
    for (const workspace of [
      '/etc',
      '/proc',
      '/dev',
      '/tmp',
      '/',
      home.root,
      join(root, 'etc-link'),
      `${root}/a/../../../etc`,
    ]) {
      expect(await home.fails('frame_create', { name: 'bad', workspace }), workspace).toMatch(/workspace/i);
    }
    mkdirSync(join(root, 'x:y'));
    expect(await home.fails('frame_create', { name: 'bad', workspace: join(root, 'x:y') })).toMatch(/:/);
    expect(home.services.store.findFrame('bad')).toBeUndefined();
  });

  it('the container runs with only the capabilities a dev shell needs, and nothing gains privileges', async () => {
    const status = (await inFrame('cat /proc/self/status')).stdout;
    const caps = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
    const has = (bit: number) => (caps >> BigInt(bit)) & 1n;
    // CAP_CHOWN 0 and CAP_SETUID 7 stay (apt, chown); CAP_MKNOD 27, CAP_NET_RAW 13, CAP_SYS_ADMIN 21, CAP_SETFCAP 31, CAP_SETPCAP 8, CAP_AUDIT_WRITE 29 go.
    expect([has(0), has(7)]).toEqual([1n, 1n]);
    expect([has(27), has(13), has(21), has(31), has(8), has(29)]).toEqual([0n, 0n, 0n, 0n, 0n, 0n]);
    expect(status).toMatch(/^NoNewPrivs:\s*1$/m);
    await expect(inFrame('mknod /tmp/disk b 8 0')).rejects.toThrow();
  });

  describe('the network', () => {
    let otherIp: string;
    let otherPort: number;
    let servicePort: number;
    const curl = async (url: string) =>
      (await inFrame(`curl -s -m 5 -o /dev/null -w '%{http_code}' ${url} || true`)).stdout;
    beforeAll(async () => {
      // Another frame with a dev server, and a service of the host's listening on every address.
      await home.ok('frame_create', {
        name: 'victim',
        workspace: home.workspace('victim', { 'index.html': 'victim' }),
      });
      const victim = (await home.ok('frame_start', { frame: 'victim' })).frame;
      otherPort = victim.hostPort!;
      await execa('podman', [
        'exec',
        '-d',
        victim.containerName,
        'python3',
        '-m',
        'http.server',
        '3000',
        '--bind',
        '0.0.0.0',
        '--directory',
        '/workspace',
      ]);
      otherIp = (await execa('podman', ['exec', victim.containerName, 'hostname', '-I'])).stdout
        .trim()
        .split(/\s+/)[0]!;
      await waitFor(
        "the victim's server",
        async () =>
          (await execa('curl', ['-s', `http://127.0.0.1:${otherPort}/`], { reject: false })).stdout === 'victim',
        30_000,
      );
      hostService = createServer((_req, res) => res.end('host-only'));
      servicePort = await listenOutsideFramePorts(hostService, '0.0.0.0');
    }, 180_000);

    it("no frame reaches another frame's ports, by its address or through the host", async () => {
      expect(otherIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(await curl(`http://${otherIp}:3000/`)).toBe('000');
      expect(await curl(`http://host.containers.internal:${otherPort}/`)).toBe('000');
    });

    it('of the host, a frame reaches only the endpoints its configuration names; the internet stays reachable', async () => {
      expect(await curl(`http://host.containers.internal:${servicePort}/`)).toBe('000');
      expect(await curl(`${fake.containerUrl}/v1/models`)).not.toBe('000');
      expect(await curl('http://deb.debian.org/debian/')).toBe('200');
    });
  });
});
