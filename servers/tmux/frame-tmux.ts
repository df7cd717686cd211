import { randomUUID } from 'node:crypto';
import { FRAME_SESSION } from '../frames/frame-channels.js';
import type { FrameManager } from '../frames/frame-manager.js';
import type { FrameRecord } from '../frames/state-store.js';
import { TmuxChannelClosed, TmuxError, type TmuxControl } from '../frames/tmux-control.js';
import { sleep } from '../shared/sleep.js';

/** The session every frame's tmux server runs (frame-image/entrypoint.sh). */
export const SESSION = FRAME_SESSION;

export interface WindowInfo {
  index: number;
  id: string;
  name: string;
  active: boolean;
  command: string;
  pid: number;
  dead: boolean;
  cwd: string;
  width: number;
  height: number;
}

export interface Capture {
  text: string;
  lines: number;
}

export type WaitOutcome = 'matched' | 'quiet' | 'timeout';

export interface WaitResult {
  outcome: WaitOutcome;
  match?: string;
  elapsedMs: number;
  text: string;
}

const FORMAT = [
  '#{window_index}',
  '#{window_id}',
  '#{window_name}',
  '#{window_active}',
  '#{pane_current_command}',
  '#{pane_pid}',
  '#{pane_dead}',
  '#{pane_current_path}',
  '#{pane_width}',
  '#{pane_height}',
].join('\t');

function parseWindow(line: string): WindowInfo {
  const [index, id, name, active, command, pid, dead, cwd, width, height] = line.split('\t');
  return {
    index: Number(index),
    id: id!,
    name: name!,
    active: active === '1',
    command: command!,
    pid: Number(pid),
    dead: dead === '1',
    cwd: cwd!,
    width: Number(width),
    height: Number(height),
  };
}

/** The pause between text and the Enter after it (see sendText). */
const ENTER_AFTER_TEXT_MS = 60;

/** The frame exists but does not run, so it has no tmux server to reach. */
export class FrameNotRunningError extends Error {}

/** A running frame and the channel into its tmux server. */
export interface Reached {
  frame: FrameRecord;
  channel: TmuxControl;
}

/**
 * The tmux server of each running frame, reached through its control channel (tmux runs inside the
 * container; see FrameChannels). Text goes in literally (send-keys -l, or a paste buffer); keys only
 * by name; every window target is checked before use, so a wrong name is "no window 'x'" rather
 * than tmux's guess. What comes back is the frame's to say: it is shown, never acted on.
 */
export class FrameTmux {
  constructor(private readonly frames: FrameManager) {}

  /** The frame, once it is known to run, and the channel to its tmux server. */
  async reach(ref: string): Promise<Reached> {
    const frame = await this.frames.get(ref);
    if (frame.status !== 'running') {
      throw new FrameNotRunningError(
        `frame '${frame.name}' is ${frame.status}, not running; start it with frame_start {"frame": "${frame.name}"}`,
      );
    }
    try {
      return { frame, channel: await this.frames.tmux(frame) };
    } catch (err) {
      throw notAnswering(frame, err as Error);
    }
  }

  async listWindows(ref: string): Promise<{ frame: FrameRecord; windows: WindowInfo[] }> {
    const at = await this.reach(ref);
    return { frame: at.frame, windows: await this.windowsAt(at) };
  }

  /** The windows, for a caller that has already reached the frame (see `reach`). */
  async windowsAt(at: Reached): Promise<WindowInfo[]> {
    const out = await this.run(at, ['list-windows', '-t', SESSION, '-F', FORMAT]);
    return out ? out.split('\n').map(parseWindow) : [];
  }

  /** One window, or an error naming the windows there are. */
  async window(ref: string, window: string): Promise<Reached & { window: WindowInfo }> {
    const at = await this.reach(ref);
    const windows = await this.windowsAt(at);
    const found = windows.find((w) => String(w.index) === window || w.id === window || w.name === window);
    if (!found) {
      const names = windows.map((w) => `${w.index}:${w.name}`).join(', ') || 'none';
      throw new Error(
        `frame '${at.frame.name}' has no window '${window}'; its windows are ${names} (tmux_list_windows)`,
      );
    }
    return { ...at, window: found };
  }

  /** A background window in `cwd` running `command` (an interactive shell without one). */
  async newWindow(
    ref: string,
    opts: { name?: string; command?: string; cwd?: string },
  ): Promise<{ frame: FrameRecord; window: WindowInfo }> {
    const at = await this.reach(ref);
    if (opts.name && (await this.windowsAt(at)).some((w) => w.name === opts.name)) {
      throw new Error(
        `frame '${at.frame.name}' already has a window named '${opts.name}'; pick another name or use that window`,
      );
    }
    // -c always: without it tmux starts the window in the cwd of the client.
    const args = ['new-window', '-d', '-P', '-F', FORMAT, '-t', `${SESSION}:`, '-c', opts.cwd ?? '/workspace'];
    if (opts.name) args.push('-n', opts.name);
    // The command is run by the frame's shell inside the container, as typed in a terminal there.
    if (opts.command) args.push(opts.command);
    const out = await this.run(at, args);
    return { frame: at.frame, window: parseWindow(out.split('\n')[0]!) };
  }

