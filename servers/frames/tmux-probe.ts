import { execa } from 'execa';
import { existsSync } from 'node:fs';

/** True when the frame's tmux server answers on its host socket and has the session. */
export async function tmuxHasSession(socket: string, session = 'main'): Promise<boolean> {
  if (!existsSync(socket)) return false;
  try {
    const r = await execa('tmux', ['-S', socket, 'has-session', '-t', session], { reject: false, timeout: 5000 });
    return r.exitCode === 0;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new Error('tmux is not installed on this host; it is needed to reach frames: sudo apt-get install tmux');
    }
    throw err;
  }
}
