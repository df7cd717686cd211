import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procStats } from '../servers/frames/proc-stats.js';
import { createTestHome, frameTmux, waitFor, type TestHome } from './support/test-home.js';
import type { ResultOf } from '../host/tool-results.js';

/** A frame as the frame tools answer it. */
type Frame = ResultOf<'frame_get'>['frame'];

/** Real Podman, real tmux: a frame's whole life, seen from the host. */
describe('frame lifecycle (real podman)', () => {
  let home: TestHome;
  let frame: Frame;
  let ws: string;

  beforeAll(async () => {
    home = await createTestHome(33100);
    ws = home.workspace('app', { 'readme.txt': 'hello from the workspace\n' });
  });
  afterAll(async () => home?.cleanup());

  it('creates a frame with a port from the range and state on disk', async () => {
    ({ frame } = await home.ok('frame_create', { name: 'app', workspace: ws }));
    expect(frame.status).toBe('created');
    expect(frame.hostPort).toBe(33100);
    expect(existsSync(`${home.root}/frames/${frame.id}/config.yaml`)).toBe(true);
    expect(readFileSync(`${home.root}/frames/${frame.id}/config.yaml`, 'utf8')).toContain(`workspace: ${ws}`);
  });

  it('starts, and its tmux session answers in /workspace; the socket shows on the host', async () => {
    ({ frame } = await home.ok('frame_start', { frame: 'app' }));
    expect(frame.status).toBe('running');
    expect(frame.tmuxSocket).toBe(`${home.services.config.frames.socket_root}/${frame.id}/tmux.sock`);
    expect(existsSync(frame.tmuxSocket)).toBe(true);
    expect(await frameTmux(frame.containerName, 'display-message', '-p', '-t', 'main', '#{pane_current_path}')).toBe(
      '/workspace',
    );

    await frameTmux(frame.containerName, 'send-keys', '-t', 'main', '-l', 'cat readme.txt; echo "sum=$((40+2))"');
    await frameTmux(frame.containerName, 'send-keys', '-t', 'main', 'Enter');
    const pane = await waitFor('command output in the pane', async () => {
      const text = await frameTmux(frame.containerName, 'capture-pane', '-p', '-t', 'main');
      return text.includes('sum=42') && text;
    });
    expect(pane).toContain('hello from the workspace');
  });

  it('publishes container port 3000 on the host port', async () => {
    await frameTmux(
      frame.containerName,
      'new-window',
      '-d',
      '-t',
      'main',
      '-n',
      'web',
      '-c',
      '/workspace',
      'python3 -m http.server 3000 --bind 0.0.0.0',
    );
    const body = await waitFor('the dev server on the host port', async () => {
      const res = await fetch(`http://127.0.0.1:${frame.hostPort}/readme.txt`);
      return res.ok && (await res.text());
    });
    expect(body).toBe('hello from the workspace\n');
  });

  it('reports CPU and memory and keeps a container log', async () => {
    const stats = await home.ok('frame_stats', { frame: 'app' });
    expect(stats.memUsageBytes).toBeGreaterThan(0);
    expect(stats.pids).toBeGreaterThanOrEqual(3); // tini, tmux server, the shells
    const logs = await home.ok('frame_logs', { frame: 'app' });
    expect(logs.lines.join('\n')).toContain('frame ready');
  });

  it("reads CPU and memory from /proc of the frame's processes too (podman's stand-in when rootless on cgroup v1)", async () => {
    const inFrame = (...args: string[]) =>
      execa(home.services.config.podman.binary, ['exec', frame.containerName, ...args], { reject: false });
    // A busy process started by podman exec, as agents and terminals are: in the frame's pid namespace, not under its first process.
    const busy = execa(
      home.services.config.podman.binary,
      ['exec', frame.containerName, 'sh', '-c', 'exec timeout 20 sh -c "while :; do :; done"'],
      { reject: false },
    );
    try {
      const pid = Number(
        (
          await execa(home.services.config.podman.binary, [
            'inspect',
            '--format',
            '{{.State.Pid}}',
            frame.containerName,
          ])
        ).stdout,
      );
      await waitFor(
        'the busy loop to run',
        async () => (await inFrame('pgrep', '-f', 'while :')).exitCode === 0,
        10_000,
      );
      const stats = await procStats(pid, 1000);
      expect(stats.cpuPercent).toBeGreaterThan(5);
      expect(stats.pids).toBeGreaterThanOrEqual(4); // tini, tmux server, the shell, the loop
      expect(stats.memUsageBytes).toBeGreaterThan(1024 * 1024);
      expect(stats.memLimitBytes).toBeGreaterThan(stats.memUsageBytes);
    } finally {
      busy.kill();
      await inFrame('pkill', '-f', 'while :');
    }
  });

  it('stops and keeps container and state; a second start brings the session back', async () => {
    ({ frame } = await home.ok('frame_stop', { frame: 'app' }));
    expect(frame.status).toBe('stopped');
    const containerId = frame.containerId;
    const ps = await execa('podman', ['ps', '-a', '--filter', `id=${containerId}`, '--format', '{{.State}}']);
    expect(ps.stdout.trim()).toMatch(/exited|stopped/i);
    await expect(frameTmux(frame.containerName, 'has-session', '-t', 'main')).rejects.toThrow();

    ({ frame } = await home.ok('frame_start', { frame: 'app' }));
    expect(frame.status).toBe('running');
    expect(frame.containerId).toBe(containerId); // same container, not a new one
    expect(await frameTmux(frame.containerName, 'list-sessions', '-F', '#{session_name}')).toBe('main');
  });

  it('records every transition as an event', async () => {
    const { events } = await home.ok('frame_events', { frame: 'app' });
    expect(events.map((e) => e.type)).toEqual(['created', 'starting', 'started', 'stopped', 'starting', 'started']);
  });

  it('destroy removes container and socket dir, frees the port and keeps the workspace', async () => {
    expect(await home.fails('frame_destroy', { frame: 'app' })).toMatch(
      /running; stop it first, or destroy with force/,
    );
    const r = await home.ok('frame_destroy', { frame: 'app', force: true });
    expect(r.destroyed.hostPort).toBe(33100);
    const ps = await execa('podman', [
      'ps',
      '-a',
      '--filter',
      `label=io.optagon.frame=${frame.id}`,
      '--format',
      '{{.ID}}',
    ]);
    expect(ps.stdout.trim()).toBe('');
    expect(existsSync(`/tmp/optagon/frames/${frame.id}`)).toBe(false);
    expect(readFileSync(`${ws}/readme.txt`, 'utf8')).toBe('hello from the workspace\n');
    // The port is free again: the next frame gets it.
    const next = await home.ok('frame_create', { name: 'next', workspace: ws });
    expect(next.frame.hostPort).toBe(33100);
  });
});

