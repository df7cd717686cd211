import type { FrameManager } from '../frames/frame-manager.js';
import type { FrameRecord, StateStore } from '../frames/state-store.js';
import type { OptagonHome } from '../shared/optagon-home.js';
import { readBeneath, UnsafeFileError } from '../shared/read-beneath.js';
import { FrameNotRunningError, type FrameTmux, type Reached, type WindowInfo } from '../tmux/frame-tmux.js';
import { mergeState, parseHookState, screenState, type HookState } from './agent-state.js';
import {
  BROWSER_SERVER_IN_FRAME,
  browserServerBundle,
  CLAUDE_CONFIG_DIR_IN_FRAME,
  claudeConfigFiles,
} from './claude-config.js';
import type { AgentKind, AgentState } from './kinds/agent-kind.js';
import { agentKinds, type AgentKindName } from './kinds/index.js';
import { SessionFile, type AgentRecord } from './session-file.js';
import { lastReplyFromTranscript } from './transcript.js';
import { ScreenDriver } from './screen-driver.js';
import type { MergeResult, MergeStrategy, WorkDiff } from './frame-git.js';
import { AgentWorktrees, type Owned, type Progress } from './agent-worktrees.js';
import type { AgentStatus, Located } from './agent-status.js';
import { sleep } from '../shared/sleep.js';

export interface SpawnInput {
  frame: string;
  kind: AgentKindName;
  task?: string;
  name?: string;
  /** Its own work tree and branch, or /workspace itself; default: the frame config's, else worktree in a git repository. */
  workspace?: 'shared' | 'worktree';
  /** The branch or commit a work tree starts from; default: the branch /workspace has checked out. */
  base?: string;
  /** The work tree's branch; default: agents.branch_prefix (optagon/) and the agent's name. */
  branch?: string;
}

const RUN_DIR_IN_FRAME = '/run/optagon/';
const AGENT_DIR_IN_FRAME = '/run/optagon/agents';
/** The most of a transcript read for the latest reply: its end is what holds it. */
const TRANSCRIPT_TAIL_BYTES = 4 * 1024 * 1024;
const SCREEN_LINES = 40;
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Coding agents (Claude Code, OpenCode) running in tmux windows of frames. Each agent is a window
 * running the agent CLI; its state comes from the CLI's hooks (written by the hook script into
 * the frame's host-mounted /run/optagon/agents) and from its screen, merged in agent-state.ts.
 * The list of agents is kept per frame in session.json, so agents outlive the daemon.
 */
/**
 * How long after a message an idle read from the screen alone is doubted: a CLI under load can show
 * its idle prompt for a moment after taking the message in, before it draws that it is busy.
 */
const SCREEN_DOUBT_AFTER_SEND_MS = 8000;
/** The key of `AgentManager.sentAt`: an agent by frame id and name. */
const sentKey = (located: { frame: { id: string }; record: { name: string } }) =>
  `${located.frame.id}/${located.record.name}`;

export class AgentManager {
  /** When each agent (frame id/name) was last sent a message by this process. */
  private readonly sentAt = new Map<string, number>();

  /** Types into the agents' windows and waits out their start-up. */
  private readonly driver: ScreenDriver;
  /** The agents' own git work trees, through git inside the frames. */
  private readonly worktrees: AgentWorktrees;

  constructor(
    private readonly deps: {
      frames: FrameManager;
      store: StateStore;
      tmux: FrameTmux;
      home: OptagonHome;
      env?: NodeJS.ProcessEnv;
    },
  ) {
    this.worktrees = new AgentWorktrees({
      frames: deps.frames,
      store: deps.store,
      session: (frame) => this.session(frame),
    });
    this.driver = new ScreenDriver({
      tmux: deps.tmux,
      store: deps.store,
      screen: (located) => this.screen(located),
      status: (located) => this.statusOf(located),
      sent: (located, at) => void this.sentAt.set(sentKey(located), at),
    });
  }

