import type { FrameManager } from '../frames/frame-manager.js';
import type { FrameRecord, StateStore } from '../frames/state-store.js';
import type { OptagonHome } from '../shared/optagon-home.js';
import { readBeneath, UnsafeFileError } from '../shared/read-beneath.js';
import { FrameNotRunningError, type FrameTmux, type Reached, type WindowInfo } from '../tmux/frame-tmux.js';
import { mergeState, parseHookState, screenState, type HookState } from './agent-state.js';
import type { AgentStatus, Located } from './agent-status.js';
import type { AgentState } from './kinds/agent-kind.js';
import { agentKinds } from './kinds/index.js';
import { SessionFile, type AgentRecord } from './session-file.js';

const RUN_DIR_IN_FRAME = '/run/optagon/';
/** Where the hook script writes each agent's state, and Optagon hands an agent its environment. */
export const AGENT_DIR_IN_FRAME = '/run/optagon/agents';
const SCREEN_LINES = 40;

/**
 * Where the agents are and what state they are in: the list kept per frame in session.json (so
 * agents outlive the daemon), their hooks' state files (written by the hook script into the frame's
 * run directory and read without following links) and their screens, merged in agent-state.ts.
 */
export class AgentStates {
  constructor(private readonly deps: { frames: FrameManager; store: StateStore; tmux: FrameTmux; home: OptagonHome }) {}

  session(frame: FrameRecord): SessionFile {
    return new SessionFile(this.deps.home.frameSessionFile(frame.id));
  }

  /**
   * A file the frame wrote in its run directory (mounted at /run/optagon), read without following
   * links (see readBeneath): a link planted there is treated as no file.
   */
  runFile(frame: FrameRecord, inFrame: string, opts: { tailBytes?: number } = {}): string | undefined {
    if (!inFrame.startsWith(RUN_DIR_IN_FRAME)) return undefined;
    try {
      return readBeneath(this.deps.frames.socketDir(frame.id), inFrame.slice(RUN_DIR_IN_FRAME.length), opts)?.toString(
        'utf8',
      );
    } catch (err) {
      if (err instanceof UnsafeFileError) return undefined;
      throw err;
    }
  }

  hookState(frame: FrameRecord, name: string): HookState | undefined {
    return parseHookState(this.runFile(frame, `${AGENT_DIR_IN_FRAME}/${name}.json`));
  }

  /** "frame/name", or a name that only one frame has. */
  async locate(ref: string): Promise<Located> {
    const slash = ref.indexOf('/');
    const frames = slash > 0 ? [this.deps.frames.resolve(ref.slice(0, slash))] : this.deps.store.listFrames();
    const name = slash > 0 ? ref.slice(slash + 1) : ref;
    const found: Located[] = [];
    for (const frame of frames) {
      const records = this.session(frame)
        .read()
        .filter((a) => a.name === name);
      // A name may be reused after agent_stop: the live one, else the latest.
      const record = records.find((a) => !a.stoppedAt) ?? records[records.length - 1];
      if (record) found.push({ frame, record, kind: agentKinds[record.kind] });
    }
    if (!found.length)
      throw new Error(`no agent '${ref}'; agent_list shows the agents (refer to one as <frame>/<name>)`);
    if (found.length > 1) {
      throw new Error(
        `'${name}' names agents in several frames (${found.map((f) => f.frame.name).join(', ')}); say which: ${found[0]!.frame.name}/${name}`,
      );
    }
    return found[0]!;
  }

  async findWindow(located: Located): Promise<WindowInfo | undefined> {
    const { windows } = await this.deps.tmux.listWindows(located.frame.id);
    return windows.find((w) => w.id === located.record.windowId);
  }

  async statusOf(located: Located): Promise<AgentStatus> {
    const { frame, record, kind } = located;
    const base = {
      agent: `${frame.name}/${record.name}`,
      frame: frame.name,
      name: record.name,
      kind: record.kind,
      createdAt: record.createdAt,
      worktree: record.worktree ?? null,
    };
    const exited = (lastLines = ''): AgentStatus => {
      if (record.lastState !== 'exited' && !record.stoppedAt) this.remember(located, 'exited');
      return { ...base, state: 'exited', source: 'screen', window: null, since: record.stoppedAt ?? null, lastLines };
    };
    if (record.stoppedAt) return exited();
    const screen = await this.screen(located);
    if (!screen) return exited(); // its window closed, or it ended with its frame
    const { window, text } = screen;
    const hook = kind.hooks ? this.freshHook(frame, record) : undefined;
    const { state, source } = mergeState(hook, screenState(kind, text));
    if (state !== record.lastState) this.remember(located, state);
    return {
      ...base,
      state,
      source,
      window: window.id,
      since: source === 'hook' && hook ? hook.at : null,
      lastLines: text,
    };
  }

  /** The agent's window and its screen now; undefined when the frame is down or the window gone. */
  async screen(located: Located): Promise<{ window: WindowInfo; text: string } | undefined> {
    let at: Reached;
    try {
      at = await this.deps.tmux.reach(located.frame.id);
    } catch (err) {
      if (err instanceof FrameNotRunningError) return undefined;
      throw err;
    }
    const window = (await this.deps.tmux.windowsAt(at)).find((w) => w.id === located.record.windowId);
    if (!window || window.dead) return undefined;
    const { text } = await this.deps.tmux.captureAt(at, window.id, { lines: SCREEN_LINES, ansi: false });
    return { window, text };
  }

  /** Keeps a changed state in session.json (only on change: status is polled often). */
  private remember(located: Located, state: AgentState): void {
    const at = Date.now();
    located.record.lastState = state;
    located.record.lastStateAt = at;
    this.session(located.frame).update((list) =>
      list.map((a) =>
        a.name === located.record.name && !a.stoppedAt ? { ...a, lastState: state, lastStateAt: at } : a,
      ),
    );
  }

  /** The hook state written for this agent (not for an earlier one of the same name). */
  private freshHook(frame: FrameRecord, record: AgentRecord): HookState | undefined {
    const hook = this.hookState(frame, record.name);
    return hook && hook.at >= record.createdAt - 1000 ? hook : undefined;
  }
}
