import type { ContextStore, Written } from './context-store.js';
import type { Extraction } from './heuristic-extractor.js';
import type { Episode } from './model.js';

/** Episodes written in one transaction when their extraction is synchronous (the heuristic path). */
const BATCH = 100;

/** What processing an episode takes; the queue decides how the steps share transactions. */
export interface IngestSteps {
  /** Entities and facts from an episode; a synchronous answer lets the queue batch the writes. */
  extract(episode: Episode): Extraction | Promise<Extraction>;
  /** Writes an extraction, synchronously, inside the transaction the queue holds. */
  write(episode: Episode, extraction: Extraction): Written;
  /** Work after the write has committed (embeddings); its failure fails the episode, the write stays. */
  after?(episode: Episode, written: Written): Promise<void>;
}

interface Waiting {
  episode: Episode;
  done: (outcome: Episode) => void;
}

/** An episode handled in a batch, and what it wrote (nothing when it failed or was deleted). */
type Finished = [Waiting, Written | undefined];

/** What one transaction wrote, and the episode after it whose extraction must be awaited (already started). */
interface Batch {
  finished: Finished[];
  pending?: [Waiting, Promise<Extraction>];
}

/** A write threw at `index` of a batch; the batch's transaction was rolled back. */
class WriteFailed extends Error {
  constructor(
    readonly index: number,
    readonly reason: Error,
  ) {
    super(reason.message);
  }
}

/**
 * One sequential queue per group: episodes of a group are processed in the order they came
 * (later facts may invalidate earlier ones, so order matters), groups in parallel. Every outcome is
 * written to the episode (processed, or failed with the reason): nothing fails silently.
 *
 * A commit per episode made commits most of the cost of heuristic ingestion, so consecutive
 * episodes whose extraction is synchronous are written together, up to BATCH per transaction. A
 * savepoint per episode would cost a third of the gain (FTS5 flushes its pending terms at each),
 * so batches are optimistic: when a write throws, the whole batch is rolled back and its episodes
 * up to the failing one are written again one per transaction, which fails that one alone. An
 * asynchronous extraction (an LLM call) ends a batch: nothing is awaited while a transaction is open.
 */
export class IngestQueue {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly workers = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ContextStore,
    private readonly steps: IngestSteps,
  ) {}

  /** Processes the episode after those queued before it in its group; resolves with its outcome. */
  enqueue(episode: Episode): Promise<Episode> {
    return new Promise((done) => {
      const group = episode.groupId;
      let list = this.waiting.get(group);
      if (!list) this.waiting.set(group, (list = []));
      list.push({ episode, done });
      if (!this.workers.has(group)) this.workers.set(group, this.work(group, list));
    });
  }

  /** Episodes left queued or half processed by a previous process (a crash), queued again. */
  recover(): number {
    const stale = this.store.unfinishedEpisodes();
    for (const e of stale) void this.enqueue(e);
    return stale.length;
  }

  /** Resolves once every queue is empty. */
  async idle(): Promise<void> {
    while (this.workers.size) await Promise.all([...this.workers.values()]);
  }

  private async work(group: string, list: Waiting[]): Promise<void> {
    // A burst of episodes (context_ingest_git, a bench) is enqueued within one turn; let it gather.
    await new Promise((resolve) => setImmediate(resolve));
    let alone = 0; // episodes to write one per transaction, after a batch broke
    try {
      for (;;) {
        const max = alone ? 1 : BATCH;
        let batch: Batch;
        try {
          batch = this.writeBatch(list, max);
        } catch (err) {
          if (!(err instanceof WriteFailed)) throw err;
          if (max > 1) {
            alone = err.index + 1;
            continue;
          }
          const item = list.shift()!;
          this.store.setEpisodeStatus(item.episode.uuid, 'failed', err.message);
          batch = { finished: [[item, undefined]] };
        }
        if (alone) alone--;
        await this.finish(batch.finished);
        if (batch.pending) await this.processAlone(...batch.pending);
        // Checked and cleared in one synchronous step, so an enqueue never lands on a finished worker.
        if (!list.length) return this.forget(group);
      }
    } catch (err) {
      // Only the store itself failing (closed, disk) gets here: answer every waiter, lose none.
      for (const w of list.splice(0)) w.done({ ...w.episode, status: 'failed', error: (err as Error).message });
      this.forget(group);
    }
  }

  private forget(group: string): void {
    this.waiting.delete(group);
    this.workers.delete(group);
  }

  /**
   * Writes up to `max` waiting episodes in one transaction while their extraction is synchronous.
   * A write that throws rolls back the whole transaction (WriteFailed says where).
   */
  private writeBatch(list: Waiting[], max: number): Batch {
    const finished: Finished[] = [];
    let pending: [Waiting, Promise<Extraction>] | undefined;
    const status = this.steps.after ? 'processing' : 'processed';
    this.store.db
      .transaction(() => {
        for (const item of list) {
          if (finished.length === max) return;
          const { episode } = item;
          if (!this.store.episode(episode.uuid)) {
            finished.push([item, undefined]); // deleted while it waited
            continue;
          }
          let extraction: Extraction | Promise<Extraction>;
          try {
            extraction = this.steps.extract(episode);
          } catch (err) {
            finished.push([item, undefined]);
            this.store.setEpisodeStatus(episode.uuid, 'failed', (err as Error).message);
            continue;
          }
          if (extraction instanceof Promise) {
            pending = [item, extraction];
            return;
          }
          try {
            finished.push([item, this.steps.write(episode, extraction)]);
          } catch (err) {
            throw new WriteFailed(finished.length, err as Error); // rolls the transaction back
          }
          this.store.setEpisodeStatus(episode.uuid, status);
        }
      })
      .immediate();
    // Taken off the list only once committed: if the commit fails, work() answers them all.
    list.splice(0, finished.length + (pending ? 1 : 0));
    return { finished, pending };
  }

  /** The work after the writes (embeddings), then each waiter hears its episode's outcome. */
  private async finish(finished: Finished[]): Promise<void> {
    for (const [item, written] of finished) {
      if (written && this.steps.after) await this.afterWrite(item.episode, written);
      item.done(this.store.episode(item.episode.uuid) ?? item.episode);
    }
  }

  private async afterWrite(episode: Episode, written: Written): Promise<void> {
    try {
      await this.steps.after!(episode, written);
      this.store.setEpisodeStatus(episode.uuid, 'processed');
    } catch (err) {
      this.store.setEpisodeStatus(episode.uuid, 'failed', (err as Error).message);
    }
  }

  /** An episode whose extraction is asynchronous: processing while it waits, then written alone. */
  private async processAlone(item: Waiting, extraction: Promise<Extraction>): Promise<void> {
    const { episode } = item;
    this.store.setEpisodeStatus(episode.uuid, 'processing');
    let written: Written | undefined;
    try {
      const x = await extraction;
      // Deleted while the model answered: nothing to write.
      if (this.store.episode(episode.uuid))
        written = this.store.db.transaction(() => this.steps.write(episode, x)).immediate();
      if (written && !this.steps.after) this.store.setEpisodeStatus(episode.uuid, 'processed');
    } catch (err) {
      if (this.store.episode(episode.uuid)) this.store.setEpisodeStatus(episode.uuid, 'failed', (err as Error).message);
    }
    await this.finish([[item, written]]);
  }
}
