import { randomUUID } from 'node:crypto';
import type { FrameManager } from '../../servers/frames/frame-manager.js';
import { TmuxError } from '../../servers/frames/tmux-control.js';
import { windowTarget } from '../../servers/tmux/schemas.js';
import type { ErrorCode } from './protocol.js';

export interface TmuxTarget {
  /** argv of the terminal's tmux client: it runs inside the container, on the pty it is spawned in (terminalInFrame). */
  command: string[];
  /** Tells that client its pty was resized (it is not the client's controlling terminal). */
  resized(): Promise<void>;
  /** The window's index, as the client is told it. */
  windowId: string;
  /** The pane's recent history and current screen, lines ended with CR LF. */
  scrollback: string;
}

/**
 * Finds what an attach asks for before anything is spawned: the frame running, its tmux server
 * answering on the frame's control channel, the window there. Then reads the pane's screen and
 * last `lines` of history.
 */
export async function tmuxTarget(
  frames: FrameManager,
  frameId: string,
  windowId: string | undefined,
  lines: number,
  opts: { readOnly: boolean },
): Promise<TmuxTarget | { code: ErrorCode; message: string }> {
  const info = await frames.attach(frameId);
  const name = info.frame.name;
  if (info.frame.status !== 'running')
    return {
      code: 'not_running',
      message: `frame '${name}' is ${info.frame.status}; start it first (optagon frame start ${name})`,
    };
  // An exact target: a name never matches as a prefix or pattern of another window's.
  const target = windowId === undefined ? 'main' : windowTarget('main', windowId);
  const notAnswering = (err: unknown) => ({
    code: 'not_running' as const,
    message: `the tmux session of frame '${name}' does not answer (${(err as Error).message}); try optagon frame restart ${name}`,
  });
  let channel;
  try {
    channel = await frames.tmux(info.frame);
  } catch (err) {
    return notAnswering(err);
  }
  let index: string;
  try {
    // list-panes, not display-message: that one falls back to the current window when the target is missing.
    index = (await channel.run(['list-panes', '-t', target, '-F', '#{window_index}'])).split('\n')[0]!.trim();
  } catch (err) {
    if (windowId !== undefined && err instanceof TmuxError && /can't find window|window not found/i.test(err.message)) {
      const windows = await channel
        .run(['list-windows', '-t', 'main', '-F', '#{window_index}:#{window_name}'])
        .catch(() => '');
      return {
        code: 'not_found',
        message: `frame '${name}' has no window '${windowId}'; its windows: ${windows.split('\n').join(', ') || 'none'}`,
      };
    }
    return notAnswering(err);
  }
  const history =
    lines > 0
      ? await channel.run(['capture-pane', '-p', '-e', '-t', target, '-S', String(-lines)]).catch(() => '')
      : '';
  // capture-pane pads the screen with empty lines below the cursor: those are dropped.
  const text = history.replace(/\n+$/, '');
  const attach = ['attach-session', '-t', target, ...(opts.readOnly ? ['-f', 'read-only,ignore-size'] : [])];
  const client = randomUUID();
  return {
    command: frames.terminalCommand(info.frame, attach, client),
    resized: () => frames.clientResized(info.frame, client),
    windowId: index,
    scrollback: text ? text.split('\n').join('\r\n') + '\r\n' : '',
  };
}
