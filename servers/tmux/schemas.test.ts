import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowRef, windowTarget } from './schemas.js';

// A real tmux server with windows 0:shell, 1:claude-1, 2:py.1 (the last named as tmux's automatic
// rename would name a python3.1 window): what each target reaches is asked of tmux itself.
let dir: string;
let socket: string;
const tmux = (...args: string[]) => execa('tmux', ['-S', socket, '-f', '/dev/null', ...args], { reject: false });
/** The window a target reaches, as index:name, or tmux's error. list-panes fails on a missing target (display-message would fall back). */
const reaches = async (target: string) => {
  const r = await tmux('list-panes', '-t', target, '-F', '#{window_index}:#{window_name}');
  return r.exitCode === 0 ? r.stdout.split('\n')[0] : `error: ${r.stderr.trim()}`;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'optagon-window-'));
  socket = join(dir, 'tmux.sock');
  await tmux('new-session', '-d', '-s', 'main', '-n', 'shell');
  await tmux('new-window', '-d', '-t', 'main:', '-n', 'claude-1');
  await tmux('new-window', '-d', '-t', 'main:', '-n', 'py.1');
});
afterAll(async () => {
  await tmux('kill-server');
  rmSync(dir, { recursive: true, force: true });
});

describe('window references', () => {
  // To tmux, each of these means some other window (or pane) of the session, or more than a window.
  const special = [
    '-1',
    '+1',
    '-',
    '+',
    '!',
    '^',
    '$',
    '.',
    '..',
    '{start}',
    '{end}',
    '{last}',
    '{next}',
    '{previous}',
    '*ude*',
    ':',
    '',
    '0.1',
    'shell.0',
    'main:0',
    '=shell',
  ];

  it("tmux's special targets and patterns are refused; what tmux would make of them is another window", async () => {
    for (const ref of special) {
      expect(windowRef.safeParse(ref).success, ref).toBe(false);
      expect(() => windowTarget('main', ref), ref).toThrow(
        /is not a window: a window is its index \(2\), id \(@5\) or name/,
      );
    }
    // Handed to tmux as main:<ref>, as a naive caller would, they do reach windows:
    expect(await reaches('main:-1')).toBe('2:py.1');
    expect(await reaches('main:+')).toBe('1:claude-1');
    expect(await reaches('main:{end}')).toBe('2:py.1');
    expect(await reaches('main:.')).toBe('0:shell');
    expect(await reaches('main:*ude*')).toBe('1:claude-1');
    expect(await reaches('main:cl')).toBe('1:claude-1');
  });

  it('a name is matched exactly: a prefix of another window is no window', async () => {
    expect(windowTarget('main', 'cl')).toBe('main:=cl');
    expect(await reaches(windowTarget('main', 'cl'))).toMatch(/^error: can't find window: cl/);
    expect(await reaches(windowTarget('main', 'claude-1'))).toBe('1:claude-1');
    expect(await reaches(windowTarget('main', 'shell'))).toBe('0:shell');
  });

  it('an index and an id reach their window; a dotted name is refused (tmux reads it as window.pane)', async () => {
    expect(await reaches(windowTarget('main', '2'))).toBe('2:py.1');
    expect(await reaches(windowTarget('main', '@1'))).toBe('1:claude-1');
    expect(windowRef.safeParse('py.1').success).toBe(false);
    expect(await reaches('main:py.1')).toMatch(/can't find pane/);
    // tmux does not read 007 as window 7, so neither do we; names still start with a letter.
    for (const ref of ['007', '1a', '@', '@x', 'a'.repeat(65), '1234567', 'a b', 'a;b', 'sh;kill-server'])
      expect(windowRef.safeParse(ref).success, ref).toBe(false);
    for (const ref of ['0', '12', '@0', '@123', 'shell', 'claude-1', 'A_b-9'])
      expect(windowRef.safeParse(ref).success, ref).toBe(true);
  });
});
