import type { FrameRecord, StateStore } from '../frames/state-store.js';
import type { AgentStates } from './agent-states.js';
import { agentKinds } from './kinds/index.js';
import { TRANSCRIPT_TAIL_BYTES, turnsFromTranscript, type Turn } from './transcript.js';

export interface TurnEnded {
  frame: FrameRecord;
  agent: string;
  /** When the Stop hook fired (the frame's clock: a key, not a fact). */
  at: number;
  /**
   * The turns the transcript's tail holds, the one that just ended last: a turn whose Stop the next
   * prompt overwrote before a poll saw it comes with the next (its owner deduplicates by Turn.id).
   */
  turns: Turn[];
}

/**
 * Notices agents' turns ending by themselves: every interval, the hook state of each live agent
 * (with hooks) in each running frame is read (beneath the run directory, links refused), and a
 * Stop not seen before hands the turn, read from the transcript, to `onTurn`. A few small reads a
 * poll; a poll still running skips the next.
 */
export class TurnWatcher {
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly deps: { store: StateStore; states: AgentStates },
    private readonly onTurn: (ended: TurnEnded) => Promise<void>,
  ) {}

  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => void this.poll(), intervalMs);
    this.timer.unref(); // never what keeps a process alive
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at every agent; errors of one agent or frame do not stop the others. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const frame of this.deps.store.listFrames().filter((f) => f.status === 'running'))
        for (const record of this.deps.states.session(frame).read())
          if (!record.stoppedAt && agentKinds[record.kind]?.hooks)
            await this.check(frame, record.name, record.createdAt).catch(() => undefined);
    } finally {
      this.polling = false;
    }
  }

  private async check(frame: FrameRecord, agent: string, createdAt: number): Promise<void> {
    const hook = this.deps.states.hookState(frame, agent);
    // A state from before this agent was spawned is its namesake's.
    if (!hook || hook.event !== 'Stop' || hook.at < createdAt - 1000) return;
    const key = `${frame.id}/${agent}`;
    if ((this.seen.get(key) ?? 0) >= hook.at) return;
    this.seen.set(key, hook.at);
    const path = hook.input?.transcript_path;
    const log =
      typeof path === 'string'
        ? this.deps.states.runFile(frame, path, { tailBytes: TRANSCRIPT_TAIL_BYTES })
        : undefined;
    const last = hook.input?.last_assistant_message;
    const turns = log !== undefined ? turnsFromTranscript(log) : [];
    if (typeof last === 'string' && last) {
      // The hook's own copy of the final reply: Claude Code may fire Stop before the transcript has it.
      if (turns.length) turns[turns.length - 1]!.reply = last;
      else turns.push({ prompt: '', reply: last, files: [], commands: [], errors: [] });
    }
    if (turns.length) await this.onTurn({ frame, agent, at: hook.at, turns });
  }
}
