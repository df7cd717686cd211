import { runCommand } from '../shared/run-command.js';

/**
 * Runs one tmux command against a frame's server socket. Arguments go to tmux as an array (no
 * shell), and text a user or an agent sends never becomes a tmux argument that tmux would parse as
 * a key name: see TmuxWindows.sendText. Failures carry tmux's own message.
 */
export async function tmux(socket: string, args: readonly string[], input?: string): Promise<string> {
  const r = await runCommand('tmux', ['-S', socket, ...args], { timeoutMs: 10_000, ...(input !== undefined ? { input } : {}) });
  if (r.code === 'ENOENT') throw new Error('tmux is not installed on this host; it is needed to reach frames: sudo apt-get install tmux');
  if (r.exitCode !== 0) throw new TmuxError(r.stderr.trim() || `tmux ${args[0]} exited ${r.exitCode}`);
  return r.stdout;
}

export class TmuxError extends Error {}