  /**
   * Sends text exactly as given. One line goes through `send-keys -l` (literal: no key names);
   * several lines through a paste buffer, pasted bracketed when the program asked for bracketed
   * paste, so a shell or an agent takes it as one input rather than running each line. `enter`
   * presses Enter afterwards.
   */
  async sendText(
    ref: string,
    window: string,
    text: string,
    enter: boolean,
  ): Promise<{ frame: FrameRecord; window: WindowInfo }> {
    const at = await this.window(ref, window);
    const target = at.window.id;
    if (text.includes('\n')) {
      const buffer = `optagon-${randomUUID()}`;
      await this.run(at, ['set-buffer', '-b', buffer, '--', text]);
      await this.run(at, ['paste-buffer', '-d', '-p', '-b', buffer, '-t', target]);
    } else if (text) {
      await this.run(at, ['send-keys', '-t', target, '-l', '--', text]);
    }
    if (enter) {
      // Over the control channel the text lands in well under a millisecond; a terminal program that
      // tells a paste from typing by timing (OpenCode does) would take an Enter right behind it as part
      // of the paste, a new line rather than a submit. A pause as short as a person's keeps it a key.
      if (text) await sleep(ENTER_AFTER_TEXT_MS);
      await this.run(at, ['send-keys', '-t', target, 'Enter']);
    }
    return { frame: at.frame, window: at.window };
  }

  /** Sends named keys (already checked against the allow-list), in order. */
  async sendKeys(
    ref: string,
    window: string,
    keys: readonly string[],
  ): Promise<{ frame: FrameRecord; window: WindowInfo }> {
    const at = await this.window(ref, window);
    await this.run(at, ['send-keys', '-t', at.window.id, ...keys]);
    return { frame: at.frame, window: at.window };
  }

  /** The last `lines` lines of the pane (visible screen and scrollback), wrapped lines joined. */
  async capture(
    ref: string,
    window: string,
    opts: { lines: number; ansi: boolean },
  ): Promise<Capture & { frame: FrameRecord; window: WindowInfo }> {
    const at = await this.window(ref, window);
    const text = await this.captureAt(at, at.window.id, opts);
    return { ...text, frame: at.frame, window: at.window };
  }

  /** The screen of a window, for a caller that has already reached the frame. */
  async captureAt(at: Reached, target: string, opts: { lines: number; ansi: boolean }): Promise<Capture> {
    const args = ['capture-pane', '-p', '-J', '-t', target, '-S', `-${opts.lines}`];
    if (opts.ansi) args.push('-e');
    const all = (await this.run(at, args)).split('\n');
    while (all.length && !all[all.length - 1]!.trim()) all.pop(); // the empty rows under the cursor
    const kept = all.slice(-opts.lines);
    return { text: kept.join('\n'), lines: kept.length };
  }

  /**
   * Waits until `pattern` appears in the pane, or (with `quietMs`) until the pane has not changed
   * for that long, whichever comes first; gives up after `timeoutMs` and says which happened.
   */
  async waitFor(
    ref: string,
    window: string,
    opts: { pattern?: RegExp; quietMs?: number; timeoutMs: number; lines: number; signal?: AbortSignal },
  ): Promise<WaitResult & { frame: FrameRecord; window: WindowInfo }> {
    const at = await this.window(ref, window);
    const { frame, window: w } = at;
    const started = Date.now();
    let last = '';
    let lastChange = started;
    for (;;) {
      const { text } = await this.captureAt(at, w.id, { lines: opts.lines, ansi: false });
      const now = Date.now();
      if (text !== last) ((last = text), (lastChange = now));
      const m = opts.pattern?.exec(text);
      if (m) return { outcome: 'matched', match: m[0], elapsedMs: now - started, text, frame, window: w };
      if (opts.quietMs !== undefined && now - lastChange >= opts.quietMs)
        return { outcome: 'quiet', elapsedMs: now - started, text, frame, window: w };
      if (now - started >= opts.timeoutMs || opts.signal?.aborted)
        return { outcome: 'timeout', elapsedMs: now - started, text, frame, window: w };
      await sleep(50);
    }
  }

  async killWindow(ref: string, window: string): Promise<{ frame: FrameRecord; window: WindowInfo }> {
    const at = await this.window(ref, window);
    await this.run(at, ['kill-window', '-t', at.window.id]);
    return { frame: at.frame, window: at.window };
  }

  /** One command on the frame's channel, with its failures told in terms of the frame. */
  private async run(at: Reached, args: string[]): Promise<string> {
    try {
      return await at.channel.run(args);
    } catch (err) {
      if (err instanceof TmuxError) throw new Error(`tmux in frame '${at.frame.name}': ${err.message}`);
      if (err instanceof TmuxChannelClosed) throw notAnswering(at.frame, err);
      throw err;
    }
  }
}

const notAnswering = (frame: FrameRecord, err: Error) =>
  new Error(
    `frame '${frame.name}' runs but its tmux server does not answer (${err.message}); frame_restart {"frame": "${frame.name}"} starts a new one`,
  );
