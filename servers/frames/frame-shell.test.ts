import { describe, expect, it } from 'vitest';
import { FrameShell, FrameShells } from './frame-shell.js';

// The kept shell over a local `sh -s` (in a frame it is `podman exec -i <ctr> sh -s`: the same protocol).
describe('FrameShell', () => {
  it('runs argv as given (no shell reads it), keeping bytes, exit codes and stderr apart; in order', async () => {
    const shell = new FrameShell(['sh', '-s']);
    try {
      const tricky = `it's $(id) \`id\` "quoted"\nand a second line`;
      const [echoed, failed, bytes] = await Promise.all([
        shell.run(['printf', '%s', tricky]),
        shell.run(['sh', '-c', 'echo out; echo err >&2; exit 3']),
        shell.run(['printf', 'a\\0b\\tc\\n\\n']),
      ]);
      expect(echoed).toEqual({ exitCode: 0, stdout: tricky, stderr: '', timedOut: false });
      expect(failed).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err', timedOut: false }); // one final newline dropped, as runCommand
      expect(bytes.stdout).toBe('a\0b\tc\n');
      // A command that reads stdin reads nothing: the commands after it still arrive.
      expect((await shell.run(['cat'])).stdout).toBe('');
      expect((await shell.run(['echo', 'still here'])).stdout).toBe('still here');
      // A builtin's name runs the program (env): `cd` cannot move the shell itself.
      expect((await shell.run(['cd', '/'])).exitCode).not.toBe(0);
      expect((await shell.run(['pwd'])).stdout).toBe(process.cwd());
    } finally {
      shell.close();
    }
  });

  it('a command past its time ends the shell; what was asked after it is told the shell is gone', async () => {
    const shell = new FrameShell(['sh', '-s']);
    const [slow, next] = await Promise.all([shell.run(['sleep', '5'], 300), shell.run(['echo', 'x'])]);
    expect(slow).toMatchObject({ timedOut: true });
    expect(next).toMatchObject({ code: 'ECLOSED' });
    expect(shell.closed).toBe(true);
    expect(await shell.run(['echo', 'x'])).toMatchObject({ code: 'ECLOSED' });
  });

  it('a shell that cannot start, or that ends, answers ECLOSED (the caller falls back to podman exec)', async () => {
    const missing = new FrameShell(['/nonexistent/podman', 'exec']);
    expect(await missing.run(['true'])).toMatchObject({ code: 'ECLOSED' });
    const quits = new FrameShell(['sh', '-c', 'exit 0']);
    expect(await quits.run(['true'])).toMatchObject({ code: 'ECLOSED' });
  });

  it('a frame keeps at most three: a busy one is not waited on, and past three the caller uses podman exec', async () => {
    const shells = new FrameShells(() => ['sh', '-s']);
    try {
      const first = shells.take('f', 'c')!;
      expect(shells.take('f', 'c')).toBe(first); // idle: the same one again
      const long = first.run(['sleep', '1']);
      const second = shells.take('f', 'c')!;
      expect(second).not.toBe(first);
      const longer = second.run(['sleep', '1']);
      const third = shells.take('f', 'c')!;
      const longest = third.run(['sleep', '1']);
      expect(shells.take('f', 'c')).toBeUndefined();
      await Promise.all([long, longer, longest]);
      expect(shells.take('f', 'c')).toBe(first);
    } finally {
      shells.closeAll();
    }
  });
});
