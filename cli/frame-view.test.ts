import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResultOf } from '../host/tool-results.js';
import {
  appliesNote,
  commandsTable,
  frameDetails,
  frameStatus,
  framesTable,
  portPairs,
  runSummary,
  setupOutcome,
} from './frame-view.js';

type FrameGet = ResultOf<'frame_get'>;
type Frame = FrameGet['frame'];

beforeAll(() => vi.stubEnv('NO_COLOR', '1'));

const at = new Date(Date.now() - 3 * 60_000).toISOString();
const port = (container: number, host: number) => ({ container, host, url: `http://127.0.0.1:${host}` });
const frame = (name: string, more: Partial<Frame> = {}): Frame => ({
  id: `${name}-0b5d6f1e-1111-2222-3333-444455556666`,
  name,
  description: null,
  status: 'running',
  workspace: `/home/me/${name}`,
  hostPort: 33600,
  url: 'http://127.0.0.1:33600',
  containerId: 'abcdef0123456789abcdef',
  containerName: `optagon-${name}-0b5d6f1e1111`,
  tmuxSocket: `/run/optagon/frames/${name}/tmux.sock`,
  groupId: `frame-${name}`,
  createdAt: '2025-06-01T10:00:00.000Z',
  updatedAt: '2025-06-01T10:00:00.000Z',
  lastActiveAt: null,
  ports: [port(3000, 33600)],
  ...more,
});
const project = (more: Partial<FrameGet['project']> = {}): FrameGet['project'] => ({
  setup: [],
  start: [],
  ports: [],
  envNames: [],
  resources: {},
  mounts: [],
  sshAgent: false,
  image: 'localhost/optagon-frame:latest',
  network: 'full',
  hosts: {},
  ...more,
});
const get = (f: Frame, p: FrameGet['project'], commands: FrameGet['commands'] = []): FrameGet => ({
  frame: f,
  config: {},
  project: p,
  commands,
  events: [],
});

/** A frame whose setup failed at its second step, with two start commands, limits and a devcontainer.json. */
const failing = get(
  frame('web', {
    ports: [port(3000, 33600), port(5173, 33601)],
    setup: { state: 'failed', exitCode: 7, step: 2, at },
  }),
  project({
    setup: ['npm ci', 'npm run build'],
    start: [
      { name: 'web', command: 'npm run dev' },
      { name: 'vite', command: 'npx vite --port 5173' },
    ],
    ports: [5173],
    envNames: ['NODE_ENV', 'API_URL'],
    resources: { cpus: 2, memory: '2g', pids: 512 },
    network: { allowlist: ['registry.npmjs.org', 'github.com'] },
    mounts: [{ source: '/home/me/.cache/npm', target: '/root/.npm', readOnly: true }],
    sshAgent: true,
    hosts: { 'db.local': '10.0.0.5' },
    devcontainer: {
      file: '.devcontainer/devcontainer.json',
      keys: ['setup', 'start', 'ports'],
      warnings: ['features are not supported: ghcr.io/devcontainers/features/node'],
    },
  }),
  [
    { name: 'web', command: 'npm run dev', state: 'running' },
    { name: 'vite', command: 'npx vite --port 5173', state: 'exited', exitCode: 1 },
  ],
);

describe('frame list', () => {
  it('shows each frame’s ports (host→frame) and a failed setup in its status', () => {
    const out = framesTable([failing.frame, frame('api', { status: 'stopped', ports: [port(3000, 33602)] })]);
    const [head, web, api] = out.split('\n');
    expect(head).toMatch(/^NAME\s+STATUS\s+PORTS\s+WORKSPACE\s+ACTIVE$/);
    expect(web).toMatch(/^web\s+running \(setup failed\)\s+33600→3000, 33601→5173\s+\/home\/me\/web\s+-$/);
    expect(api).toMatch(/^api\s+stopped\s+33602→3000\s+\/home\/me\/api/);
    // The columns line up: every row's workspace starts where the header's does.
    const col = head!.indexOf('WORKSPACE');
    expect(web!.indexOf('/home/me/web')).toBe(col);
    expect(api!.indexOf('/home/me/api')).toBe(col);
  });

  it('keeps a row short when a frame publishes many ports', () => {
    const many = [3000, 5173, 8080, 9229, 6006].map((p, i) => port(p, 33600 + i));
    expect(portPairs(many, 3)).toBe('33600→3000, 33601→5173, 33602→8080, +2 more');
    expect(portPairs([])).toBe('-');
  });

  it('says a setup still runs only while the frame runs', () => {
    expect(frameStatus({ status: 'running', setup: { state: 'running', at } })).toBe('running (setting up)');
    expect(frameStatus({ status: 'stopped', setup: { state: 'running', at } })).toBe('stopped');
    expect(frameStatus({ status: 'stopped', setup: { state: 'failed', exitCode: 1, at } })).toBe(
      'stopped (setup failed)',
    );
    expect(frameStatus({ status: 'running', setup: { state: 'succeeded', exitCode: 0, at } })).toBe('running');
  });
});