  private session(frame: FrameRecord): SessionFile {
    return new SessionFile(this.deps.home.frameSessionFile(frame.id));
  }

  /**
   * A file the frame wrote in its run directory (mounted at /run/optagon), read without following
   * links (see readBeneath): a link planted there is treated as no file.
   */
  private runFile(frame: FrameRecord, inFrame: string, opts: { tailBytes?: number } = {}): string | undefined {
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

  private hookState(frame: FrameRecord, name: string): HookState | undefined {
    return parseHookState(this.runFile(frame, `${AGENT_DIR_IN_FRAME}/${name}.json`));
  }

  /** Opens a window running the agent, answers its startup dialogs, waits for its prompt, then gives it the task. */
  async spawn(input: SpawnInput, progress: Progress = () => {}): Promise<AgentStatus> {
    const kind = agentKinds[input.kind];
    const { frame } = await this.deps.tmux.reach(input.frame);
    const agents = this.session(frame).read();
    const live = agents.filter((a) => !a.stoppedAt);
    const name = input.name ?? nextName(input.kind, agents);
    if (live.some((a) => a.name === name)) {
      throw new Error(
        `frame '${frame.name}' already has an agent named '${name}'; pick another name or agent_stop it first`,
      );
    }
    const config = this.deps.frames.getConfig(frame.id).config.agents ?? {};
    const permissionMode = config.permission_mode ?? 'acceptEdits';
    const worktree = await this.worktrees.make(frame, name, input.workspace ?? config.workspace, {
      ...(input.base ? { base: input.base } : {}),
      branch: input.branch ?? `${config.branch_prefix ?? 'optagon/'}${name}`,
      ...(config.worktree_setup ? { setup: config.worktree_setup } : {}),
      progress,
    });
    let record: AgentRecord;
    try {
      // The environment goes through a file the window sources and removes: keys stay out of argv.
      // Every file goes in by a write inside the frame: the host never writes where the frame can plant links.
      const env = this.environment(kind, name, config.env ?? {});
      const files: Array<{ path: string; content: string | null }> = [
        { path: `${AGENT_DIR_IN_FRAME}/${name}.json`, content: null }, // the last agent of this name's state
        {
          path: `${AGENT_DIR_IN_FRAME}/${name}.env`,
          content: Object.entries(env)
            .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
            .join(''),
        },
      ];
      if (kind.kind === 'claude') {
        const browser = browserServerBundle();
        const current = {
          state: this.runFile(frame, `${CLAUDE_CONFIG_DIR_IN_FRAME}/.claude.json`),
          settings: this.runFile(frame, `${CLAUDE_CONFIG_DIR_IN_FRAME}/settings.json`),
        };
        const config = claudeConfigFiles(current, {
          browserServer: browser !== undefined,
          trusted: worktree ? ['/workspace', worktree.path] : ['/workspace'],
          ...(env.ANTHROPIC_API_KEY ? { apiKey: env.ANTHROPIC_API_KEY } : {}),
        });
        for (const [file, content] of Object.entries(config))
          files.push({ path: `${CLAUDE_CONFIG_DIR_IN_FRAME}/${file}`, content });
        if (browser !== undefined) files.push({ path: BROWSER_SERVER_IN_FRAME, content: browser });
      }
      await this.deps.frames.writeFiles(frame, files);
      const inFrame = shellQuote(`${AGENT_DIR_IN_FRAME}/${name}.env`);
      const command = `. ${inFrame} && rm -f ${inFrame} && exec ${[kind.program, ...kind.args({ permissionMode })].map(shellQuote).join(' ')}`;

      await progress(`opening window '${name}' in frame '${frame.name}'`);
      const { window } = await this.deps.tmux.newWindow(frame.id, {
        name,
        command,
        cwd: worktree?.path ?? '/workspace',
      });
      record = {
        name,
        kind: input.kind,
        windowId: window.id,
        permissionMode,
        createdAt: Date.now(),
        ...(input.task ? { task: input.task } : {}),
        ...(worktree ? { worktree } : {}),
      };
      this.session(frame).update((list) => [...list.filter((a) => a.name !== name), record]);
    } catch (err) {
      // Nothing of the agent's is in the work tree yet: it goes with the failed spawn.
      if (worktree) await this.worktrees.remove(frame, worktree).catch(() => undefined);
      throw err;
    }
    this.deps.store.addEvent(frame.id, 'agent_spawned', {
      agent: name,
      kind: input.kind,
      window: record.windowId,
      ...(worktree ? { branch: worktree.branch, base: worktree.base } : {}),
    });

    await progress(`waiting for ${kind.program} to show its prompt`);
    await this.driver.untilReady({ frame, record, kind });
    if (input.task) {
      await progress('sending the task');
      await this.driver.typeMessage({ frame, record, kind }, input.task);
    }
    return this.statusOf({ frame, record, kind });
  }

  async send(ref: string, message: string): Promise<AgentStatus> {
    const located = await this.locate(ref);
    const before = await this.statusOf(located);
    if (before.state === 'exited')
      throw new Error(`agent '${before.agent}' has exited; spawn a new one with agent_spawn`);
    if (before.state === 'waiting_for_permission') {
      throw new Error(
        `agent '${before.agent}' is waiting for permission; answer it with agent_approve {"agent": "${before.agent}", "decision": "allow"} or "deny" first`,
      );
    }
    if (before.state === 'starting') await this.driver.untilReady(located);
    await this.driver.typeMessage(located, message);
    return this.statusOf(located);
  }

  async status(ref: string): Promise<AgentStatus> {
    return this.statusOf(await this.locate(ref));
  }

  /**
   * Waits until the agent is idle (or needs someone: waiting for permission, or exited), or, for
   * `any_change`, until its state differs from when the wait began; at most `timeoutMs`.
   */
  async wait(
    ref: string,
    until: 'idle' | 'any_change',
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<AgentStatus & { reached: boolean; waitedMs: number }> {
    const located = await this.locate(ref);
    const started = Date.now();
    const first = await this.statusOf(located);
    const sent = this.sentAt.get(sentKey(located)) ?? 0;
    let sawWork = false;
    const done = (s: AgentStatus) => {
      if (until === 'any_change') return s.state !== first.state;
      if (s.state === 'working' || s.state === 'starting') {
        sawWork = true;
        return false;
      }
      return s.state !== 'idle' || s.source === 'hook' || sawWork || Date.now() - sent >= SCREEN_DOUBT_AFTER_SEND_MS;
    };
    let s = first;
    while (!done(s)) {
      if (Date.now() - started >= timeoutMs || signal?.aborted)
        return { ...s, reached: false, waitedMs: Date.now() - started };
      await sleep(50);
      s = await this.statusOf(located);
    }
    return { ...s, reached: true, waitedMs: Date.now() - started };
  }

  /** The agent's latest reply: from its last Stop hook, else its transcript (Claude Code), else its screen. */
  async read(
    ref: string,
  ): Promise<{ agent: string; state: AgentState; text: string; source: 'transcript' | 'hook' | 'screen' }> {
    const located = await this.locate(ref);
    const status = await this.statusOf(located);
    const hook = this.hookState(located.frame, located.record.name);
    // The Stop hook carries the turn's last message at once; the transcript is written a moment later.
    const last = hook?.event === 'Stop' ? hook.input?.last_assistant_message : undefined;
    if (typeof last === 'string' && last)
      return { agent: status.agent, state: status.state, text: last, source: 'hook' };
    const transcript = hook?.input?.transcript_path;
    if (typeof transcript === 'string') {
      const log = this.runFile(located.frame, transcript, { tailBytes: TRANSCRIPT_TAIL_BYTES });
      const text = log === undefined ? undefined : lastReplyFromTranscript(log);
      if (text) return { agent: status.agent, state: status.state, text, source: 'transcript' };
    }
    return { agent: status.agent, state: status.state, text: status.lastLines, source: 'screen' };
  }

  /** Answers the agent's open permission dialog: allow (`1` in Claude Code's menu) or deny (Escape). */
  async approve(ref: string, decision: 'allow' | 'deny'): Promise<AgentStatus> {
    const located = await this.locate(ref);
    // The PermissionRequest hook fires a moment before the dialog is drawn: give the screen time.
    let before = await this.statusOf(located);
    const drawBy = Date.now() + 3000;
    while (screenState(located.kind, before.lastLines) !== 'waiting_for_permission') {
      if (before.state !== 'waiting_for_permission' || Date.now() > drawBy) {
        throw new Error(
          `agent '${before.agent}' shows no permission dialog (it is ${before.state}); agent_status shows its screen`,
        );
      }
      await sleep(50);
      before = await this.statusOf(located);
    }
    // Claude Code ignores keys for a moment after it draws a dialog (so typing ahead cannot answer
    // it by accident): wait a little, and press again if the dialog is still there.
    const showing = (st: AgentStatus) => screenState(located.kind, st.lastLines) === 'waiting_for_permission';
    let s = before;
    for (let attempt = 1; showing(s); attempt++) {
      if (attempt > 4)
        throw new Error(
          `agent '${before.agent}' did not take the answer; its screen:\n${s.lastLines.split('\n').slice(-12).join('\n')}`,
        );
      await sleep(attempt === 1 ? 400 : 100);
      await this.deps.tmux.sendKeys(located.frame.id, located.record.windowId, located.kind.approve[decision]);
      for (const until = Date.now() + 1500; showing(s) && Date.now() < until;) {
        await sleep(50);
        s = await this.statusOf(located);
      }
    }
    this.deps.store.addEvent(located.frame.id, 'agent_permission', { agent: located.record.name, decision });
    // No hook reports the answer (a denial ends the turn without a Stop): record what it led to.
    const state: HookState = {
      ...(this.hookState(located.frame, located.record.name) ?? { input: null }),
      state: decision === 'allow' ? 'working' : 'idle',
      event: `agent_approve:${decision}`,
      at: Date.now(),
    };
    await this.deps.frames.writeFiles(located.frame, [
      { path: `${AGENT_DIR_IN_FRAME}/${located.record.name}.json`, content: JSON.stringify(state) + '\n' },
    ]);
    return this.statusOf(located);
  }

  /** Ends the agent (its window is closed) and keeps it in the list as exited. */
  async stop(ref: string): Promise<AgentStatus> {
    const located = await this.locate(ref);
    const window = await this.findWindow(located).catch(() => undefined);
    if (window) await this.deps.tmux.killWindow(located.frame.id, window.id);
    const stoppedAt = Date.now();
    this.session(located.frame).update((list) =>
      list.map((a) =>
        a.name === located.record.name && !a.stoppedAt
          ? { ...a, stoppedAt, lastState: 'exited' as const, lastStateAt: stoppedAt }
          : a,
      ),
    );
    this.deps.store.addEvent(located.frame.id, 'agent_stopped', { agent: located.record.name });
    return this.statusOf({ ...located, record: { ...located.record, stoppedAt } });
  }

  /** Every agent of one frame or of all frames, with its state now. */
  async list(frameRef?: string): Promise<AgentStatus[]> {
    const frames = frameRef ? [this.deps.frames.resolve(frameRef)] : this.deps.store.listFrames();
    const out: AgentStatus[] = [];
    for (const frame of frames) {
      for (const record of this.session(frame).read())
        out.push(await this.statusOf({ frame, record, kind: agentKinds[record.kind] }));
    }
    return out;
  }

  /**
   * The agent's changes against the commit its work tree started from: committed, uncommitted and
   * untracked, the patch cut at `maxBytes`. Only an agent with a work tree of its own has them.
   */
  async diff(
    ref: string,
    opts: { maxBytes: number; from?: string; to?: string },
  ): Promise<{ agent: string; branch: string } & WorkDiff> {
    return this.worktrees.diff(await this.ownWorktree(ref), opts);
  }

  /** Ends the agent if it runs, then removes its work tree and its branch, with all its changes. */
  async discard(ref: string): Promise<AgentStatus> {
    const owned = await this.ownWorktree(ref);
    const agent = `${owned.frame.name}/${owned.record.name}`;
    if (!owned.record.stoppedAt) await this.stop(agent);
    await this.worktrees.discard(owned);
    return this.statusOf(await this.locate(agent));
  }

  /** Commits everything in the agent's work tree on its branch; `commit` is null when nothing changed. */
  async checkpoint(ref: string, message?: string): Promise<{ agent: string; branch: string; commit: string | null }> {
    return this.worktrees.checkpoint(await this.ownWorktree(ref), message);
  }

  /** Brings the agent's branch into the branch /workspace has checked out (AgentWorktrees.merge). */
  async merge(
    ref: string,
    strategy: MergeStrategy,
    message?: string,
  ): Promise<{ agent: string; branch: string } & MergeResult> {
    return this.worktrees.merge(await this.ownWorktree(ref), strategy, message);
  }

  /** A review comment, sent to the agent as its next message, with the file and line it is about. */
  async comment(ref: string, text: string, file?: string, line?: number): Promise<AgentStatus> {
    const where = file ? ` on ${file}${line ? `, line ${line}` : ''}` : '';
    return this.send(ref, `Review comment${where}: ${text}`);
  }

  /**
   * An agent with a work tree of its own, and its frame as reached now (running: git needs it);
   * an agent working in /workspace itself has no changes of its own, which is said.
   */
  private async ownWorktree(ref: string): Promise<Owned> {
    const { frame, record } = await this.locate(ref);
    if (!record.worktree) {
      throw new Error(
        `agent '${frame.name}/${record.name}' works in /workspace itself (workspace: shared), so it has no changes of its own to show or discard; look at git in the frame instead`,
      );
    }
    const { frame: running } = await this.deps.tmux.reach(frame.id);
    return { frame, record, worktree: record.worktree, running };
  }

  private environment(kind: AgentKind, name: string, fromConfig: Record<string, string>): Record<string, string> {
    const source = this.deps.env ?? process.env;
    const env: Record<string, string> = {};
    for (const key of kind.passEnv) if (source[key]) env[key] = source[key]!;
    Object.assign(env, fromConfig);
    if (kind.kind === 'claude') {
      env.CLAUDE_CONFIG_DIR = CLAUDE_CONFIG_DIR_IN_FRAME;
      env.DISABLE_AUTOUPDATER ??= '1'; // the image pins the version; frames may not reach the update server
      env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC ??= '1';
    }
    env.OPTAGON_AGENT = name;
    return kind.adjustEnv ? kind.adjustEnv(env) : env;
  }

  /** "frame/name", or a name that only one frame has. */
  private async locate(ref: string): Promise<Located> {
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

  private async findWindow(located: Located): Promise<WindowInfo | undefined> {
    const { windows } = await this.deps.tmux.listWindows(located.frame.id);
    return windows.find((w) => w.id === located.record.windowId);
  }

  private async statusOf(located: Located): Promise<AgentStatus> {
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
  private async screen(located: Located): Promise<{ window: WindowInfo; text: string } | undefined> {
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

function nextName(kind: string, agents: AgentRecord[]): string {
  for (let i = 1; ; i++) if (!agents.some((a) => a.name === `${kind}-${i}`)) return `${kind}-${i}`;
}
