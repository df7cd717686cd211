import type { ContextStore } from './context-store.js';
import { marks } from './context-store.js';
import { anyOf, queryTerms, tokens, type Entity, type Fact, type Validity } from './model.js';
import { FACT_SELECT, toEntity, toFact, type EntityRow, type FactRow } from './rows.js';
import { VectorIndex } from './vector-index.js';

/** BFS never walks further than this many hops from its seeds. */
export const MAX_DEPTH = 3;
/**
 * Entities one walk may reach. The walk is breadth-first, so these are the nearest; search wants a
 * few dozen facts from it, and a hub (an author of 10k commits) must not make a query slow.
 */
const WALK_LIMIT = 200;

/** A term in more rows than this (and in this share of them) ranks little and costs most. */
const COMMON_ROWS = 1000;
const COMMON_SHARE = 0.05;

/** BM25 candidates reranked by query coverage (see GraphReads.bm25). */
const RERANK_POOL = 100;

/** BM25's usual parameters: term-frequency saturation and length normalisation. */
const K1 = 1.2;
const B = 0.75;

/** Okapi BM25 of one candidate's tokens against the weighted query terms. */
function bm25Score(words: string[], weights: Map<string, number>, avgLength: number): number {
  const tf = new Map<string, number>();
  for (const w of words) if (weights.has(w)) tf.set(w, (tf.get(w) ?? 0) + 1);
  const norm = K1 * (1 - B + (B * words.length) / (avgLength || 1));
  let score = 0;
  for (const [w, n] of tf) score += weights.get(w)! * ((n * (K1 + 1)) / (n + norm));
  return score;
}

/** The tables with an FTS index (`<table>_fts`) and its vocabulary (`<table>_vocab`). */
type Table = 'facts' | 'entities' | 'episodes';

/** How a query matches a table: the FTS5 query, its order, and each present term's weight. */
interface Match {
  query: string;
  order: 'rank' | 'recent';
  weights: Map<string, number>;
}

/** The SQL condition (on the facts table's alias) for which facts a read sees, and its parameters. */
function validity(v: Validity, f = 'f'): { sql: string; params: number[] } {
  if (v.asOf !== undefined)
    return {
      sql: `(${f}.valid_at IS NULL OR ${f}.valid_at <= ?) AND (${f}.invalid_at IS NULL OR ${f}.invalid_at > ?)`,
      params: [v.asOf, v.asOf],
    };
  return v.currentOnly ? { sql: `${f}.invalid_at IS NULL`, params: [] } : { sql: '1', params: [] };
}

/**
 * The searches hybrid retrieval fuses, each returning uuids best first: BM25 over facts and
 * entities (FTS5), cosine over stored vectors, and breadth-first walks along facts in SQL.
 */
export class GraphReads {
  readonly vectors: VectorIndex;

  constructor(private readonly store: ContextStore) {
    this.vectors = new VectorIndex(store);
  }

  private get sql() {
    return this.store.sql;
  }

  /**
   * How to match free text in a table's FTS index. BM25 scores every row holding a query term, so a
   * term nearly every row has (a commit's "fix", a relation's "modifies") costs the most and ranks
   * the least: it is left out of the match when rarer terms remain. When all terms are that
   * common, rows are taken newest first instead of ranked. Every term present keeps its weight
   * (inverse document frequency) for the rerank.
   */
  private match(table: Table, text: string): Match | undefined {
    const terms = queryTerms(text);
    if (!terms.length) return undefined;
    const rows = (this.sql(`SELECT coalesce(max(rowid), 0) FROM ${table}`).pluck().get() as number) || 1;
    const common = Math.max(COMMON_ROWS, rows * COMMON_SHARE);
    const vocab = this.sql(`SELECT doc FROM ${table}_vocab WHERE term = ?`).pluck();
    const present = terms
      .map((t) => ({ ...t, df: (vocab.get(t.term) as number | undefined) ?? 0 }))
      .filter((t) => t.df > 0);
    if (!present.length) return undefined;
    const weights = new Map(present.map((t) => [t.term, Math.log(1 + (rows - t.df + 0.5) / (t.df + 0.5))]));
    const rare = present.filter((t) => t.df <= common);
    if (rare.length) return { query: anyOf(rare.map((t) => t.word)), order: 'rank', weights };
    const rarest = present.reduce((a, b) => (b.df < a.df ? b : a));
    return { query: anyOf([rarest.word]), order: 'recent', weights };
  }

