import type { AgentManager } from '../servers/agents/agent-manager.js';
import type { TurnEnded, TurnWatcher } from '../servers/agents/turn-watcher.js';
import type { ContextService } from '../servers/context/context-service.js';
import type { FrameManager } from '../servers/frames/frame-manager.js';
import type { StateStore } from '../servers/frames/state-store.js';
import { shortened } from '../servers/shared/human-units.js';

/** Commits read after each agent turn: the newest; older ones came in at the frame's start. */
const COMMITS_AFTER_TURN = 50;

/**
 * Remembering by itself, for the daemon (context.auto_ingest, default on, per frame): each agent
 * turn that ends (its Stop hook) becomes an episode (the prompt, the final reply, the files it
 * wrote, the commands it ran and the errors it met, from its transcript), and the workspace's new
 * commits are ingested when a frame starts and after each turn. Each is deduplicated (by the turn's
 * time, by commit hash); none is awaited by an agent, and a failure is a frame event, not an error.
 */
export class AutoIngest {
  private readonly watcher: TurnWatcher;
  private readonly running = new Set<string>();
  private readonly onChange = (c: { kind: string; id: string }) => this.frameChanged(c.id);

  constructor(
    private readonly deps: { frames: FrameManager; store: StateStore; agents: AgentManager; context: ContextService },
    private readonly intervalMs = 1000,
  ) {
    this.watcher = deps.agents.turnWatcher((ended) => this.turnEnded(ended));
  }

  start(): void {
    for (const f of this.deps.store.listFrames()) if (f.status === 'running') this.running.add(f.id);
    this.deps.frames.changes.on('change', this.onChange);
    this.watcher.start(this.intervalMs);
  }

  stop(): void {
    this.deps.frames.changes.off('change', this.onChange);
    this.watcher.stop();
  }

  private enabled(frameId: string): boolean {
    try {
      return this.deps.frames.getConfig(frameId).config.context?.auto_ingest !== false;
    } catch {
      return false; // destroyed meanwhile
    }
  }

  /** A frame that has just started: its workspace's history, once (commits already in are skipped). */
  private frameChanged(id: string): void {
    const frame = this.deps.store.findFrame(id);
    const wasRunning = this.running.has(id);
    if (frame?.status === 'running') this.running.add(id);
    else this.running.delete(id);
    if (frame?.status === 'running' && !wasRunning && this.enabled(id)) void this.ingestGit(frame.id, {});
  }

  private async turnEnded({ frame, agent, at, turns }: TurnEnded): Promise<void> {
    if (!this.enabled(frame.id)) return;
    for (const [i, turn] of turns.entries()) {
      const asked = turn.prompt.split('\n')[0]!.trim();
      // A turn without an id in its transcript is only the one that just ended: keyed by its Stop.
      if (!turn.id && i < turns.length - 1) continue;
      await this.deps.context
        .addEpisode(
          { frame: frame.id },
          {
            name: shortened(`agent ${agent} turn${asked ? `: ${asked}` : ''}`, 200),
            content: JSON.stringify({
              type: 'agent_turn',
              agent,
              prompt: turn.prompt,
              reply: shortened(turn.reply, 4000),
              files: turn.files,
              commands: turn.commands,
              errors: turn.errors,
            }),
            source: 'json',
            sourceDescription: `agent ${agent}'s turn`,
            validAt: turn.at ?? Date.now(),
            dedupKey: `turn:${agent}:${turn.id ?? at}`,
          },
          false,
        )
        .catch((err: Error) => this.failed(frame.id, 'agent turn', err));
    }
    await this.ingestGit(frame.id, { max: COMMITS_AFTER_TURN });
  }

  private async ingestGit(frameId: string, opts: { max?: number }): Promise<void> {
    await this.deps.context.ingestGit(frameId, opts).catch((err: Error) => {
      // A workspace that is no git repository has no history to remember.
      if (!/not a git repository/.test(err.message)) this.failed(frameId, 'git history', err);
    });
  }

  private failed(frameId: string, what: string, err: Error): void {
    try {
      this.deps.frames.recordEvent(frameId, 'context_ingest_failed', { what, message: err.message });
    } catch {
      // the frame is gone
    }
  }
}
