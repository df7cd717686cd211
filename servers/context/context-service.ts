import type { FrameManager } from '../frames/frame-manager.js';
import type { StateStore } from '../frames/state-store.js';
import type { ContextBackend, FactSearch, NewEpisode, NodeSearch } from './backend.js';
import { curate, type Curated } from './curate.js';
import { commitEpisode, readCommits } from './git-history.js';
import type { Episode } from './model.js';

/** The group every frame shares (Graphiti's group id for knowledge not tied to one frame). */
export const SHARED_GROUP = 'shared_global';

/** Default size of a curated context block, when the frame's config does not set context_budget_tokens. */
export const DEFAULT_BUDGET_TOKENS = 8000;

/** Which groups a call is about: a frame's (and what its config lets it see), or named groups. */
export interface GroupScope {
  frame?: string;
  groupIds?: string[];
}

/**
 * The context capability over a backend (embedded or Graphiti): group resolution (a frame's
 * group, the shared one, other frames' only when the frame's config turns cross_frame_search on),
 * git ingestion and curation.
 */
export class ContextService {
  constructor(
    readonly backend: ContextBackend,
    private readonly frames: FrameManager,
    private readonly frameStore: StateStore,
  ) {}

  /** The group a write goes to: the frame's, or the one named. */
  writeGroup(scope: GroupScope): string {
    if (scope.frame) return this.frames.resolve(scope.frame).graphitiGroupId;
    const [group, ...more] = scope.groupIds ?? [];
    if (!group || more.length) throw new Error('name the frame, or exactly one group id, to write to');
    return group;
  }

  /** The groups a read covers. */
  readGroups(scope: GroupScope, crossFrame?: boolean): string[] {
    if (!scope.frame) {
      if (!scope.groupIds?.length) throw new Error('name a frame, or group_ids to read from');
      return scope.groupIds;
    }
    const frame = this.frames.resolve(scope.frame);
    const allowed = crossFrame ?? this.frameContext(frame.id).cross_frame_search ?? false;
    const groups = new Set([frame.graphitiGroupId, SHARED_GROUP]);
    if (allowed) for (const f of this.frameStore.listFrames()) groups.add(f.graphitiGroupId);
    return [...groups];
  }

  private frameContext(frameId: string) {
    return this.frames.getConfig(frameId).config.context ?? {};
  }

  async addEpisode(
    scope: GroupScope,
    input: NewEpisode,
    wait: boolean,
  ): Promise<{ episode: Episode; duplicate: boolean }> {
    const { episode, duplicate, processed } = await this.backend.addEpisode(this.writeGroup(scope), input);
    return { episode: wait ? await processed : episode, duplicate };
  }

  /**
   * The frame workspace's commits as episodes (JSON commits: message, author, files), each once:
   * a commit already ingested is skipped by its dedup key. Returns once all are processed.
   */
  async ingestGit(
    frameRef: string,
    opts: { since?: string; max?: number },
    progress: (done: number, total: number) => Promise<void> | void = () => {},
  ): Promise<{ commits: number; added: number; skipped: number; failed: number }> {
    const frame = this.frames.resolve(frameRef);
    const commits = await readCommits(frame.workspacePath, opts);
    const pending: Array<Promise<Episode>> = [];
    let skipped = 0;
    for (const c of commits) {
      const { duplicate, processed } = await this.backend.addEpisode(frame.graphitiGroupId, commitEpisode(c));
      if (duplicate) skipped++;
      else pending.push(processed);
    }
    let failed = 0;
    for (let i = 0; i < pending.length; i++) {
      if ((await pending[i]!).status === 'failed') failed++;
      if (i % 100 === 99 || i === pending.length - 1) await progress(i + 1, pending.length);
    }
    return { commits: commits.length, added: pending.length, skipped, failed };
  }

  /** Facts for the query, and beside them up to `episodes` related episodes and the files they point at. */
  async search(scope: GroupScope, search: FactSearch, episodes = 0) {
    const groupIds = this.readGroups(scope);
    const [facts, found] = await Promise.all([
      this.backend.searchFacts(groupIds, search),
      episodes
        ? this.backend.searchEpisodes(groupIds, { query: search.query, limit: episodes })
        : { episodes: [], files: [] },
    ]);
    return { groupIds, facts, ...found };
  }

  async searchNodes(scope: GroupScope, search: NodeSearch) {
    const groupIds = this.readGroups(scope);
    return { groupIds, nodes: await this.backend.searchNodes(groupIds, search) };
  }

  /** A page of episodes, newest first; `before` is the last episode of the previous page. */
  async episodes(scope: GroupScope, limit: number, before?: string) {
    return this.backend.episodes(this.readGroups(scope, false), limit, before);
  }

  /** Deletes an episode of the frame's own group (or the named group), never another frame's. */
  async deleteEpisode(scope: GroupScope, uuid: string) {
    const group = this.writeGroup(scope);
    const removed = await this.backend.deleteEpisode([group], uuid);
    if (!removed) throw new Error(`no episode ${uuid} in group ${group}; context_get_episodes lists them`);
    return { groupId: group, ...removed };
  }

  async clearGroup(scope: GroupScope) {
    const group = this.writeGroup(scope);
    return { groupId: group, ...(await this.backend.clearGroup(group)) };
  }

  async status(scope: GroupScope) {
    const groupIds = this.readGroups(scope, false);
    return { groupIds, backend: this.backend.kind, ...(await this.backend.status(groupIds)) };
  }

  /**
   * What an agent should know before it starts `task` in the frame, within the token budget
   * (argument, else the frame's context_budget_tokens, else 8000). Other frames' knowledge only
   * when asked for and allowed by the frame's config.
   */
  async curate(
    frameRef: string,
    task: string,
    opts: { budgetTokens?: number; crossFrame?: boolean },
  ): Promise<Curated & { groupIds: string[] }> {
    const frame = this.frames.resolve(frameRef);
    const config = this.frameContext(frame.id);
    if (opts.crossFrame && !config.cross_frame_search) {
      throw new Error(
        `frame ${frame.name} does not allow cross-frame search; set it with frame_config_set {context: {cross_frame_search: true}}`,
      );
    }
    const groupIds = this.readGroups({ frame: frame.id }, opts.crossFrame ?? config.cross_frame_search ?? false);
    const budget = opts.budgetTokens ?? config.context_budget_tokens ?? DEFAULT_BUDGET_TOKENS;
    return { groupIds, ...(await curate(this.backend, groupIds, task, budget, `frame ${frame.name}`)) };
  }
}
