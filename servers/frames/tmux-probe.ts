import { runCommand } from '../shared/run-command.js';
import { existsSync } from 'node:fs';

/** True when the frame's tmux server answers on its host socket and has the session. */
export async function tmuxHasSession(socket: string, session = 'main'): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const r = await runCommand('tmux', ['-S', socket, 'has-session', '-t', session], { timeoutMs: 5000 });
  if (r.code === 'ENOENT') throw new Error('tmux is not installed on this host; it is needed to reach frames: sudo apt-get install tmux');
  return r.exitCode === 0;
}
