import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, DaemonHome, DaemonProcess } from './support/daemon-process.js';
import { FakeAnthropic, writeFileRule, isAgentTurn, lastToolResults, lastUserText } from './support/fake-anthropic.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHome, frameTerminals, frameTmux, hostTmux, waitFor, type TestHome } from './support/test-home.js';
import { sleep } from '../servers/shared/sleep.js';

/** A wait on a UI that, when it times out, says what the pane showed instead. */
async function showingPane<T>(socket: string, wait: Promise<T>): Promise<T> {
  return wait.catch(async (err: Error) => {
    const pane = await hostTmux(socket, 'capture-pane', '-p', '-t', 'ui').catch(
      (e: Error) => `(no pane: ${e.message})`,
    );
    throw new Error(`${err.message}; the pane shows:\n${pane}`);
  });
}

/** A command Claude Code asks about (it runs read-only ones such as ls without asking). */
const RUN = /Please run: (.+)$/m;
const fake = new FakeAnthropic([
  writeFileRule,
  {
    name: 'run the command asked for',
    when: (r) => isAgentTurn(r) && RUN.test(lastUserText(r)) && lastToolResults(r).length === 0,
    reply: (r) => ({
      toolUse: {
        name: 'Bash',
        input: { command: RUN.exec(lastUserText(r))![1]!, description: 'run it' },
      },
    }),
  },
  { name: 'done', when: (r) => isAgentTurn(r), reply: { text: 'Done.' } },
]);

/**
 * The dashboard and the picker as a person sees them: the real CLI in a real 80×24 tmux pane on a
 * private tmux server, driven with send-keys and read with capture-pane.
 */
