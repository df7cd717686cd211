import type { FrameManager } from '../frames/frame-manager.js';
import type { FrameRecord, StateStore } from '../frames/state-store.js';
import type { OptagonHome } from '../shared/optagon-home.js';
import type { FrameTmux } from '../tmux/frame-tmux.js';
import { screenState, type HookState } from './agent-state.js';
import { CLAUDE_CONFIG_DIR_IN_FRAME } from './claude-config.js';
import type { AgentState } from './kinds/agent-kind.js';
import { agentKinds, type AgentKindName } from './kinds/index.js';
import type { AgentRecord } from './session-file.js';
import { lastReplyFromTranscript, TRANSCRIPT_TAIL_BYTES } from './transcript.js';
import { ScreenDriver } from './screen-driver.js';
import type { MergeResult, MergeStrategy, WorkDiff } from './frame-git.js';
import { AgentWorktrees, type Owned, type Progress } from './agent-worktrees.js';
import type { AgentStatus } from './agent-status.js';
import { AGENT_DIR_IN_FRAME, AgentStates } from './agent-states.js';
import { agentEnvironment, launch } from './agent-launch.js';
import { TurnWatcher, type TurnEnded } from './turn-watcher.js';
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

/**
 * How long after a message an idle read from the screen alone is doubted: a CLI under load can show
 * its idle prompt for a moment after taking the message in, before it draws that it is busy.
 */
const SCREEN_DOUBT_AFTER_SEND_MS = 8000;
/** The key of `AgentManager.sentAt`: an agent by frame id and name. */
const sentKey = (located: { frame: { id: string }; record: { name: string } }) =>
  `${located.frame.id}/${located.record.name}`;

/**
 * Coding agents (Claude Code, OpenCode) running in tmux windows of frames. Each agent is a window
 * running the agent CLI; where agents are and their state is AgentStates', what a window is handed
 * agent-launch's, typing into it ScreenDriver's, and its work tree AgentWorktrees'.
 */
export class AgentManager {
  /** When each agent (frame id/name) was last sent a message by this process. */
  private readonly sentAt = new Map<string, number>();