describe('reconciliation (real podman)', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await createTestHome(33120);
  });
  afterAll(async () => home?.cleanup());

  it('a container killed behind our back shows as error on the next list, and starts again', async () => {
    const ws = home.workspace('victim');
    await home.ok('frame_create', { name: 'victim', workspace: ws });
    const { frame } = await home.ok('frame_start', { frame: 'victim' });
    await execa('podman', ['kill', frame.containerName]);
    const { frames } = await home.ok('frame_list');
    expect(frames.find((f) => f.name === 'victim')?.status).toBe('error');
    const { events } = await home.ok('frame_events', { frame: 'victim' });
    expect(events.at(-1)).toMatchObject({ type: 'error', details: { exitCode: 137 } });
    const restarted = await home.ok('frame_start', { frame: 'victim' });
    expect(restarted.frame.status).toBe('running');
  });

  it('a container removed behind our back shows as error, and the next start recreates it', async () => {
    const ws = home.workspace('gone');
    const { frame } = await home.ok('frame_create', { name: 'gone', workspace: ws });
    const started = await home.ok('frame_start', { frame: 'gone' });
    // Podman 4.3 may answer 125 for a container in a user namespace and remove it all the same.
    await execa('podman', ['rm', '--force', started.frame.containerName], { reject: false });
    expect(
      (await execa('podman', ['container', 'exists', started.frame.containerName], { reject: false })).exitCode,
    ).toBe(1);
    const got = await home.ok('frame_get', { frame: frame.id });
    expect(got.frame.status).toBe('error');
    expect(got.frame.containerId).toBeNull();
    const again = await home.ok('frame_start', { frame: 'gone' });
    expect(again.frame.status).toBe('running');
    expect(again.frame.containerId).not.toBe(started.frame.containerId);
  });
});
