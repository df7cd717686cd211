import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHome, waitFor, type TestHome } from './support/test-home.js';

/** What a shell or a user would never want run: every character must arrive as itself. */
const TRICKY = `it's "quoted"; echo $(id) \`uname\` && rm -rf ~ | C-c Enter Escape {} \\ $HOME %s`;

/** The tmux server inside a real frame, driven through the MCP tools. */
describe('tmux tools', () => {
  let home: TestHome;
  let ws: string;
  beforeAll(async () => {
    home = await createTestHome(33300);
    ws = home.workspace('tmux');
    await home.ok('frame_create', { name: 'tx', workspace: ws });
    await home.ok('frame_create', { name: 'idle', workspace: home.workspace('idle') });
    await home.ok('frame_start', { frame: 'tx' });
  }, 120_000);
  afterAll(async () => home?.cleanup());

  it('opens a window in /workspace (not the host cwd) and lists it', async () => {
    const { window } = await home.ok('tmux_new_window', { frame: 'tx', name: 'sh' });
    expect(window).toMatchObject({ name: 'sh', cwd: '/workspace', dead: false });
    const { windows } = await home.ok('tmux_list_windows', { frame: 'tx' });
    expect(windows.map((w) => w.name)).toEqual(expect.arrayContaining(['sh']));
    expect(await home.fails('tmux_new_window', { frame: 'tx', name: 'sh' })).toMatch(/already has a window named 'sh'/);
  });

  it('text with quotes, ;, $(...), key names and newlines arrives literally', async () => {
    // cat copies what it reads to a file; C-d (a key) ends it.
    await home.ok('tmux_new_window', { frame: 'tx', name: 'cat', command: 'cat > /workspace/typed.txt' });
    await home.ok('tmux_send_text', { frame: 'tx', window: 'cat', text: TRICKY, enter: true });
    await home.ok('tmux_send_text', { frame: 'tx', window: 'cat', text: 'line one\nline two; $(reboot)\n' });
    await home.ok('tmux_send_keys', { frame: 'tx', window: 'cat', keys: ['C-d'] });
    const typed = await waitFor('cat to finish', async () => {
      const { windows } = await home.ok('tmux_list_windows', { frame: 'tx' });
      return !windows.some((w) => w.name === 'cat') && readFileSync(join(ws, 'typed.txt'), 'utf8');
    });
    expect(typed).toBe(`${TRICKY}\nline one\nline two; $(reboot)\n`);
  });

  it('captures the pane, and waits for a pattern or for quiet', async () => {
    await home.ok('tmux_send_text', {
      frame: 'tx',
      window: 'sh',
      text: 'echo "one two"; sleep 1; echo done-$((6*7))',
      enter: true,
    });
    const matched = await home.ok('tmux_wait_for', {
      frame: 'tx',
      window: 'sh',
      pattern: 'done-\\d+',
      timeout_ms: 10_000,
    });
    expect(matched).toMatchObject({ outcome: 'matched', match: 'done-42' });
    const quiet = await home.ok('tmux_wait_for', { frame: 'tx', window: 'sh', quiet_ms: 300, timeout_ms: 10_000 });
    expect(quiet.outcome).toBe('quiet');
    const timedOut = await home.ok('tmux_wait_for', {
      frame: 'tx',
      window: 'sh',
      pattern: 'never-printed',
      timeout_ms: 300,
    });
    expect(timedOut.outcome).toBe('timeout');
    const pane = await home.ok('tmux_capture_pane', { frame: 'tx', window: 'sh', lines: 5 });
    expect(pane.text).toContain('done-42');
    expect(pane.lines).toBeLessThanOrEqual(5);
  });

  it('unknown windows and frames, stopped frames, bad keys and bad patterns are clear errors', async () => {
    expect(await home.fails('tmux_capture_pane', { frame: 'tx', window: 'nope' })).toMatch(
      /frame 'tx' has no window 'nope'; its windows are .*sh/,
    );
    expect(await home.fails('tmux_list_windows', { frame: 'ghost' })).toMatch(/ghost/);
    expect(await home.fails('tmux_list_windows', { frame: 'idle' })).toMatch(
      /frame 'idle' is created, not running; start it with frame_start/,
    );
    expect(await home.fails('tmux_send_keys', { frame: 'tx', window: 'sh', keys: ['rm -rf /'] })).toMatch(
      /is not a key tmux_send_keys sends/,
    );
    expect(await home.fails('tmux_send_text', { frame: 'tx', window: 'sh;kill-server', text: 'x' })).toMatch(
      /a window is its index/,
    );
    expect(await home.fails('tmux_wait_for', { frame: 'tx', window: 'sh', pattern: '(' })).toMatch(
      /not a valid JavaScript regular expression/,
    );
    expect(await home.fails('tmux_wait_for', { frame: 'tx', window: 'sh' })).toMatch(
      /give a pattern to wait for, quiet_ms, or both/,
    );
  });

  it('closes a window, but not the last one', async () => {
    const { killed } = await home.ok('tmux_kill_window', { frame: 'tx', window: 'sh' });
    expect(killed.name).toBe('sh');
    const { windows } = await home.ok('tmux_list_windows', { frame: 'tx' });
    expect(windows).toHaveLength(1); // the session's first window; 'cat' ended with its program
    expect(await home.fails('tmux_kill_window', { frame: 'tx', window: String(windows[0]!.index) })).toMatch(
      /last window/,
    );
  });
});