  /**
   * BM25 over a table's FTS index with the rarer terms, then the best RERANK_POOL candidates
   * scored again by BM25 with every term of the query, FTS order breaking ties. Without the common
   * terms, "Remove dead code from src/a.ts" would rank every fact about src/a.ts alike; with them,
   * the commit that says all of it comes first.
   */
  private bm25(table: Table, m: Match, where: string, params: unknown[], limit: number): string[] {
    const rows = this.sql(
      `SELECT x.uuid, m.text FROM ${table}_fts m JOIN ${table} x ON x.rowid = m.rowid
       WHERE ${table}_fts MATCH ? AND ${where} ORDER BY ${m.order === 'rank' ? 'm.rank' : 'm.rowid DESC'} LIMIT ?`,
    ).all(m.query, ...params, Math.max(limit, RERANK_POOL)) as Array<{ uuid: string; text: string }>;
    const words = rows.map((r) => tokens(r.text));
    const avgLength = words.reduce((n, w) => n + w.length, 0) / (words.length || 1);
    return rows
      .map((r, rank) => ({ uuid: r.uuid, rank, score: bm25Score(words[rank]!, m.weights, avgLength) }))
      .sort((a, b) => b.score - a.score || a.rank - b.rank)
      .slice(0, limit)
      .map((r) => r.uuid);
  }

  bm25Facts(groupIds: string[], query: string, v: Validity, limit: number): string[] {
    const m = this.match('facts', query);
    if (!m || !groupIds.length) return [];
    const w = validity(v, 'x');
    return this.bm25('facts', m, `x.group_id IN (${marks(groupIds)}) AND ${w.sql}`, [...groupIds, ...w.params], limit);
  }

  bm25Entities(groupIds: string[], query: string, limit: number): string[] {
    const m = this.match('entities', query);
    if (!m || !groupIds.length) return [];
    return this.bm25('entities', m, `x.group_id IN (${marks(groupIds)})`, groupIds, limit);
  }

  /** Processed episodes by BM25 over their name and content (a commit's subject, body and files). */
  bm25Episodes(groupIds: string[], query: string, limit: number): string[] {
    const m = this.match('episodes', query);
    if (!m || !groupIds.length) return [];
    return this.bm25('episodes', m, `x.group_id IN (${marks(groupIds)}) AND x.status = 'processed'`, groupIds, limit);
  }

  /**
   * The files (File entities) each of these episodes mentions: a commit's changed files. Kept
   * until the next write: episode searches ask for the same commits' files again and again, and a
   * commit of many files is hundreds of lookups.
   */
  filesOf(episodes: string[]): Map<string, Array<{ uuid: string; name: string }>> {
    if (this.filesStamp !== this.store.writes || this.files.size > 50_000) {
      this.files.clear();
      this.filesStamp = this.store.writes;
    }
    const missing = episodes.filter((e) => !this.files.has(e));
    if (missing.length) {
      const rows = this.sql(
        `SELECT m.episode_uuid AS episode, e.uuid, e.name FROM mentions m JOIN entities e ON e.uuid = m.entity_uuid
         WHERE m.episode_uuid IN (SELECT value FROM json_each(?)) AND e.labels LIKE '%"File"%'`,
      ).all(JSON.stringify(missing)) as Array<{ episode: string; uuid: string; name: string }>;
      for (const e of missing) this.files.set(e, []);
      for (const r of rows) this.files.get(r.episode)!.push({ uuid: r.uuid, name: r.name });
    }
    return new Map(episodes.map((e) => [e, this.files.get(e)!]));
  }
  private readonly files = new Map<string, Array<{ uuid: string; name: string }>>();
  private filesStamp = -1;

  /** Which of these files are gone: the latest commit that touched each deleted it. */
  deletedFiles(files: string[]): Set<string> {
    return new Set(
      this.sql(
        `SELECT j.value FROM json_each(?) j
         WHERE (SELECT f.name FROM facts f WHERE f.target_uuid = j.value AND f.name IN ('MODIFIES', 'DELETES')
                ORDER BY f.valid_at DESC LIMIT 1) = 'DELETES'`,
      )
        .pluck()
        .all(JSON.stringify(files)) as string[],
    );
  }

  /** The processed episodes that mention each of these entities, newest first, at most `perEntity` each. */
  episodesMentioning(entities: string[], perEntity: number): Map<string, string[]> {
    const step = this.sql(
      `SELECT p.uuid FROM mentions m JOIN episodes p ON p.uuid = m.episode_uuid
       WHERE m.entity_uuid = ? AND p.status = 'processed' ORDER BY p.valid_at DESC LIMIT ?`,
    ).pluck();
    return new Map(entities.map((e) => [e, step.all(e, perEntity) as string[]]));
  }

  /** Facts by uuid, in the order given. */
  facts(uuids: string[]): Fact[] {
    if (!uuids.length) return [];
    const rows = this.sql(`${FACT_SELECT} WHERE f.uuid IN (SELECT value FROM json_each(?))`).all(
      JSON.stringify(uuids),
    ) as FactRow[];
    const byId = new Map(rows.map((r) => [r.uuid, toFact(r)]));
    return uuids.flatMap((u) => byId.get(u) ?? []);
  }

