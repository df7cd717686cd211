import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlParser, quoteTmuxArg, type ControlBlock } from './tmux-control-parser.js';
import { TmuxControl, TmuxError } from './tmux-control.js';

function parse(text: string, maxBlockBytes?: number) {
  const blocks: ControlBlock[] = [];
  const errors: string[] = [];
  const exits: string[] = [];
  const p = new ControlParser(
    { block: (b) => blocks.push(b), exit: (r) => exits.push(r), error: (m) => errors.push(m) },
    maxBlockBytes,
  );
  // Split at every character: lines may arrive in any pieces.
  for (const ch of text) p.push(ch);
  return { blocks, errors, exits };
}

describe('tmux control-mode parser (untrusted server output)', () => {
  it('reads blocks in order, ok and error, and ignores notifications and the attach block', () => {
    const r = parse(
      '%begin 1 263 0\n%end 1 263 0\n%session-changed $0 main\n%begin 1 264 1\na\nb\n%end 1 264 1\n%window-add @1\n%begin 1 265 1\nparse error\n%error 1 265 1\n%exit\n',
    );
    expect(r.blocks.map((b) => [b.number, b.fromClient, b.ok, b.lines])).toEqual([
      [263, false, true, []],
      [264, true, true, ['a', 'b']],
      [265, true, false, ['parse error']],
    ]);
    expect(r.exits).toEqual(['']);
  });

  it("a pane line that looks like another block's end is text; only the matching end closes the block", () => {
    const r = parse('%begin 5 300 1\n%end 5 299 1\n%error 6 300 1\n%end 5 300 0\n%begin 5 301 1\nreal\n%end 5 300 1\n');
    expect(r.blocks).toHaveLength(1);
    expect(r.blocks[0]!.lines).toEqual(['%end 5 299 1', '%error 6 300 1', '%end 5 300 0', '%begin 5 301 1', 'real']);
  });

  it('a flood cannot grow a block (or a line) past the limit: the channel fails instead', () => {
    expect(parse(`%begin 1 1 1\n${'x\n'.repeat(600)}%end 1 1 1\n`, 1000).errors).toEqual([
      'a tmux answer passed 1000 bytes',
    ]);
    const p = new ControlParser({ block: () => {}, exit: () => {}, error: (m) => errors.push(m) }, 1000);
    const errors: string[] = [];
    p.push('y'.repeat(1500));
    expect(errors).toEqual(['a line of tmux output passed 1000 bytes']);
  });
});

describe('quoting for tmux commands', () => {
  it('plain words stay plain; anything else is double-quoted with \\, ", $ and control characters escaped', () => {
    expect(quoteTmuxArg('send-keys')).toBe('send-keys');
    expect(quoteTmuxArg('@12')).toBe('@12');
    expect(quoteTmuxArg('')).toBe('""');
    expect(quoteTmuxArg('a b')).toBe('"a b"');
    expect(quoteTmuxArg('x; run-shell "id"')).toBe('"x; run-shell \\"id\\""');
    expect(quoteTmuxArg('$HOME\\n')).toBe('"\\$HOME\\\\n"');
    expect(quoteTmuxArg('l1\nl2\x01')).toBe('"l1\\nl2\\001"');
    expect(quoteTmuxArg('~root')).toBe('"~root"');
    expect(quoteTmuxArg('%if')).toBe('"%if"');
  });

  describe("against a real tmux server of the test's own", () => {
    let dir: string;
    let socket: string;
    let channel: TmuxControl;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'optagon-tmux-control-'));
      socket = join(dir, 's');
      await execa('tmux', ['-S', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', 'sleep 600']);
      channel = await TmuxControl.open({
        argv: ['tmux', '-u', '-S', socket, '-C', 'attach-session', '-t', 'main', '-f', 'no-output,ignore-size'],
        session: 'main',
      });
    });
    afterAll(async () => {
      channel?.close();
      await execa('tmux', ['-S', socket, 'kill-server'], { reject: false });
      rmSync(dir, { recursive: true, force: true });
    });

    it('every hostile string arrives byte for byte: no second command, no variable, no comment', async () => {
      const nasty = [
        'a; kill-server',
        'x \\; kill-server',
        '"; kill-server; "',
        "it's $HOME ${HOME} ~root #{pane_pid} #(id) # comment",
        'line1\nkill-server\nline3',
        '{ kill-server }',
        '%if 1\nkill-server\n%endif',
        'tab\tcr\resc\x1b[1mbell\x07del\x7f',
        'é 中 🙂',
        'x'.repeat(50_000),
      ];
      for (const [i, text] of nasty.entries()) {
        const file = join(dir, `b${i}`);
        await channel.run(['set-buffer', '-b', `t${i}`, '--', text]);
        await channel.run(['save-buffer', '-b', `t${i}`, file]);
        expect(readFileSync(file, 'utf8'), JSON.stringify(text.slice(0, 40))).toBe(text);
      }
      expect(await channel.run(['display-message', '-p', '#{session_name}'])).toBe('main'); // the server is still there
    });

    it('a command tmux refuses is a TmuxError with its words; the channel goes on', async () => {
      await expect(channel.run(['no-such-command'])).rejects.toThrow(TmuxError);
      await expect(channel.run(['no-such-command'])).rejects.toThrow(/unknown command/);
      expect(await channel.run(['display-message', '-p', 'still here'])).toBe('still here');
    });

    it('answers line up when many commands are in flight at once', async () => {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) => channel.run(['display-message', '-p', `n${i}`])),
      );
      expect(answers).toEqual(Array.from({ length: 200 }, (_, i) => `n${i}`));
    });
  });
});
