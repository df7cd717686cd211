import type { FrameManager } from '../frames/frame-manager.js';
import type { StateStore } from '../frames/state-store.js';
import type { ContextStore, Episode, Fact } from './context-store.js';
import type { EpisodeInput } from './heuristic-extractor.js';
import { readCommits } from './git-history.js';
import { IngestQueue } from './ingest-queue.js';

/** The group every frame shares (Graphiti's group id for knowledge not tied to one frame). */
export const SHARED_GROUP = 'shared_global';

/** Which groups a call is about: a frame's (and what its config lets it see), or named groups. */
export interface GroupScope {
  frame?: string;
  groupIds?: string[];
}

/**
 * The context capability over the embedded store: group resolution (a frame's group, the shared
 * one, other frames' only when the frame's config turns cross_frame_search on), the ingest queue,
 * and search.
 */
export class ContextService {
  readonly queue: IngestQueue;

  constructor(
    readonly store: ContextStore,
    private readonly frames: FrameManager,
    private readonly frameStore: StateStore,
  ) {
    this.queue = new IngestQueue(store);
  }

  /** The group a write goes to: the frame's, or the one named. */
  writeGroup(scope: GroupScope): string {
    if (scope.frame) return this.frames.resolve(scope.frame).graphitiGroupId;
    const [group, ...more] = scope.groupIds ?? [];
    if (!group || more.length) throw new Error('name the frame, or exactly one group id, to add to');
    return group;
  }

  /** The groups a read covers. */
  readGroups(scope: GroupScope, crossFrame?: boolean): string[] {
    if (!scope.frame) {
      if (!scope.groupIds?.length) throw new Error('name a frame, or group_ids to read from');
      return scope.groupIds;
    }
    const frame = this.frames.resolve(scope.frame);
    const allowed = crossFrame ?? this.frames.getConfig(frame.id).config.context?.cross_frame_search ?? false;
    const groups = new Set([frame.graphitiGroupId, SHARED_GROUP]);
    if (allowed) for (const f of this.frameStore.listFrames()) groups.add(f.graphitiGroupId);
    return [...groups];
  }

  async addEpisode(scope: GroupScope, input: EpisodeInput & { validAt?: number; dedupKey?: string }, wait: boolean): Promise<{ episode: Episode; duplicate: boolean }> {
    const group = this.writeGroup(scope);
    const { episode, duplicate } = this.store.addEpisode(group, input);
    if (duplicate) return { episode, duplicate };
    const processed = this.queue.enqueue(episode);
    return { episode: wait ? await processed : episode, duplicate };
  }

  /**
   * The frame workspace's commits as episodes (JSON commits: message, author, files), each once:
   * a commit already ingested is skipped by its dedup key. Returns once all are processed.
   */
  async ingestGit(frameRef: string, opts: { since?: string; max?: number }, progress: (done: number, total: number) => Promise<void> | void = () => {}): Promise<{ commits: number; added: number; skipped: number; failed: number }> {
    const frame = this.frames.resolve(frameRef);
    const commits = await readCommits(frame.workspacePath, opts);
    const pending: Array<Promise<Episode>> = [];
    let skipped = 0;
    for (const c of commits) {
      const content = JSON.stringify({ type: 'commit', hash: c.hash, subject: c.subject, body: c.body, author: c.author, files: c.files });
      const { episode, duplicate } = this.store.addEpisode(frame.graphitiGroupId, {
        name: `commit ${c.hash.slice(0, 12)}: ${c.subject}`.slice(0, 200),
        content,
        source: 'json',
        sourceDescription: 'git log',
        validAt: c.date,
        dedupKey: `commit:${c.hash}`,
      });
      if (duplicate) skipped++;
      else pending.push(this.queue.enqueue(episode));
    }
    let failed = 0;
    for (let i = 0; i < pending.length; i++) {
      if ((await pending[i]!).status === 'failed') failed++;
      if (i % 100 === 99) await progress(i + 1, pending.length);
    }
    return { commits: commits.length, added: pending.length, skipped, failed };
  }

  search(scope: GroupScope, opts: { query: string; limit: number; currentOnly: boolean; asOf?: number }): { groupIds: string[]; facts: Fact[] } {
    const groupIds = this.readGroups(scope);
    return { groupIds, facts: this.store.searchFacts({ groupIds, ...opts }) };
  }
}