  /** Entities by uuid, in the order given. */
  entities(uuids: string[]): Entity[] {
    if (!uuids.length) return [];
    const rows = this.sql('SELECT * FROM entities WHERE uuid IN (SELECT value FROM json_each(?))').all(
      JSON.stringify(uuids),
    ) as EntityRow[];
    const byId = new Map(rows.map((r) => [r.uuid, toEntity(r)]));
    return uuids.flatMap((u) => byId.get(u) ?? []);
  }

  /**
   * Breadth-first walk along facts (either direction) from the seeds, up to `depth` hops: each
   * entity reached with its distance. SQLite's recursive CTE runs as a FIFO queue, so the row limit
   * cuts the walk at its far edge. CROSS JOIN keeps the walk driving (SQLite would otherwise scan
   * a group's facts for each step).
   */
  walk(seeds: string[], groupIds: string[], v: Validity, depth = MAX_DEPTH): Map<string, number> {
    if (!seeds.length) return new Map();
    const w = validity(v);
    const g = marks(groupIds);
    const rows = this.sql(
      `WITH RECURSIVE walk(entity, depth) AS (
         SELECT value, 0 FROM json_each(?)
         UNION
         SELECT f.target_uuid, w.depth + 1 FROM walk w CROSS JOIN facts f ON f.source_uuid = w.entity
           WHERE w.depth < ? AND f.group_id IN (${g}) AND ${w.sql}
         UNION
         SELECT f.source_uuid, w.depth + 1 FROM walk w CROSS JOIN facts f ON f.target_uuid = w.entity
           WHERE w.depth < ? AND f.group_id IN (${g}) AND ${w.sql}
         LIMIT ${WALK_LIMIT}
       )
       SELECT entity, min(depth) AS depth FROM walk GROUP BY entity`,
    ).all(JSON.stringify(seeds), depth, ...groupIds, ...w.params, depth, ...groupIds, ...w.params) as Array<{
      entity: string;
      depth: number;
    }>;
    return new Map(rows.map((r) => [r.entity, r.depth]));
  }

  /**
   * BFS's ranked list: the `limit` facts nearest the seeds, hop by hop (at most MAX_DEPTH), each
   * entity's newest first. Every step is one indexed query per entity and direction with a LIMIT,
   * so a hub's thousands of facts are never all read; the walk stops as soon as the list is full.
   */
  nearFacts(seeds: string[], groupIds: string[], v: Validity, limit: number): string[] {
    const w = validity(v);
    const g = marks(groupIds);
    const step = (end: 'source' | 'target') =>
      this.sql(
        `SELECT f.uuid, f.source_uuid, f.target_uuid FROM facts f WHERE f.${end}_uuid = ? AND f.group_id IN (${g}) AND ${w.sql}
         ORDER BY f.valid_at DESC LIMIT ?`,
      );
    const found: string[] = [];
    const seen = new Set<string>();
    const visited = new Set(seeds);
    let frontier = seeds;
    for (let depth = 0; depth < MAX_DEPTH && frontier.length && found.length < limit; depth++) {
      const next: string[] = [];
      for (const entity of frontier) {
        for (const end of ['source', 'target'] as const) {
          const rows = step(end).all(entity, ...groupIds, ...w.params, limit) as Array<{
            uuid: string;
            source_uuid: string;
            target_uuid: string;
          }>;
          for (const r of rows) {
            if (!seen.has(r.uuid)) {
              seen.add(r.uuid);
              found.push(r.uuid);
            }
            const other = end === 'source' ? r.target_uuid : r.source_uuid;
            if (!visited.has(other) && visited.size < WALK_LIMIT) {
              visited.add(other);
              next.push(other);
            }
          }
        }
        if (found.length >= limit) break;
      }
      frontier = next;
    }
    return found.slice(0, limit);
  }

  /** Facts nearest the query vector (cosine), among those the validity lets through. */
  nearestFacts(groupIds: string[], query: Float32Array, model: string, v: Validity, limit: number): string[] {
    const seen = (validAt: number | null, invalidAt: number | null) =>
      v.asOf !== undefined
        ? (validAt === null || validAt <= v.asOf) && (invalidAt === null || invalidAt > v.asOf)
        : !v.currentOnly || invalidAt === null;
    return this.vectors.nearest('facts', groupIds, model, query, limit, seen);
  }

  nearestEntities(groupIds: string[], query: Float32Array, model: string, limit: number): string[] {
    return this.vectors.nearest('entities', groupIds, model, query, limit, () => true);
  }
}
