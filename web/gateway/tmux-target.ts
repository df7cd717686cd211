import { execa } from 'execa';
import type { FrameManager } from '../../servers/frames/frame-manager.js';
import type { ErrorCode } from './protocol.js';

export interface TmuxTarget {
  socket: string;
  /** `main` or `main:<window>`, as tmux attach takes it. */
  target: string;
  /** The window's index, as the client is told it. */
  windowId: string;
  /** The pane's recent history and current screen, lines ended with CR LF. */
  scrollback: string;
}

const tmux = (socket: string, ...args: string[]) => execa('tmux', ['-S', socket, ...args], { reject: false, timeout: 5_000 });

/**
 * Finds what an attach asks for before anything is spawned: the frame running, its tmux server
 * answering, the window there. Then reads the pane's screen and last `lines` of history.
 */
export async function tmuxTarget(frames: FrameManager, frameId: string, windowId: string | undefined, lines: number): Promise<TmuxTarget | { code: ErrorCode; message: string }> {
  const info = await frames.attach(frameId);
  const name = info.frame.name;
  if (info.frame.status !== 'running') return { code: 'not_running', message: `frame '${name}' is ${info.frame.status}; start it first (optagon frame start ${name})` };
  const target = windowId === undefined ? 'main' : `main:${windowId}`;
  const probe = await tmux(info.socket, 'display-message', '-p', '-t', target, '#{window_index}');
  if (probe.exitCode !== 0) {
    if (windowId !== undefined && /can't find window|window not found/i.test(probe.stderr)) {
      const windows = await tmux(info.socket, 'list-windows', '-t', 'main', '-F', '#{window_index}:#{window_name}');
      return { code: 'not_found', message: `frame '${name}' has no window '${windowId}'; its windows: ${windows.stdout.split('\n').join(', ') || 'none'}` };
    }
    return { code: 'not_running', message: `the tmux session of frame '${name}' does not answer (${probe.stderr.trim() || `exit ${probe.exitCode}`}); try optagon frame start ${name}` };
  }
  const history = lines > 0 ? await tmux(info.socket, 'capture-pane', '-p', '-e', '-t', target, '-S', String(-lines)) : undefined;
  // capture-pane pads the screen with empty lines below the cursor: those are dropped.
  const text = history?.exitCode === 0 ? history.stdout.replace(/\n+$/, '') : '';
  return { socket: info.socket, target, windowId: probe.stdout.trim(), scrollback: text ? text.split('\n').join('\r\n') + '\r\n' : '' };
}
