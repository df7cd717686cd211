import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultOf } from '../host/tool-results.js';
import { ContainerRuntime } from '../servers/frames/container-runtime.js';
import { createTestHome, giveToTestOwner, waitFor, type TestHome } from './support/test-home.js';

type Got = ResultOf<'frame_get'>;

/** Rootless podman on cgroup v1 cannot limit resources (it starts containers without). */
const LIMITS_IGNORED = process.getuid?.() !== 0 && !existsSync('/sys/fs/cgroup/cgroup.controllers');

/** What a host port answers, or undefined while nothing does. */
async function fetchText(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

/** Real podman: frames that fit their project (setup and start commands, ports, env, limits, devcontainer.json). */
describe('frames that fit the project (real podman)', () => {
  let home: TestHome;
  let ws: string;

  beforeAll(async () => {
    home = await createTestHome(33600, 20);
    // A package the setup installs from the workspace (no network needed), which the server on 5173 uses.
    ws = home.workspace('proj', {
      'greeter/package.json': JSON.stringify({ name: 'greeter', version: '1.0.0', main: 'index.js' }),
      'greeter/index.js': "module.exports = () => 'hello from the installed greeter';\n",
      'index.html': 'the app on 3000\n',
      'vite.js':
        "require('http').createServer((q, r) => r.end(require('greeter')() + ' ' + process.env.GREETING)).listen(5173);\n",
    });
  });
  afterAll(async () => home?.cleanup());

  it('bad config is refused with the setting it names, and nothing is applied', async () => {
    await home.ok('frame_create', { name: 'proj', workspace: ws });
    const before = (await home.ok('frame_config_get', { frame: 'proj' })) as { config: unknown };
    expect(await home.fails('frame_config_set', { frame: 'proj', values: { setpu: ['x'] } })).toMatch(
      /invalid frame config at '\(root\)': Unrecognized key: "setpu"/,
    );
    expect(await home.fails('frame_config_set', { frame: 'proj', values: { ports: [5173, 70000] } })).toMatch(
      /invalid frame config at 'ports\.1'/,
    );
    expect(
      await home.fails('frame_config_set', {
        frame: 'proj',
        values: { mounts: [{ source: '/etc', target: '/data' }] },
      }),
    ).toMatch(/'mounts': mount source '\/etc' is inside the system directory \/etc/);
    expect(await home.fails('frame_config_set', { frame: 'proj', values: { resources: { memory: 'lots' } } })).toMatch(
      /resources\.memory.*512m/,
    );
    expect(await home.ok('frame_config_get', { frame: 'proj' })).toEqual(before);
    // Only what changes is said to apply later: a description applies at once, a replaced config with ports later.
    expect(await home.ok('frame_config_set', { frame: 'proj', values: { description: 'd' } })).not.toHaveProperty(
      'applies',
    );
    const replaced = (await home.ok('frame_config_set', {
      frame: 'proj',
      values: { description: 'd', ports: [5173] },
      replace: true,
    })) as { applies?: string };
    expect(replaced.applies).toMatch(/^ports applies at the frame's next start/);
    await home.ok('frame_config_set', { frame: 'proj', values: { ports: null, description: null } });
  });

  it('setup installs a package once; start commands serve on 3000 and 5173 at every start; env reaches them', async () => {
    const set = (await home.ok('frame_config_set', {
      frame: 'proj',
      values: {
        setup: ['npm install --no-audit --no-fund ./greeter', 'echo set-up >> setup.log'],
        start: [
          { name: 'web', command: 'echo started >> starts.log; python3 -m http.server 3000 --bind 0.0.0.0' },
          { name: 'vite', command: 'node vite.js' },
        ],
        ports: [5173],
        env: { GREETING: 'and the frame env' },
      },
    })) as { applies?: string };
    expect(set.applies).toMatch(/setup, start, ports, env apply at the frame's next start/);

    const { frame } = await home.ok('frame_start', { frame: 'proj' });
    const vite = frame.ports.find((p) => p.container === 5173)!;
    expect(frame.ports[0]).toMatchObject({ container: 3000, host: frame.hostPort });
    expect(vite.host).not.toBe(frame.hostPort);
    expect(await waitFor('the server on 3000', () => fetchText(`${frame.url}/index.html`), 120_000)).toBe(
      'the app on 3000\n',
    );
    expect(await waitFor('the server on 5173', () => fetchText(vite.url), 120_000)).toBe(
      'hello from the installed greeter and the frame env',
    );
    // The environment went in by a file: podman's command line (any local user's to read) never held it.
    const created = await execa('podman', [
      'inspect',
      '--format',
      '{{json .Config.CreateCommand}}',
      frame.containerName,
    ]);
    expect(created.stdout).toContain('--env-file');
    expect(created.stdout).not.toContain('and the frame env');
    const got = (await waitFor('setup to end', async () => {
      const g = (await home.ok('frame_get', { frame: 'proj', events: 50 })) as Got;
      return g.frame.setup?.state === 'succeeded' && g;
    })) as Got;
    expect(got.commands).toEqual([
      expect.objectContaining({ name: 'web', state: 'running' }),
      expect.objectContaining({ name: 'vite', state: 'running' }),
    ]);
    expect(got.events.map((e) => e.type)).toEqual(expect.arrayContaining(['setup_started', 'setup_succeeded']));

    await home.ok('frame_stop', { frame: 'proj' });
    const again = (await home.ok('frame_start', { frame: 'proj' })).frame;
    expect(again.ports).toEqual(frame.ports); // the same host ports
    await waitFor('the server on 5173 again', () => fetchText(vite.url), 120_000);
    await waitFor('the start command to run again', async () =>
      readFileSync(join(ws, 'starts.log'), 'utf8').split('\n').filter(Boolean).length === 2 ? true : undefined,
    );
    expect(readFileSync(join(ws, 'setup.log'), 'utf8')).toBe('set-up\n'); // setup ran once

    // frame_run restarts one command; an unknown name says which there are.
    await home.ok('frame_run', { frame: 'proj', name: 'web' });
    await waitFor('web to start a third time', async () =>
      readFileSync(join(ws, 'starts.log'), 'utf8').split('\n').filter(Boolean).length === 3 ? true : undefined,
    );
    expect(await home.fails('frame_run', { frame: 'proj', name: 'db' })).toMatch(
      /no command 'db'; its commands: setup, web, vite/,
    );
  }, 600_000);

  it('a failing setup leaves the frame running and says where it failed', async () => {
    await home.ok('frame_config_set', {
      frame: 'proj',
      // The second step fails when the test says so: until then the setup runs, whoever looks.
      values: { setup: ['true', 'while [ ! -e go ]; do sleep 0.1; done; rm go; exit 7'], env: { GREETING: 'changed' } },
    });
    await home.ok('frame_restart', { frame: 'proj' }); // env changed: a new container, so setup runs again
    // What the daemon does every 2 s: the setup's end becomes an event, and subscribers hear of the frame.
    const heard: string[] = [];
    const listen = (c: { name: string }) => heard.push(c.name);
    home.services.frames.changes.on('change', listen);
    writeFileSync(join(ws, 'go'), '');
    const id = home.services.store.findFrame('proj')!.id;
    await waitFor('observe() to see the setup fail', async () => {
      await home.services.frames.observe();
      return home.services.store.listEvents(id, 50).some((e) => e.type === 'setup_failed') || undefined;
    });
    home.services.frames.changes.off('change', listen);
    expect(heard).toContain('proj');
    const got = (await home.ok('frame_get', { frame: 'proj', events: 50 })) as Got;
    expect(got.frame.status).toBe('running');
    expect(got.frame.setup).toMatchObject({ exitCode: 7, step: 2 });
    expect(got.events.map((e) => e.type)).toEqual(expect.arrayContaining(['container_recreated', 'setup_failed']));
    expect(got.events.find((e) => e.type === 'container_recreated')!.details).toMatchObject({ changed: ['env'] });

    // The CLI as a user reads it: the failure in the list, and in the frame's details where and how to run it again.
    const cli = (...args: string[]) =>
      execa('node', [join(process.cwd(), 'dist/cli/optagon.cjs'), ...args], {
        env: { OPTAGON_HOME: home.root, NO_COLOR: '1' },
        reject: false,
      });
    const [port3000, port5173] = got.frame.ports;
    expect([port3000!.container, port5173!.container]).toEqual([3000, 5173]);
    const list = await cli('frame', 'list');
    expect(list.stdout).toMatch(
      new RegExp(`proj\\s+running \\(setup failed\\)\\s+${port3000!.host}→3000, ${port5173!.host}→5173\\s`),
    );
    const shown = await cli('frame', 'get', 'proj');
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`ports        ${port3000!.url} → 3000\n               ${port5173!.url} → 5173`);
    expect(shown.stdout).toContain('Setup failed at step 2 (exit 7)');
    expect(shown.stdout).toMatch(/ 2 while \[ ! -e go \].* {2}✗ exit 7/);
    expect(shown.stdout).toContain('run it again: optagon frame run proj setup');
    expect(shown.stdout).toMatch(/^COMMAND\s+STATE\s+RUNS\nweb\s+\S+\s+echo started >> starts\.log/m);
    const again = await cli('--json', 'frame', 'run', 'proj', 'setup');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ frame: { name: 'proj' }, commands: expect.any(Array) });
    writeFileSync(join(ws, 'go'), '');
    await waitFor('setup to fail again', async () => {
      const g = (await home.ok('frame_get', { frame: 'proj', events: 50 })) as Got;
      return g.frame.setup?.state === 'failed' && g.events.filter((e) => e.type === 'setup_failed').length === 2;
    });
  }, 600_000);

  it('resources.memory: a process allocating 1 GB is killed, the frame stays up, and the event says why', async () => {
    await home.ok('frame_config_set', { frame: 'proj', values: { resources: { memory: '256m' }, setup: null } });
    await home.ok('frame_restart', { frame: 'proj' });
    const events = async () => ((await home.ok('frame_get', { frame: 'proj', events: 50 })) as Got).events;
    if (LIMITS_IGNORED) {
      // Rootless podman on cgroup v1 starts the frame without limits; the frame says so.
      expect((await events()).find((e) => e.type === 'resources_not_enforced')?.details).toMatchObject({
        why: expect.stringContaining('cgroup v1'),
      });
      return;
    }
    const r = await home.services.frames.exec(home.services.store.findFrame('proj')!, [
      'python3',
      '-c',
      'x = bytearray(1024 * 1024 * 1024)',
    ]);
    expect(r.exitCode).toBe(137); // SIGKILL
    const event = await waitFor('the oom_kill event', async () => (await events()).find((e) => e.type === 'oom_kill'));
    expect(event.details).toMatchObject({ memory: '256m', why: expect.stringContaining('resources.memory: 256m') });
    expect(((await home.ok('frame_get', { frame: 'proj' })) as Got).frame.status).toBe('running');
  }, 600_000);

  it("a workspace's devcontainer.json (comments and all) gives its ports, env and commands where the config says nothing", async () => {
    const dc = home.workspace('dc', {
      'vite.js': "require('http').createServer((q, r) => r.end(process.env.FROM_DC)).listen(5174);\n",
    });
    mkdirSync(join(dc, '.devcontainer'));
    writeFileSync(
      join(dc, '.devcontainer', 'devcontainer.json'),
      `{
        // what VS Code would use
        "forwardPorts": [5174, "db:5432"],
        "containerEnv": { "FROM_DC": "hello from devcontainer.json" },
        /* run once */
        "postCreateCommand": "echo created > created.txt",
        "postStartCommand": { "vite": "node vite.js" },
      }`,
    );
    await home.ok('frame_create', { name: 'dc', workspace: dc });
    const { frame } = await home.ok('frame_start', { frame: 'dc' });
    const port = frame.ports.find((p) => p.container === 5174)!;
    expect(await waitFor('the devcontainer server', () => fetchText(port.url), 120_000)).toBe(
      'hello from devcontainer.json',
    );
    await waitFor('postCreateCommand', async () =>
      readFileSync(join(dc, 'created.txt'), { flag: 'a+' }).length ? true : undefined,
    );
    const got = (await home.ok('frame_get', { frame: 'dc' })) as Got;
    expect(got.project.devcontainer).toMatchObject({
      file: '.devcontainer/devcontainer.json',
      keys: ['env', 'setup', 'start', 'ports'],
    });
    expect(got.project.devcontainer!.warnings.join(' ')).toMatch(/db:5432/);
  }, 600_000);

  it('mounts are read-only unless said; git identity is whose commits; the SSH agent is there only when asked', async () => {
    const data = home.workspace('data', { 'set.csv': 'a,b\n' });
    const agentDir = mkdtempSync(join(tmpdir(), 'optagon-test-agent-'));
    // The frame's root is the workspace's owner when that is a user (uid-4242 runs), and ssh-agent
    // serves only its own user (and root): the agent is then that user's, as a user's would be.
    const owner = Number(process.env.OPTAGON_TEST_WORKSPACE_OWNER) || 0;
    if (owner) giveToTestOwner(agentDir);
    const agent = owner
      ? await execa('setpriv', [
          `--reuid=${owner}`,
          `--regid=${owner}`,
          '--clear-groups',
          'ssh-agent',
          '-a',
          join(agentDir, 'agent.sock'),
        ])
      : await execa('ssh-agent', ['-a', join(agentDir, 'agent.sock')]);
    const agentPid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)![1]!;
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = join(agentDir, 'agent.sock');
    try {
      await home.ok('frame_create', { name: 'tools', workspace: home.workspace('tools') });
      await home.ok('frame_config_set', {
        frame: 'tools',
        values: {
          mounts: [{ source: data, target: '/data' }],
          git: { name: 'Ada Lovelace', email: 'ada@example.com' },
          ssh_agent: true,
        },
      });
      await home.ok('frame_start', { frame: 'tools' });
      const run = (script: string) =>
        home.services.frames.exec(home.services.store.findFrame('tools')!, ['sh', '-c', script]);
      expect((await run('cat /data/set.csv')).stdout).toBe('a,b');
      expect((await run('touch /data/new')).stderr).toMatch(/Read-only file system/);
      const log = await run(
        'cd /workspace && git init -q && git commit -q --allow-empty -m first && git log -1 --format="%an <%ae>|%cn"',
      );
      expect(log.stdout).toBe('Ada Lovelace <ada@example.com>|Ada Lovelace');
      // The agent answers: it holds no key (exit 1), where no agent would be exit 2.
      const listed = await run('ssh-add -l');
      expect([listed.exitCode, listed.stdout]).toEqual([1, 'The agent has no identities.']);

      await home.ok('frame_config_set', { frame: 'tools', values: { ssh_agent: null } });
      await home.ok('frame_restart', { frame: 'tools' });
      expect((await run('ssh-add -l')).exitCode).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      process.kill(Number(agentPid));
      rmSync(agentDir, { recursive: true, force: true });
    }
  }, 600_000);

  it('image: a frame may run its own image; doctor says when it lacks tmux, and a missing one is a clear error', async () => {
    await home.ok('frame_doctor'); // probes this host's runtime flags, which the build below needs too
    const flags = new ContainerRuntime(home.services.config.podman).runtimeFlags();
    const image = 'localhost/optagon-test-no-tmux:latest';
    const context = home.workspace('img-build', {
      Containerfile: `FROM ${home.services.config.frames.image}\nRUN rm -f "$(command -v tmux)"\n`,
    });
    await execa('podman', ['build', ...flags, '-t', image, context]);
    try {
      await home.ok('frame_create', { name: 'img', workspace: home.workspace('img') });
      await home.ok('frame_config_set', { frame: 'img', values: { image } });
      const { checks } = (await home.ok('frame_doctor')) as {
        checks: Array<{ name: string; status: string; detail: string }>;
      };
      expect(checks.find((c) => c.name === `image ${image}`)).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('has no tmux'),
      });
      await home.ok('frame_config_set', { frame: 'img', values: { image: 'localhost/optagon-test-missing:1' } });
      expect(await home.fails('frame_start', { frame: 'img' })).toMatch(
        /runs the image localhost\/optagon-test-missing:1 \(its config's image\), which podman does not have; build it FROM/,
      );
    } finally {
      await execa('podman', ['rmi', '-f', image], { reject: false });
    }
  }, 600_000);
});