describe('frame get', () => {
  const out = frameDetails(failing);

  it('lists the ports with their URLs', () => {
    expect(out).toContain('  ports        http://127.0.0.1:33600 → 3000\n               http://127.0.0.1:33601 → 5173');
  });

  it('names a port the config added that the container does not publish yet', () => {
    const added = frameDetails({ ...failing, project: { ...failing.project, ports: [5173, 8080] } });
    expect(added).toContain(
      '               http://127.0.0.1:33601 → 5173\n               8080: published at the next start (optagon frame restart web)',
    );
  });

  it('says where the setup failed, marks the step and tells how to run it again', () => {
    expect(setupOutcome(failing.frame.setup!)).toBe('failed at step 2 (exit 7)');
    expect(out).toContain('Setup failed at step 2 (exit 7) 3m ago\n   1 npm ci\n   2 npm run build  ✗ exit 7');
    expect(out).toContain('fix it, then run it again: optagon frame run web setup');
  });

  it('shows the start commands with their windows’ states', () => {
    expect(out).toMatch(
      /Start commands\nCOMMAND\s+STATE\s+RUNS\nweb\s+running\s+npm run dev\nvite\s+exited \(1\)\s+npx vite/,
    );
    expect(out).toContain('restart one: optagon frame run web <command>');
  });

  it('shows what the frame runs with: image, resources, network, env, mounts, SSH agent, hosts', () => {
    expect(out).toContain('  image        localhost/optagon-frame:latest');
    expect(out).toContain('  resources    2 CPUs, 2g memory, 512 processes');
    expect(out).toContain('  network      only registry.npmjs.org, github.com');
    expect(out).toContain('  env          NODE_ENV, API_URL');
    expect(out).toContain('  mounts       /home/me/.cache/npm → /root/.npm (read-only)');
    expect(out).toContain('  ssh agent    forwarded');
    expect(out).toContain('  hosts        db.local → 10.0.0.5');
  });

  it('names the keys devcontainer.json gave, with its warnings', () => {
    expect(out).toContain(
      ".devcontainer/devcontainer.json gave setup, start, ports (the frame's config sets none of them)\n  warning: features are not supported",
    );
  });

  it('leaves out what is not set: no limits, full network, no setup, no start commands, no devcontainer.json', () => {
    const plain = frameDetails(
      get(frame('api', { status: 'created', url: null, hostPort: 33602, ports: [port(3000, 33602)] }), project()),
    );
    expect(plain).toContain('  ports        http://127.0.0.1:33602 → 3000');
    for (const absent of [
      'resources',
      'network',
      'env',
      'mounts',
      'ssh agent',
      'hosts',
      'Setup',
      'Start commands',
      'devcontainer',
    ])
      expect(plain).not.toContain(absent);
  });

  it('shows the setup, start commands and ports of a stopped frame, not yet run', () => {
    const stopped = frameDetails(
      get(
        frame('api', { status: 'stopped' }),
        project({ setup: ['npm ci'], start: [{ name: 'api', command: 'npm start' }], ports: [5173] }),
      ),
    );
    expect(stopped).toContain('5173: published at the next start (optagon frame start api)');
    expect(stopped).toContain('Setup not run yet');
    expect(stopped).toMatch(/api\s+-\s+npm start/);
    expect(stopped).toContain('when the frame starts: optagon frame start api');
  });

  it('prints no control character a frame put in its commands, warnings or names', () => {
    const evil = '\x1b]0;owned\x07\x1b[2J';
    const r = frameDetails({
      ...failing,
      project: {
        ...failing.project,
        setup: [`make${evil}`],
        devcontainer: { file: `dc${evil}`, keys: [], warnings: [`w${evil}`] },
      },
      commands: [{ name: 'web', command: `x${evil}`, state: 'running' }],
    });
    expect(r).not.toMatch(/[\x07\x1b]/);
    expect(r).toContain('make?]0;owned??[2J');
  });
});

describe('frame run and config set', () => {
  it('says which command started and how the commands stand', () => {
    const out = runSummary({ frame: failing.frame, commands: failing.commands }, 'vite');
    expect(out.split('\n')[0]).toBe('Started vite in web: exited (1)');
    expect(out).toMatch(/web\s+running\s+npm run dev/);
    expect(runSummary({ frame: failing.frame, commands: [] }, 'setup')).toMatch(
      /^Running the setup of web again, in its window 'setup'\n  watch it: optagon frame attach web/,
    );
  });

  it('lists a window the project no longer names', () => {
    expect(
      commandsTable(
        [{ name: 'web', command: 'npm run dev' }],
        [{ name: 'old', command: 'x', state: 'exited', exitCode: 0 }],
      ),
    ).toMatch(/web\s+-\s+npm run dev\nold\s+exited \(0\)\s+x/);
  });

  it('notes when a config change applies, with the command that applies it', () => {
    const applies =
      "ports applies at the frame's next start (frame_restart), in a new container (the workspace is kept; setup runs again)";
    expect(appliesNote({ name: 'web', status: 'running' }, applies)).toBe(
      "note: ports applies at the frame's next start, in a new container (the workspace is kept; setup runs again); restart it with: optagon frame restart web\n",
    );
    expect(appliesNote({ name: 'web', status: 'stopped' }, applies)).toMatch(
      /; start it with: optagon frame start web\n$/,
    );
  });
});