describe('terminal UIs in a tmux pane', () => {
  let home: TestHome;
  let socket: string;
  const screen = async () => (await hostTmux(socket, 'capture-pane', '-p', '-t', 'ui')).split('\n');
  const keys = (...k: string[]) => hostTmux(socket, 'send-keys', '-t', 'ui', ...k);
  const runInPane = async (args: string) => {
    await execa('tmux', ['-S', socket, 'kill-session', '-t', 'ui'], { reject: false });
    await hostTmux(
      socket,
      'new-session',
      '-d',
      '-s',
      'ui',
      '-x',
      '80',
      '-y',
      '24',
      // No session bus: the picker finds no Guake and attaches in place. CI=true as CI machines set it
      // (Ink would then draw only at exit): the UIs must draw live all the same. The pane stays after the command.
      `env -u DBUS_SESSION_BUS_ADDRESS CI=true OPTAGON_HOME=${home.root} node ${join(process.cwd(), 'dist/cli/optagon.cjs')} ${args}; sleep 600`,
    );
  };

  beforeAll(async () => {
    await fake.start();
    home = await createTestHome(33360, 5);
    socket = join(home.root, 'ui.sock');
    await home.ok('frame_create', { name: 'web', workspace: home.workspace('web') });
    await home.ok('frame_create', { name: 'api-server', workspace: home.workspace('api') });
    await home.ok('frame_start', { frame: 'web' });
  }, 180_000);
  afterAll(async () => {
    await execa('tmux', ['-S', socket, 'kill-server'], { reject: false });
    await home?.cleanup();
    await fake.close();
  });

  it('the dashboard lists the frames; x stops the selected one and its status changes on screen', async () => {
    await runInPane('dashboard');
    const row = (name: string) => async () => (await screen()).find((l) => l.includes(` ${name} `));
    const web = await showingPane(socket, waitFor('the dashboard', row('web'), 20_000));
    expect((await screen())[0]).toMatch(/^\s+NAME\s+STATUS\s+SETUP\s+ACTIVE\s+CPU\s+MEM\s+PORTS$/);
    expect(web).toMatch(/^  web\s+running\s.*\s3336\d$/);
    expect((await screen())[1]).toMatch(/^> api-server\s+created/); // sorted by name; the first is selected
    expect(await row('api-server')()).toMatch(/api-server\s+created/);
    expect((await screen()).every((l) => l.length <= 80)).toBe(true);

    await keys('j');
    await waitFor('web selected', async () => /^> web/.test((await row('web')()) ?? ''));
    await keys('x');
    await waitFor('web stopped on screen', async () => /^> web\s+stopped/.test((await row('web')()) ?? ''), 30_000);
    expect((await home.ok('frame_get', { frame: 'web' })).frame.status).toBe('stopped');

    // Attach: the dashboard steps aside for tmux, and comes back when the client detaches.
    await home.ok('frame_start', { frame: 'web' });
    await waitFor('web running on screen', async () => /^> web\s+running/.test((await row('web')()) ?? ''), 30_000);
    const webContainer = (await home.ok('frame_get', { frame: 'web' })).frame.containerName;
    await keys('a');
    const [tty] = await waitFor(
      'a client on web',
      async () => (await frameTerminals(webContainer)).length > 0 && frameTerminals(webContainer, '#{client_tty}'),
      20_000,
    );
    await frameTmux(webContainer, 'detach-client', '-t', tty!);
    await waitFor('the dashboard back', row('web'), 20_000);

    // The log tail of the selected frame (still web), and back. The screen tmux restores on detach
    // looks like the dashboard before it is listening again, so the key is pressed until it is heard.
    const logView = async () => (await screen())[0]?.startsWith('log of web');
    await waitFor(
      'the log view',
      async () => (await logView()) || (await keys('l'), await sleep(1000), logView()),
      20_000,
    );
    await keys('l');
    await waitFor('the list again', row('api-server'));

    await keys('?');
    await waitFor('the help', async () => (await screen()).some((l) => l.includes('optagon dashboard — keys')));
    // Keys sent at once reach the dashboard as one string: each is still its own key.
    await keys('?', '/', 'a', 'p', 'i');
    await waitFor('the filter', async () => (await screen()).some((l) => l.includes('filter: api')));
    expect((await screen()).some((l) => l.includes(' web '))).toBe(false);
    await keys('Enter');
    await keys('q');
    // Quit: the pane's command moves on to the sleep after it.
    await waitFor(
      'the dashboard to quit',
      async () => (await hostTmux(socket, 'display', '-p', '-t', 'ui', '#{pane_current_command}')).trim() === 'sleep',
      10_000,
    );
  }, 120_000);

  it('an agent under its frame: d shows its diff, c a comment it gets, ! while it waits for you, m merges, x discards after asking', async () => {
    const web = home.services.frames.resolve('web');
    const inFrame = async (script: string) => {
      const r = await home.services.frames.exec(web, ['sh', '-c', script]);
      if (r.exitCode !== 0) throw new Error(`${script}: ${r.stderr}`);
      return r.stdout;
    };
    await inFrame(
      "cd /workspace && printf 'start\\n' > start.txt && git init -q -b main && git add start.txt && git -c user.name=u -c user.email=u@example.com commit -qm first",
    );
    await home.ok('frame_config_set', {
      frame: 'web',
      values: {
        agents: {
          env: { ANTHROPIC_BASE_URL: fake.containerUrl, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789abcdefghijklmn' },
        },
      },
    });
    await home.ok('agent_spawn', {
      frame: 'web',
      name: 'fixer',
      task: "Write 'a change from the dashboard' into /worktrees/fixer/notes.md",
    });
    await home.ok('agent_wait', { agent: 'web/fixer', until: 'idle', timeout_ms: 120_000 });
    await runInPane('dashboard');
    const agentRow = async () => (await screen()).find((l) => / fixer /.test(l)) ?? '';
    await showingPane(
      socket,
      waitFor('the agent under web', async () => /^ {4}fixer\s+idle\s+optagon\/fixer/.test(await agentRow()), 30_000),
    );
    const at = (await screen()).findIndex((l) => / fixer /.test(l));
    expect((await screen())[at - 1]).toMatch(/^ {2}web\s+running/); // under its frame
    await keys('j', 'j');
    await waitFor('the agent selected', async () => (await agentRow()).startsWith('> '));

    await keys('d');
    await showingPane(
      socket,
      waitFor('its diff', async () => (await screen())[0]?.startsWith('diff of web/fixer on optagon/fixer')),
    );
    expect(await screen()).toContain('+a change from the dashboard');
    await keys('Escape');
    await waitFor('the list again', async () => (await agentRow()).startsWith('> '));

    // a: attached at the agent's own window; back in the dashboard on detach.
    const container = (await home.ok('frame_get', { frame: 'web' })).frame.containerName;
    await keys('a');
    const [client] = await waitFor(
      'a client at the agent',
      async () => {
        const c = await frameTerminals(container, '#{client_tty} #{window_name}');
        return c.length > 0 && c;
      },
      20_000,
    );
    expect(client!.split(' ')[1]).toBe('fixer');
    await frameTmux(container, 'detach-client', '-t', client!.split(' ')[0]!);
    // Back with its frame selected (tmux first restores the screen as it was, the agent selected).
    await showingPane(
      socket,
      waitFor('the dashboard back', async () => (await screen()).some((l) => l.startsWith('> web ')), 20_000),
    );
    // As after a frame's attach: drawn before the keys are heard, so j is pressed until it is
    // (the agent is the last row: more j's stay on it).
    const selected = async () => (await agentRow()).startsWith('> ');
    await waitFor(
      'the agent selected again',
      async () => (await selected()) || (await keys('j'), await sleep(500), selected()),
      20_000,
    );

    // A comment that makes it run a command: it waits for permission, and the row says it needs you.
    const sent = fake.requests.length;
    await keys('c');
    await keys('-l', 'Please run: python3 -c pass');
    await keys('Enter');
    await showingPane(
      socket,
      waitFor(
        'the comment at the model',
        async () =>
          fake.requests
            .slice(sent)
            .some((r) => lastUserText(r).includes('Review comment: Please run: python3 -c pass')),
        60_000,
      ),
    );
    await showingPane(
      socket,
      waitFor('the marker', async () => /^> ! fixer\s+NEEDS YOU/.test(await agentRow()), 60_000),
    );
    await home.ok('agent_approve', { agent: 'web/fixer', decision: 'deny' });
    await waitFor('idle again', async () => /idle/.test(await agentRow()), 60_000);

    await keys('m');
    await showingPane(
      socket,
      waitFor(
        'merged',
        async () => (await screen()).some((l) => /web\/fixer: merged into main as [0-9a-f]{12}/.test(l)),
        30_000,
      ),
    );
    expect(await inFrame('cat /workspace/notes.md')).toBe('a change from the dashboard');

    await keys('x');
    await waitFor('the question', async () => (await screen()).some((l) => l.includes('y to discard')));
    await keys('n');
    await waitFor('kept', async () => (await screen()).some((l) => l.trim() === 'kept'));
    await keys('x');
    await waitFor('the question', async () => (await screen()).some((l) => l.includes('y to discard')));
    await keys('y');
    await showingPane(
      socket,
      waitFor('the agent gone', async () => !(await screen()).some((l) => / fixer /.test(l)), 30_000),
    );
    expect(await inFrame('git -C /workspace branch --list')).not.toContain('optagon/fixer');
    await keys('q');
  }, 300_000);

  it('the picker finds a frame by a fuzzy query and, with no Guake, attaches in place', async () => {
    const api = (await home.ok('frame_get', { frame: 'api-server' })).frame.containerName;
    await runInPane('pick');
    await showingPane(
      socket,
      waitFor('the picker', async () => (await screen()).some((l) => l.startsWith('frame ›')), 20_000),
    );
    for (const k of 'apsrv') await keys(k); // a loose spelling of api-server
    await waitFor('api-server first', async () => (await screen())[1]?.startsWith('> api-server'));
    await keys('Enter');
    // It was not running: the picker starts it, then this terminal attaches to its tmux session.
    await showingPane(
      socket,
      waitFor('a client on api-server', async () => (await frameTerminals(api)).length > 0, 90_000),
    );
    expect((await home.ok('frame_get', { frame: 'api-server' })).frame.status).toBe('running');
  }, 150_000);
});

/** With the daemon up, the dashboard is told of changes (frames://list notifications), never polling. */
describe('dashboard through the daemon', () => {
  let home: DaemonHome;
  let daemon: DaemonProcess;
  const socket = join(tmpdir(), `optagon-dash-${process.pid}.sock`);
  beforeAll(async () => {
    home = new DaemonHome(33420);
    daemon = await DaemonProcess.start(home);
    expect((await home.cli('frame', 'create', 'live', '--workspace', home.workspace('live'))).exitCode).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await execa('tmux', ['-S', socket, 'kill-server'], { reject: false });
    await daemon?.stop();
    await home?.cleanup();
  });

  it('a frame started elsewhere shows as running on screen', async () => {
    await hostTmux(
      socket,
      'new-session',
      '-d',
      '-s',
      'ui',
      '-x',
      '80',
      '-y',
      '24',
      `CI=true OPTAGON_HOME=${home.root} node ${CLI} dashboard; sleep 600`,
    );
    const row = async () =>
      (await hostTmux(socket, 'capture-pane', '-p', '-t', 'ui')).split('\n').find((l) => l.includes(' live '));
    await showingPane(
      socket,
      waitFor('the dashboard', async () => /live\s+created/.test((await row()) ?? ''), 20_000),
    );
    expect((await home.cli('frame', 'start', 'live')).exitCode).toBe(0); // another process, through the daemon
    await waitFor('live running on screen', async () => /live\s+running/.test((await row()) ?? ''), 10_000);
  }, 90_000);
});
