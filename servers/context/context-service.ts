import type { FrameManager } from '../frames/frame-manager.js';
import type { StateStore } from '../frames/state-store.js';
import type { ContextStore, Episode, Fact } from './context-store.js';
import type { EpisodeInput } from './heuristic-extractor.js';
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

  search(scope: GroupScope, opts: { query: string; limit: number; currentOnly: boolean; asOf?: number }): { groupIds: string[]; facts: Fact[] } {
    const groupIds = this.readGroups(scope);
    return { groupIds, facts: this.store.searchFacts({ groupIds, ...opts }) };
  }
}
