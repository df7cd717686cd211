import type { EpisodeInput } from './heuristic-extractor.js';
import type { ContextCounts, Entity, Episode, Fact, Validity } from './model.js';

export type Reranker = 'rrf' | 'mmr' | 'node_distance';

export interface FactSearch extends Validity {
  query: string;
  limit: number;
  /** rrf: fused ranks only; mmr: also diverse; node_distance: nearest to `centerNode` first. */
  reranker: Reranker;
  centerNode?: string | undefined;
}

export interface NodeSearch {
  query: string;
  limit: number;
  /** Only entities carrying one of these labels. */
  labels?: string[] | undefined;
}

export interface EpisodeSearch {
  query: string;
  limit: number;
}

/** Episodes for a query, best first, and the files they point at (most likely involved first). */
export interface FoundEpisodes {
  episodes: Episode[];
  files: Array<{ name: string; score: number }>;
}

/** What a deletion removed; a backend that cannot count (Graphiti) leaves the counts out. */
export interface Removed {
  episodes?: number;
  facts?: number;
  entities?: number;
  /** Facts the deleted episode had invalidated, current again. */
  restored?: number;
}

export interface BackendStatus extends Partial<ContextCounts> {
  episodes: ContextCounts['episodes'];
  /** The backend's own word on its health (Graphiti's get_status), when it has one. */
  message?: string;
}

export type NewEpisode = EpisodeInput & { validAt?: number; dedupKey?: string };

/**
 * Where a frame's knowledge lives: the embedded SQLite graph (default) or a Graphiti MCP server.
 * Group ids are resolved by ContextService before a backend sees them.
 */
export interface ContextBackend {
  readonly kind: 'embedded' | 'graphiti';
  /**
   * Queues an episode. `processed` resolves (never rejects) with its outcome: processed, or failed
   * with the reason; for a duplicate, with the episode already there.
   */
  addEpisode(
    groupId: string,
    input: NewEpisode,
  ): Promise<{ episode: Episode; duplicate: boolean; processed: Promise<Episode> }>;
  /** Newest first; with `before` (an episode's uuid), those that come after it in that order. */
  episodes(groupIds: string[], limit: number, before?: string): Promise<Episode[]>;
  searchFacts(groupIds: string[], search: FactSearch): Promise<Fact[]>;
  searchNodes(groupIds: string[], search: NodeSearch): Promise<Entity[]>;
  searchEpisodes(groupIds: string[], search: EpisodeSearch): Promise<FoundEpisodes>;
  /** Removes an episode and what only it produced; false when no such episode is in the groups. */
  deleteEpisode(groupIds: string[], uuid: string): Promise<Removed | false>;
  clearGroup(groupId: string): Promise<Removed>;
  status(groupIds: string[]): Promise<BackendStatus>;
  /** Work a previous process left unfinished, queued again; how many. */
  recover(): number;
  /** Resolves once nothing is queued. */
  idle(): Promise<void>;
  close(): Promise<void>;
}
