import type { ContextStore } from './context-store.js';
import type { Episode } from './model.js';

/**
 * One sequential queue per group: episodes of a group are processed in the order they came
 * (later facts may invalidate earlier ones, so order matters), groups in parallel. Every outcome is
 * written to the episode (processed, or failed with the reason): nothing fails silently.
 */
export class IngestQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ContextStore,
    private readonly process: (episode: Episode) => Promise<void>,
  ) {}

  /** Processes the episode after those queued before it in its group; resolves with its outcome. */
  enqueue(episode: Episode): Promise<Episode> {
    const previous = this.tails.get(episode.groupId) ?? Promise.resolve();
    const done = previous.then(() => this.run(episode));
    const tail = done.then(() => undefined);
    this.tails.set(episode.groupId, tail);
    void tail.then(() => {
      if (this.tails.get(episode.groupId) === tail) this.tails.delete(episode.groupId);
    });
    return done;
  }

  /** Episodes left queued or half processed by a previous process (a crash), queued again. */
  recover(): number {
    const stale = this.store.unfinishedEpisodes();
    for (const e of stale) void this.enqueue(e);
    return stale.length;
  }

  /** Resolves once every queue is empty. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all([...this.tails.values()]);
  }

  private async run(episode: Episode): Promise<Episode> {
    if (!this.store.episode(episode.uuid)) return episode; // deleted while it waited
    this.store.setEpisodeStatus(episode.uuid, 'processing');
    try {
      await this.process(episode);
      this.store.setEpisodeStatus(episode.uuid, 'processed');
    } catch (err) {
      this.store.setEpisodeStatus(episode.uuid, 'failed', (err as Error).message);
    }
    return this.store.episode(episode.uuid) ?? episode;
  }
}
