import { describe, expect, it } from 'vitest';
import { parseDiff } from './frame-git.js';

const BASE = 'a'.repeat(40);
const NUL = '\x00';
const HEAD = `${BASE}${NUL}${'b'.repeat(40)} 1700000000 Checkpoint of a\n${NUL}`;

describe('parseDiff', () => {
  it('reads the files, the size and the patch, keeping the patch whole', () => {
    const patch = 'diff --git a/x b/x\n+one\n';
    const records = ['1\t0\tx', '-\t-\tlogo.png', '0\t2\ta\tb.txt'].map((r) => r + NUL).join('');
    expect(parseDiff(`${HEAD}${records}${NUL}${patch.length}\n${patch}${NUL}`, 1000)).toEqual({
      base: BASE,
      checkpoints: [{ commit: 'b'.repeat(40), at: 1700000000, subject: 'Checkpoint of a' }],
      files: [
        { path: 'x', added: 1, removed: 0 },
        { path: 'logo.png', added: null, removed: null },
        { path: 'a\tb.txt', added: 0, removed: 2 },
      ],
      patch,
      bytes: patch.length,
      truncated: false,
    });
  });

  it('says when the patch was cut, and reads an empty diff', () => {
    expect(parseDiff(`${HEAD}1\t0\tx${NUL}${NUL}5000\ndiff --g${NUL}`, 8)).toMatchObject({
      bytes: 5000,
      patch: 'diff --g',
      truncated: true,
    });
    expect(parseDiff(`${BASE}${NUL}${NUL}${NUL}0\n${NUL}`, 8)).toEqual({
      base: BASE,
      checkpoints: [],
      files: [],
      patch: '',
      bytes: 0,
      truncated: false,
    });
  });

  it('refuses output that was cut short', () => {
    expect(() => parseDiff(`${HEAD}1\t0\tx${NUL}`, 8)).toThrow(/cut short/);
    expect(() => parseDiff(`1\t0\tx${NUL}`, 8)).toThrow(/cut short/);
    expect(() => parseDiff(`${HEAD}${NUL}garbage${NUL}`, 8)).toThrow(/without its size/);
  });
});
