import type { StateStore } from '../frames/state-store.js';
import { sleep } from '../shared/sleep.js';
import type { FrameTmux, WindowInfo } from '../tmux/frame-tmux.js';
import type { AgentStatus, Located } from './agent-status.js';
import type { AgentState } from './kinds/agent-kind.js';

const READY_TIMEOUT_MS = 60_000;
/** Busy with a message, or asking about one: what an agent that took it in shows. */
const works = (state: AgentState) => state === 'working' || state === 'waiting_for_permission';
/** How soon a screen-only agent that took a message in shows it works on it (see showsWork). */
const WORK_SHOWS_MS = 10_000;

export interface ScreenDriverDeps {
  tmux: FrameTmux;
  store: StateStore;
  /** The agent's window and its screen now; undefined when the frame is down or the window gone. */
  screen(located: Located): Promise<{ window: WindowInfo; text: string } | undefined>;
  /** The agent's state now, from its hooks and its screen. */
  status(located: Located): Promise<AgentStatus>;
  /** The agent was sent a message (or an Enter) at `at`: wait() doubts an idle screen for a while after. */
  sent(located: Located, at: number): void;
}

/** Drives an agent CLI through its tmux window: past its start-up dialogs, and a message typed until it is taken in. */
export class ScreenDriver {
  constructor(private readonly deps: ScreenDriverDeps) {}

  /** Until the prompt is up, answering the startup dialogs the CLI shows on the way. */
  async untilReady(located: Located): Promise<void> {
    const { frame, record, kind } = located;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const answered = new Map<string, number>();
    const firstSeen = new Map<string, number>();
    for (;;) {
      const screen = await this.deps.screen(located);
      if (!screen) {
        throw new Error(
          `${kind.program} in frame '${frame.name}' exited before its prompt came up; is it installed in the image? (optagon image build)`,
        );
      }
      const { window, text } = screen;
      if (kind.screen.ready.test(text) && !kind.screen.permission.test(text)) return sleep(kind.settleMs);
      const dialog = kind.dialogs.find((d) => d.pattern.test(text));
      if (dialog && !firstSeen.has(dialog.what)) firstSeen.set(dialog.what, Date.now());
      // Answer only once the dialog has been up a moment: Claude Code ignores keys right after drawing one.
      if (dialog && Date.now() - firstSeen.get(dialog.what)! >= 500 && (answered.get(dialog.what) ?? 0) < 3) {
        answered.set(dialog.what, (answered.get(dialog.what) ?? 0) + 1);
        firstSeen.delete(dialog.what);
        await this.deps.tmux.sendKeys(frame.id, window.id, dialog.keys);
        this.deps.store.addEvent(frame.id, 'agent_dialog_answered', { agent: record.name, dialog: dialog.what });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${kind.program} in frame '${frame.name}' showed no prompt within ${READY_TIMEOUT_MS / 1000} s; its screen:\n${text.split('\n').slice(-12).join('\n')}`,
        );
      }
      await sleep(100);
    }
  }

  /**
   * Types the message and presses Enter, then makes sure it went in: a CLI still busy starting
   * (OpenCode on a frame's first run) drops that Enter and leaves the text in its input. Taken in
   * means the agent works (or asks), or its hook reported something since; otherwise Enter again.
   * An extra Enter on an empty prompt does nothing in either CLI.
   */
  async typeMessage(located: Located, message: string): Promise<void> {
    const sentAt = Date.now();
    this.deps.sent(located, sentAt);
    await this.deps.tmux.sendText(located.frame.id, located.record.windowId, message, true);
    /** 'works' (busy or asking), 'changed' (its state moved since the message: a hook, or a screen), or no. */
    const takenIn = async () => {
      const s = await this.deps.status(located);
      if (works(s.state)) return 'works';
      // A screen mid-redraw (neither busy nor ready) reads as starting: a change, not yet work.
      return s.state !== 'idle' || (s.since !== null && s.since >= sentAt) ? 'changed' : undefined;
    };
    // Up to 12 s: under load OpenCode's first run can take that long to accept input.
    for (let attempt = 0; attempt < 8; attempt++) {
      for (const until = Date.now() + 1500; Date.now() < until; await sleep(100)) {
        const taken = await takenIn();
        if (!taken) continue;
        if (taken === 'works' || located.kind.hooks || (await this.showsWork(located))) return;
        // OpenCode (1.18.33, under load) can draw the message as sent and never start on it: no
        // request is ever made. It is given the message once more.
        this.deps.store.addEvent(located.frame.id, 'agent_message_resent', {
          agent: located.record.name,
          why: 'the agent showed the message but did not start on it',
        });
        this.deps.sent(located, Date.now());
        await this.deps.tmux.sendText(located.frame.id, located.record.windowId, message, true);
        return;
      }
      await this.deps.tmux.sendKeys(located.frame.id, located.record.windowId, ['Enter']);
      // The doubt window of wait() runs from the Enter that may have been the one taken.
      this.deps.sent(located, Date.now());
    }
  }

  /**
   * For an agent read from its screen alone, after it took a message in: whether it shows it works
   * on it, busy (or asking), within WORK_SHOWS_MS. Its screen moving is no sign: OpenCode redraws
   * for a moment after taking a message it then drops. A turn too short to be seen busy at all
   * (under 100 ms, between two looks) would be sent twice; no model answers that fast.
   */
  private async showsWork(located: Located): Promise<boolean> {
    for (const until = Date.now() + WORK_SHOWS_MS; Date.now() < until; await sleep(100)) {
      const { state } = await this.deps.status(located);
      if (works(state) || state === 'exited') return true; // an exited agent's window is a shell: nothing goes there
    }
    return false;
  }
}