  /** Where the agents are, and their state from hooks and screen. */
  private readonly states: AgentStates;
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
      /**
       * What the frame's knowledge says for a task (context_curate's block, within the frame's
       * budget): put before the task of an agent spawned with one, unless context.inject is off.
       */
      curate?: (frame: FrameRecord, task: string) => Promise<string>;
    },
  ) {
    this.states = new AgentStates(deps);
    this.worktrees = new AgentWorktrees({
      frames: deps.frames,
      store: deps.store,
      session: (frame) => this.states.session(frame),
    });
    this.driver = new ScreenDriver({
      tmux: deps.tmux,
      store: deps.store,
      screen: (located) => this.states.screen(located),
      status: (located) => this.states.statusOf(located),
      sent: (located, at) => void this.sentAt.set(sentKey(located), at),
    });
  }

  /** Opens a window running the agent, answers its startup dialogs, waits for its prompt, then gives it the task. */
  async spawn(input: SpawnInput, progress: Progress = () => {}): Promise<AgentStatus> {
    const kind = agentKinds[input.kind];
    const { frame } = await this.deps.tmux.reach(input.frame);
    const agents = this.states.session(frame).read();
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
      const { files, command } = launch({
        kind,
        name,
        permissionMode,
        env: agentEnvironment(kind, name, config.env ?? {}, this.deps.env ?? process.env),
        trusted: worktree ? ['/workspace', worktree.path] : ['/workspace'],
        current: (file) => this.states.runFile(frame, `${CLAUDE_CONFIG_DIR_IN_FRAME}/${file}`),
      });
      await this.deps.frames.writeFiles(frame, files);

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
      this.states.session(frame).update((list) => [...list.filter((a) => a.name !== name), record]);
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
      const context = await this.contextFor(frame, input.task, progress);
      await progress('sending the task');
      await this.driver.typeMessage(
        { frame, record, kind },
        context ? `${context}\n\n# Your task\n\n${input.task}` : input.task,
      );
    }
    return this.states.statusOf({ frame, record, kind });
  }

  async send(ref: string, message: string): Promise<AgentStatus> {
    const located = await this.states.locate(ref);
    const before = await this.states.statusOf(located);
    if (before.state === 'exited')
      throw new Error(`agent '${before.agent}' has exited; spawn a new one with agent_spawn`);
    if (before.state === 'waiting_for_permission') {
      throw new Error(
        `agent '${before.agent}' is waiting for permission; answer it with agent_approve {"agent": "${before.agent}", "decision": "allow"} or "deny" first`,
      );
    }
    if (before.state === 'starting') await this.driver.untilReady(located);
    await this.driver.typeMessage(located, message);
    return this.states.statusOf(located);
  }

  async status(ref: string): Promise<AgentStatus> {
    return this.states.statusOf(await this.states.locate(ref));
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
    const located = await this.states.locate(ref);
    const started = Date.now();
    const first = await this.states.statusOf(located);
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
      s = await this.states.statusOf(located);
    }
    return { ...s, reached: true, waitedMs: Date.now() - started };
  }

  /** The agent's latest reply: from its last Stop hook, else its transcript (Claude Code), else its screen. */
  async read(
    ref: string,
  ): Promise<{ agent: string; state: AgentState; text: string; source: 'transcript' | 'hook' | 'screen' }> {
    const located = await this.states.locate(ref);
    const status = await this.states.statusOf(located);
    const hook = this.states.hookState(located.frame, located.record.name);
    // The Stop hook carries the turn's last message at once; the transcript is written a moment later.
    const last = hook?.event === 'Stop' ? hook.input?.last_assistant_message : undefined;
    if (typeof last === 'string' && last)
      return { agent: status.agent, state: status.state, text: last, source: 'hook' };
    const transcript = hook?.input?.transcript_path;
    if (typeof transcript === 'string') {
      const log = this.states.runFile(located.frame, transcript, { tailBytes: TRANSCRIPT_TAIL_BYTES });
      const text = log === undefined ? undefined : lastReplyFromTranscript(log);
      if (text) return { agent: status.agent, state: status.state, text, source: 'transcript' };
    }
    return { agent: status.agent, state: status.state, text: status.lastLines, source: 'screen' };
  }

  /** Answers the agent's open permission dialog: allow (`1` in Claude Code's menu) or deny (Escape). */
  async approve(ref: string, decision: 'allow' | 'deny'): Promise<AgentStatus> {
    const located = await this.states.locate(ref);
    // The PermissionRequest hook fires a moment before the dialog is drawn: give the screen time.
    let before = await this.states.statusOf(located);
    const drawBy = Date.now() + 3000;
    while (screenState(located.kind, before.lastLines) !== 'waiting_for_permission') {
      if (before.state !== 'waiting_for_permission' || Date.now() > drawBy) {
        throw new Error(
          `agent '${before.agent}' shows no permission dialog (it is ${before.state}); agent_status shows its screen`,
        );
      }
      await sleep(50);
      before = await this.states.statusOf(located);
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
        s = await this.states.statusOf(located);
      }
    }
    this.deps.store.addEvent(located.frame.id, 'agent_permission', { agent: located.record.name, decision });
    // No hook reports the answer (a denial ends the turn without a Stop): record what it led to.
    const state: HookState = {
      ...(this.states.hookState(located.frame, located.record.name) ?? { input: null }),
      state: decision === 'allow' ? 'working' : 'idle',
      event: `agent_approve:${decision}`,
      at: Date.now(),
    };
    await this.deps.frames.writeFiles(located.frame, [
      { path: `${AGENT_DIR_IN_FRAME}/${located.record.name}.json`, content: JSON.stringify(state) + '\n' },
    ]);
    return this.states.statusOf(located);
  }

  /** Ends the agent (its window is closed) and keeps it in the list as exited. */
  async stop(ref: string): Promise<AgentStatus> {
    const located = await this.states.locate(ref);
    const window = await this.states.findWindow(located).catch(() => undefined);
    if (window) await this.deps.tmux.killWindow(located.frame.id, window.id);
    const stoppedAt = Date.now();
    this.states
      .session(located.frame)
      .update((list) =>
        list.map((a) =>
          a.name === located.record.name && !a.stoppedAt
            ? { ...a, stoppedAt, lastState: 'exited' as const, lastStateAt: stoppedAt }
            : a,
        ),
      );
    this.deps.store.addEvent(located.frame.id, 'agent_stopped', { agent: located.record.name });
    return this.states.statusOf({ ...located, record: { ...located.record, stoppedAt } });
  }

  /** Every agent of one frame or of all frames, with its state now. */
  async list(frameRef?: string): Promise<AgentStatus[]> {
    const frames = frameRef ? [this.deps.frames.resolve(frameRef)] : this.deps.store.listFrames();
    const out: AgentStatus[] = [];
    for (const frame of frames) {
      for (const record of this.states.session(frame).read())
        out.push(await this.states.statusOf({ frame, record, kind: agentKinds[record.kind] }));
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
    return this.states.statusOf(await this.states.locate(agent));
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

  /** A watcher of agents' turns ending (their Stop hooks), for what remembers them; started by its owner. */
  turnWatcher(onTurn: (ended: TurnEnded) => Promise<void>): TurnWatcher {
    return new TurnWatcher({ store: this.deps.store, states: this.states }, onTurn);
  }

  /**
   * The curated block an agent's task starts with, saying where it came from; empty when the
   * frame's context.inject is off or nothing is known. Curation failing never stops the spawn.
   */
  private async contextFor(frame: FrameRecord, task: string, progress: Progress): Promise<string> {
    if (!this.deps.curate || this.deps.frames.getConfig(frame.id).config.context?.inject === false) return '';
    try {
      const block = (await this.deps.curate(frame, task)).trim();
      if (!block) return '';
      await progress(`starting with ${block.length} characters of the frame's knowledge`);
      return `${block}\n\n(From Optagon's knowledge graph of frame '${frame.name}', curated for this task; the frame config's context.inject: false turns this off.)`;
    } catch (err) {
      await progress(`no context for the task (${(err as Error).message}); starting without it`);
      return '';
    }
  }

  /**
   * An agent with a work tree of its own, and its frame as reached now (running: git needs it);
   * an agent working in /workspace itself has no changes of its own, which is said.
   */
  private async ownWorktree(ref: string): Promise<Owned> {
    const { frame, record } = await this.states.locate(ref);
    if (!record.worktree) {
      throw new Error(
        `agent '${frame.name}/${record.name}' works in /workspace itself (workspace: shared), so it has no changes of its own to show or discard; look at git in the frame instead`,
      );
    }
    const { frame: running } = await this.deps.tmux.reach(frame.id);
    return { frame, record, worktree: record.worktree, running };
  }
}

function nextName(kind: string, agents: AgentRecord[]): string {
  for (let i = 1; ; i++) if (!agents.some((a) => a.name === `${kind}-${i}`)) return `${kind}-${i}`;
}
