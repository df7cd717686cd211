import { execa } from 'execa';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHome, type TestHome } from './support/test-home.js';

const expectedTools = [
  'frame_attach',
  'frame_config_get',
  'frame_config_set',
  'frame_create',
  'frame_destroy',
  'frame_doctor',
  'frame_events',
  'frame_get',
  'frame_image_build',
  'frame_image_status',
  'frame_list',
  'frame_logs',
  'frame_restart',
  'frame_run',
  'frame_start',
  'frame_stats',
  'frame_stop',
];

/** The frames MCP server through a real SDK client: schemas, structuredContent, and clear errors that lose nothing. */
describe('frames MCP tools', () => {
  let home: TestHome;
  let ws: string;
  beforeAll(async () => {
    home = await createTestHome(33140);
    ws = home.workspace('proj', { 'keep.txt': 'precious' });
  });
  afterAll(async () => home?.cleanup());

  it('lists every tool with input and output schemas and all four annotations', async () => {
    const { tools } = await home.client.listTools();
    expect(
      tools
        .map((t) => t.name)
        .filter((n) => n.startsWith('frame_'))
        .sort(),
    ).toEqual(expectedTools);
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-z0-9_]+$/);
      expect(t.title, t.name).toBeTruthy();
      expect(t.description!.length, t.name).toBeGreaterThan(30);
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        expect(typeof t.annotations?.[hint], `${t.name}.${hint}`).toBe('boolean');
      }
    }
    const destroy = tools.find((t) => t.name === 'frame_destroy')!;
    expect(destroy.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(tools.find((t) => t.name === 'frame_list')!.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('returns structuredContent and the same JSON as text', async () => {
    const r = await home.call('frame_create', { name: 'proj', workspace: ws, description: 'the project' });
    expect(r.isError).toBeFalsy();
    const frame = (r.structuredContent as { frame: Record<string, unknown> }).frame;
    expect(frame).toMatchObject({ name: 'proj', status: 'created', workspace: ws, description: 'the project' });
    expect(frame.groupId).toMatch(/^frame_[a-zA-Z0-9_-]+$/);
    expect(JSON.parse((r.content[0] as { text: string }).text)).toEqual(r.structuredContent);
  });

  it('rejects invalid names with the rule', async () => {
    for (const name of ['Web', '-web', 'a'.repeat(64), 'we b', 'web;rm -rf /']) {
      expect(await home.fails('frame_create', { name, workspace: ws })).toMatch(/a-z, 0-9/);
    }
  });

  it('rejects a duplicate name and says what to do', async () => {
    expect(await home.fails('frame_create', { name: 'proj', workspace: ws })).toMatch(
      /already exists; pick another name/,
    );
  });

  it('rejects relative, missing and non-directory workspaces', async () => {
    expect(await home.fails('frame_create', { name: 'rel', workspace: 'proj' })).toMatch(/not an absolute path/);
    expect(await home.fails('frame_create', { name: 'missing', workspace: '/nonexistent/optagon' })).toMatch(
      /does not exist/,
    );
    const file = join(ws, 'keep.txt');
    expect(await home.fails('frame_create', { name: 'file', workspace: file })).toMatch(/not a directory/);
    expect(await home.fails('frame_create', { name: 'root', workspace: '/' })).toMatch(/cannot be \//);
  });

  it('refuses every workspace a frame must never get read-write, judged by its real path', async () => {
    const link = join(home.workspaceRoot, 'innocent');
    symlinkSync('/etc', link);
    mkdirSync(join(home.workspaceRoot, 'a'));
    const climb = `${home.workspaceRoot}/a/${'../'.repeat(home.workspaceRoot.split('/').length)}etc`;
    const colon = home.workspace('x:y');
    const cases: Array<[string, RegExp]> = [
      ['/etc', /^workspace '\/etc' is inside the system directory \/etc/],
      ['/proc', /system directory \/proc/],
      ['/dev', /system directory \/dev/],
      ['/root', /^workspace '\/root' (holds|is not under|is inside the system directory)/], // root's home (podman's storage), or another user's
      ['/tmp', /^workspace '\/tmp' holds Optagon's home/],
      [home.root, /is inside Optagon's home \(OPTAGON_HOME/],
      [join(home.root, 'data'), /is inside Optagon's home/],
      [link, /\(real path \/etc\) is inside the system directory \/etc/],
      [climb, /\(real path \/etc\) is inside the system directory \/etc/],
      [colon, /has ':' or ',' in its path/],
      [join(home.root, '..'), /holds Optagon's home/],
    ];
    for (const [workspace, message] of cases)
      expect(await home.fails('frame_create', { name: 'bad', workspace }), workspace).toMatch(message);
    expect(home.services.store.findFrame('bad')).toBeUndefined();
  });

  it('will not start a frame made before the rule, and says how to make it again', async () => {
    await home.ok('frame_create', { name: 'legacy', workspace: home.workspace('legacy') });
    home.services.store.db.prepare('UPDATE frames SET workspace_path = ? WHERE name = ?').run('/etc', 'legacy');
    expect(await home.fails('frame_start', { frame: 'legacy' })).toMatch(
      /^frame 'legacy' cannot start: workspace '\/etc' is inside the system directory \/etc.*; destroy it \(`optagon frame destroy legacy`; the workspace is kept\) and create it again/,
    );
    expect(home.services.store.findFrame('legacy')).toMatchObject({ status: 'created', containerId: null });
    await home.ok('frame_destroy', { frame: 'legacy' });
  });

  it('names the unknown frame and how to list frames', async () => {
    for (const tool of ['frame_start', 'frame_stop', 'frame_get', 'frame_destroy', 'frame_logs', 'frame_events']) {
      expect(await home.fails(tool, { frame: 'nope' })).toMatch(/frame 'nope' not found; .*frame list/);
    }
  });

  it('refuses to stop a frame that is not running, and to destroy twice', async () => {
    expect(await home.fails('frame_stop', { frame: 'proj' })).toMatch(
      /not running \(status created\); nothing to stop/,
    );
    await home.ok('frame_create', { name: 'twice', workspace: ws });
    await home.ok('frame_destroy', { frame: 'twice' });
    expect(await home.fails('frame_destroy', { frame: 'twice' })).toMatch(/frame 'twice' not found/);
  });

  it('loses nothing on failures: the frames and the workspace are as before', async () => {
    const { frames } = await home.ok('frame_list');
    expect(frames.map((f) => [f.name, f.status])).toEqual([['proj', 'created']]);
    expect(existsSync(join(ws, 'keep.txt'))).toBe(true);
  });

  it('validates config changes and mirrors them to frames/<id>/config.yaml', async () => {
    const r = await home.ok('frame_config_set', {
      frame: 'proj',
      values: { manager: { behavior: { max_concurrent_agents: 2 } } },
    });
    expect(r.config).toMatchObject({ name: 'proj', manager: { behavior: { max_concurrent_agents: 2 } } });
    expect(await home.fails('frame_config_set', { frame: 'proj', values: { manager: { temperature: 9 } } })).toMatch(
      /manager\.temperature/,
    );
    expect(await home.fails('frame_config_set', { frame: 'proj', values: { workspace: '/tmp' } })).toMatch(/fixed/);
    const got = await home.ok('frame_config_get', { frame: 'proj' });
    expect(got.config).toEqual(r.config);
  });

  it('gives an attach command that runs tmux inside the container, and names the host socket', async () => {
    const a = await home.ok('frame_attach', { frame: 'proj' });
    const container = home.services.frames.containerName(home.services.frames.resolve('proj'));
    expect(a.command).toEqual([
      'podman',
      'exec',
      '-it',
      '--detach-keys',
      '',
      container,
      'tmux',
      '-u',
      '-S',
      '/run/optagon/tmux.sock',
      'attach-session',
      '-t',
      'main',
    ]);
    expect(a.commandLine).toBe(
      `podman exec -it --detach-keys '' ${container} tmux -u -S /run/optagon/tmux.sock attach-session -t main`,
    );
    expect(a.socket).toMatch(new RegExp(`^${home.services.config.frames.socket_root}/[0-9a-f-]{36}/tmux\\.sock$`));
  });
});

/** The CLI as a user runs it: a thin MCP client with tables, --json and exit codes. */
describe('optagon CLI', () => {
  let home: TestHome;
  const cli = (...args: string[]) =>
    execa('node', [join(process.cwd(), 'dist/cli/optagon.cjs'), ...args], {
      env: { OPTAGON_HOME: home.root, NO_COLOR: '1' },
      reject: false,
    });

  beforeAll(async () => {
    home = await createTestHome(33160);
  });
  afterAll(async () => home?.cleanup());

  it('creates and lists frames as a table and as JSON', async () => {
    const ws = home.workspace('site');
    const created = await cli('frame', 'create', 'site', '--workspace', ws);
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toContain('Created site created');
    const list = await cli('frame', 'list');
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+PORTS\s+WORKSPACE\s+ACTIVE$/);
    expect(list.stdout).toMatch(/site\s+created\s+33160→3000\s/);
    expect(list.stdout).not.toContain('\x1b['); // NO_COLOR
    const json = JSON.parse((await cli('--json', 'frame', 'list')).stdout);
    expect(json.frames[0]).toMatchObject({ name: 'site', status: 'created', hostPort: 33160 });
  });

  it('prints no control character that a path or description carries (terminal escapes)', async () => {
    const evil = '\x1b]0;owned\x07\x1b[2J\u009b31m';
    expect(
      (await cli('frame', 'create', 'esc', '--workspace', home.workspace('esc'), '--description', `desc${evil}`))
        .exitCode,
    ).toBe(0);
    // A frame made before workspaces were checked could hold any path.
    home.services.store.db.prepare('UPDATE frames SET workspace_path = ? WHERE name = ?').run(`/srv/x${evil}`, 'esc');
    for (const args of [
      ['frame', 'list'],
      ['frame', 'get', 'esc'],
      ['frame', 'destroy', 'esc'],
    ]) {
      const r = await cli(...args);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('/srv/x?]0;owned??[2J?31m');
      expect(r.stdout + r.stderr).not.toMatch(/[\x07\x1b\u009b]/);
    }
  });

  it('exits non-zero with a one-line error on a tool error', async () => {
    const r = await cli('frame', 'stop', 'site');
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim()).toBe("error: frame 'site' is not running (status created); nothing to stop");
    const j = await cli('--json', 'frame', 'get', 'ghost');
    expect(j.exitCode).toBe(1);
    expect(JSON.parse(j.stdout).error).toMatch(/frame 'ghost' not found/);
  });

  it('prints the attach command when not on a terminal', async () => {
    const r = await cli('frame', 'attach', 'site');
    expect(r.stdout).toMatch(
      /^podman exec -it --detach-keys '' optagon-site-[0-9a-f]{12} tmux -u -S \/run\/optagon\/tmux\.sock attach-session -t main$/,
    );
  });

  it('shows a frame config as YAML; --edit applies it, and a bad routing condition is shown with its line and not saved', async () => {
    expect((await cli('frame', 'config', 'site')).stdout).toBe(`name: site\nworkspace: ${home.workspace('site')}`);
    // An "editor" that appends a manager section, as a person would type it.
    const editor = join(home.root, 'editor.sh');
    const edit = (manager: string) => {
      writeFileSync(editor, `#!/bin/sh\ncat >> "$1" <<'EOF'\n${manager}EOF\n`, { mode: 0o755 });
      return execa('node', [join(process.cwd(), 'dist/cli/optagon.cjs'), 'frame', 'config', 'site', '--edit'], {
        env: { OPTAGON_HOME: home.root, NO_COLOR: '1', EDITOR: editor },
        reject: false,
        stdin: 'ignore',
      });
    };
    const bad = await edit('manager:\n  routing:\n    - condition: "task.complexity >"\n      provider: ollama\n');
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(
      // Line 13: 8 lines of header (how to save, and the project's keys by example), name, workspace, then the section.
      /site\.yaml:13: manager\.routing\[0\]\.condition: not a valid condition: Unexpected token/,
    );
    expect(bad.stderr).toMatch(/not saved; fix .*site\.yaml and apply it with: optagon frame config site --file /);
    expect((await cli('frame', 'config', 'site')).stdout).not.toContain('manager');

    const good = await edit(
      `manager:\n  routing:\n    - condition: "task.type == 'docs'"\n      provider: ollama\n      model: mistral\n`,
    );
    expect(good.exitCode).toBe(0);
    const saved = JSON.parse((await cli('--json', 'frame', 'config', 'site')).stdout);
    expect(saved.manager.routing).toEqual([{ condition: "task.type == 'docs'", provider: 'ollama', model: 'mistral' }]);
  });

  it('reports a bad config.yaml with the file and the field', async () => {
    writeFileSync(join(home.root, 'config.yaml'), 'frames:\n  port_range: { start: 34000, end: 33000 }\n');
    const r = await cli('frame', 'list');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/config\.yaml: frames\.port_range: port_range\.start must not be above/);
  });
});
