import type { ContextBackend, EpisodeSearch, FactSearch, FoundEpisodes, NewEpisode, NodeSearch } from './backend.js';
import { rankEpisodes } from './episode-ranking.js';
import type { ContextStore, Written } from './context-store.js';
import type { Embedder } from './embedder.js';
import { GraphReads } from './graph-reads.js';
import type { Extraction } from './heuristic-extractor.js';
import { IngestQueue } from './ingest-queue.js';
import type { Entity, Episode, Fact } from './model.js';
import { byDistance, mmr, rrf, setOverlap, wordSet } from './rerankers.js';
import { cosine } from './vector-index.js';

/** Makes entities and facts from an episode: the heuristic extractor, or one LLM call. */
export type Extractor = (episode: Episode, reads: GraphReads) => Extraction | Promise<Extraction>;

/** Seed entities a graph walk starts from. */
const SEEDS = 5;

/**
 * The default backend: Optagon's own graph in SQLite. Ingest is a per-group queue (extract,
 * resolve and write, then embed when an embedder is configured); search fuses BM25, cosine and
 * BFS ranks with RRF, as Graphiti does, and can rerank by MMR or by distance from a node.
 */
export class EmbeddedBackend implements ContextBackend {
  readonly kind = 'embedded' as const;
  readonly reads: GraphReads;
  private readonly queue: IngestQueue;

  constructor(
    readonly store: ContextStore,
    private readonly extract: Extractor,
    private readonly embedder?: Embedder,
  ) {
    this.reads = new GraphReads(store);
    this.queue = new IngestQueue(store, {
      extract: (episode) => this.extract(episode, this.reads),
      write: (episode, extraction) => store.applyExtraction(episode, extraction),
      after: embedder && ((_, written) => this.embed(embedder, written)),
    });
  }

  /** Vectors for what a write made new. */
  private async embed(embedder: Embedder, written: Written): Promise<void> {
    const items = [
      ...written.newFacts.map((f) => ['facts', f] as const),
      ...written.newEntities.map((e) => ['entities', e] as const),
    ];
    if (!items.length) return;
    let vectors: Float32Array[];
    try {
      vectors = await embedder.embed(items.map(([, x]) => x.text));
    } catch (err) {
      throw new Error(
        `${(err as Error).message}; the episode's facts are stored and BM25 and graph search find them, similarity search does not`,
      );
    }
    items.forEach(([table, x], i) => this.store.setEmbedding(table, x.uuid, vectors[i]!, embedder.model));
  }

  async addEpisode(groupId: string, input: NewEpisode) {
    const { episode, duplicate } = this.store.addEpisode(groupId, input);
    return { episode, duplicate, processed: duplicate ? Promise.resolve(episode) : this.queue.enqueue(episode) };
  }

  async episodes(groupIds: string[], limit: number, before?: string): Promise<Episode[]> {
    const from = before && this.store.episode(before);
    if (before && (!from || !groupIds.includes(from.groupId)))
      throw new Error(`cursor ${before} is no episode of these groups; ask again without a cursor for the first page`);
    return this.store.episodes(groupIds, limit, before);
  }

  /** The query's vector, when an embedder is configured and these groups hold vectors of its model. */
  private async queryVector(
    table: 'facts' | 'entities',
    groupIds: string[],
    query: string,
  ): Promise<Float32Array | undefined> {
    if (!this.embedder || !this.reads.vectors.has(table, groupIds, this.embedder.model)) return undefined;
    return (await this.embedder.embed([query]))[0];
  }

  async searchFacts(groupIds: string[], s: FactSearch): Promise<Fact[]> {
    const pool = Math.max(s.limit * 3, 30);
    const lists = [this.reads.bm25Facts(groupIds, s.query, s, pool)];
    const vector = await this.queryVector('facts', groupIds, s.query);
    const model = this.embedder?.model ?? '';
    if (vector) lists.push(this.reads.nearestFacts(groupIds, vector, model, s, pool));
    const seeds = new Set(this.reads.bm25Entities(groupIds, s.query, SEEDS));
    if (vector) for (const e of this.reads.nearestEntities(groupIds, vector, model, SEEDS)) seeds.add(e);
    if (seeds.size) lists.push(this.reads.nearFacts([...seeds], groupIds, s, pool));

    let ranked = rrf(lists).slice(0, pool);
    if (s.reranker === 'rrf') return this.reads.facts(ranked.slice(0, s.limit).map((r) => r.id));
    const facts = new Map(this.reads.facts(ranked.map((r) => r.id)).map((f) => [f.uuid, f]));
    if (s.reranker === 'mmr') {
      const vectors = this.reads.vectors.vectorsOf('facts', [...facts.keys()]);
      const words = new Map([...facts].map(([id, f]) => [id, wordSet(f.fact)]));
      ranked = mmr(ranked, (a, b) => {
        const [va, vb] = [vectors.get(a), vectors.get(b)];
        return va && vb ? cosine(va, vb) : setOverlap(words.get(a)!, words.get(b)!);
      });
    } else {
      const center = s.centerNode && this.store.entityByName(groupIds, s.centerNode);
      if (!center)
        throw new Error(
          `node_distance needs center_node, the name or uuid of an entity in these groups (no '${s.centerNode ?? ''}'); context_search_nodes finds names`,
        );
      const dist = this.reads.walk([center.uuid], groupIds, s);
      const far = Number.POSITIVE_INFINITY;
      ranked = byDistance(ranked, (id) => {
        const f = facts.get(id)!;
        return Math.min(dist.get(f.sourceUuid) ?? far, dist.get(f.targetUuid) ?? far);
      });
    }
    return ranked.slice(0, s.limit).flatMap((r) => facts.get(r.id) ?? []);
  }

  async searchNodes(groupIds: string[], s: NodeSearch): Promise<Entity[]> {
    const pool = Math.max(s.limit * (s.labels?.length ? 10 : 3), 30);
    const lists = [this.reads.bm25Entities(groupIds, s.query, pool)];
    const vector = await this.queryVector('entities', groupIds, s.query);
    if (vector) lists.push(this.reads.nearestEntities(groupIds, vector, this.embedder!.model, pool));
    let found = this.reads.entities(rrf(lists).map((r) => r.id));
    if (s.labels?.length) {
      const wanted = new Set(s.labels.map((l) => l.toLowerCase()));
      found = found.filter((e) => e.labels.some((l) => wanted.has(l.toLowerCase())));
    }
    return found.slice(0, s.limit);
  }

  async searchEpisodes(groupIds: string[], s: EpisodeSearch): Promise<FoundEpisodes> {
    const ranked = rankEpisodes(this.reads, groupIds, s.query, s.limit);
    return {
      episodes: ranked.episodes.flatMap((uuid) => this.store.episode(uuid) ?? []),
      files: ranked.files.map(({ name, score }) => ({ name, score })),
    };
  }

  async deleteEpisode(groupIds: string[], uuid: string) {
    const episode = this.store.episode(uuid);
    if (!episode || !groupIds.includes(episode.groupId)) return false as const;
    return { episodes: 1, ...this.store.deleteEpisode(uuid)! };
  }

  async clearGroup(groupId: string) {
    return this.store.clearGroup(groupId);
  }

  async status(groupIds: string[]) {
    return this.store.status(groupIds);
  }

  recover(): number {
    return this.queue.recover();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  async close(): Promise<void> {
    this.store.close();
  }
}
