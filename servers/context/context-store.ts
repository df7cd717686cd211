import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { openDatabase, statementCache } from '../shared/sqlite.js';
import type { EpisodeInput, Extraction } from './heuristic-extractor.js';
import { contextMigrations } from './migrations.js';

export type EpisodeStatus = 'queued' | 'processing' | 'processed' | 'failed';

export interface Episode extends EpisodeInput {
  uuid: string;
  groupId: string;
  validAt: number;
  createdAt: number;
  status: EpisodeStatus;
  error: string | null;
}

export interface Fact {
  uuid: string;
  groupId: string;
  name: string;
  fact: string;
  source: string;
  target: string;
  episodes: string[];
  createdAt: number;
  validAt: number | null;
  invalidAt: number | null;
  expiredAt: number | null;
}

interface FactRow {
  uuid: string;
  group_id: string;
  name: string;
  fact: string;
  source_name: string;
  target_name: string;
  episodes: string;
  created_at: number;
  valid_at: number | null;
  invalid_at: number | null;
  expired_at: number | null;
}

interface EpisodeRow {
  uuid: string;
  group_id: string;
  name: string;
  content: string;
  source: Episode['source'];
  source_description: string;
  valid_at: number;
  created_at: number;
  status: EpisodeStatus;
  error: string | null;
}

/** Names that differ only in case, spacing or a leading "the" are one entity. */
export const normalizeName = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^the /, '');

const toFact = (r: FactRow): Fact => ({
  uuid: r.uuid,
  groupId: r.group_id,
  name: r.name,
  fact: r.fact,
  source: r.source_name,
  target: r.target_name,
  episodes: JSON.parse(r.episodes) as string[],
  createdAt: r.created_at,
  validAt: r.valid_at,
  invalidAt: r.invalid_at,
  expiredAt: r.expired_at,
});

const toEpisode = (r: EpisodeRow): Episode => ({
  uuid: r.uuid,
  groupId: r.group_id,
  name: r.name,
  content: r.content,
  source: r.source,
  sourceDescription: r.source_description,
  validAt: r.valid_at,
  createdAt: r.created_at,
  status: r.status,
  error: r.error,
});

/** FTS5 query from free text: each word as a quoted term, any of them (BM25 ranks the best). */
export function ftsQuery(text: string): string | undefined {
  const words = text.match(/[\p{L}\p{N}_]+/gu)?.filter((w) => w.length > 1) ?? [];
  return words.length ? words.map((w) => `"${w}"`).join(' OR ') : undefined;
}

const FACT_SELECT = `SELECT f.uuid, f.group_id, f.name, f.fact, s.name AS source_name, t.name AS target_name, f.episodes,
  f.created_at, f.valid_at, f.invalid_at, f.expired_at
  FROM facts f JOIN entities s ON s.uuid = f.source_uuid JOIN entities t ON t.uuid = f.target_uuid`;

/**
 * The context graph in SQLite: Graphiti's model (episodes, entities, facts with validity times,
 * mentions), FTS5 for BM25. Invalidation never deletes: a contradicted fact gets `invalid_at` (when
 * it stopped being true) and `expired_at` (when we learned so), and stays answerable for "as of".
 */
export class ContextStore {
  readonly db: Database.Database;

  /** A prepared statement, compiled once per connection: ingestion runs the same few per episode. */
  private readonly sql: (text: string) => Database.Statement;

  constructor(file: string) {
    this.db = openDatabase(file, contextMigrations);
    this.sql = statementCache(this.db);
  }

  close(): void {
    this.db.close();
  }

  /** Queues an episode; with a dedup key, the same key in the same group returns the first one. */
  addEpisode(groupId: string, input: EpisodeInput & { validAt?: number; dedupKey?: string }): { episode: Episode; duplicate: boolean } {
    if (input.dedupKey) {
      const found = this.sql('SELECT * FROM episodes WHERE group_id = ? AND dedup_key = ?').get(groupId, input.dedupKey) as EpisodeRow | undefined;
      if (found) return { episode: toEpisode(found), duplicate: true };
    }
    const now = Date.now();
    const uuid = randomUUID();
    this.sql(
      `INSERT INTO episodes (uuid, group_id, name, content, source, source_description, valid_at, created_at, dedup_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(uuid, groupId, input.name, input.content, input.source, input.sourceDescription, input.validAt ?? now, now, input.dedupKey ?? null);
    this.sql('INSERT INTO episodes_fts (uuid, group_id, text) VALUES (?, ?, ?)').run(uuid, groupId, `${input.name}\n${input.content}`);
    return { episode: this.episode(uuid)!, duplicate: false };
  }

  episode(uuid: string): Episode | undefined {
    const row = this.sql('SELECT * FROM episodes WHERE uuid = ?').get(uuid) as EpisodeRow | undefined;
    return row && toEpisode(row);
  }

  /** Episodes not yet processed, oldest first: what a restart must queue again. */
  unfinishedEpisodes(): Episode[] {
    return (this.sql("SELECT * FROM episodes WHERE status IN ('queued','processing') ORDER BY created_at").all() as EpisodeRow[]).map(toEpisode);
  }

  setEpisodeStatus(uuid: string, status: EpisodeStatus, error?: string): void {
    this.sql('UPDATE episodes SET status = ?, error = ?, processed_at = ? WHERE uuid = ?')
      .run(status, error ?? null, status === 'processed' || status === 'failed' ? Date.now() : null, uuid);
  }

  /** Newest first (by the time they describe). */
  episodes(groupIds: string[], limit: number): Episode[] {
    const marks = groupIds.map(() => '?').join(',');
    return (this.sql(`SELECT * FROM episodes WHERE group_id IN (${marks}) ORDER BY valid_at DESC, created_at DESC LIMIT ?`).all(...groupIds, limit) as EpisodeRow[]).map(toEpisode);
  }

  /**
   * Writes what an episode yielded, in one transaction: entities resolved by normalised name,
   * mentions, and facts. A fact already known (same ends, relation and sentence) gains the episode
   * instead of a duplicate. A fact marked `replaces` invalidates the current facts of the same
   * subject and relation that point elsewhere, as of the episode's time; nothing else is touched.
   */
  applyExtraction(episode: Episode, extraction: Extraction): { entities: number; facts: number; invalidated: number } {
    const counts = { entities: 0, facts: 0, invalidated: 0 };
    this.db
      .transaction(() => {
        const ids = new Map<string, string>();
        for (const e of extraction.entities) {
          const uuid = this.upsertEntity(episode.groupId, e.name, e.labels, e.summary);
          ids.set(normalizeName(e.name), uuid);
          this.sql('INSERT OR IGNORE INTO mentions (episode_uuid, entity_uuid) VALUES (?, ?)').run(episode.uuid, uuid);
          counts.entities++;
        }
        const idOf = (name: string) => ids.get(normalizeName(name)) ?? this.upsertEntity(episode.groupId, name, [], undefined);
        for (const f of extraction.facts) {
          const source = idOf(f.source);
          const target = idOf(f.target);
          if (f.replaces) counts.invalidated += this.invalidate(episode, source, target, f.name);
          const same = this
            .sql('SELECT uuid, episodes FROM facts WHERE group_id = ? AND source_uuid = ? AND target_uuid = ? AND name = ? AND fact = ? AND invalid_at IS NULL')
            .get(episode.groupId, source, target, f.name, f.fact) as { uuid: string; episodes: string } | undefined;
          if (same) {
            const eps = [...new Set([...(JSON.parse(same.episodes) as string[]), episode.uuid])];
            this.sql('UPDATE facts SET episodes = ? WHERE uuid = ?').run(JSON.stringify(eps), same.uuid);
            continue;
          }
          const uuid = randomUUID();
          this.sql(
            `INSERT INTO facts (uuid, group_id, source_uuid, target_uuid, name, fact, episodes, created_at, valid_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(uuid, episode.groupId, source, target, f.name, f.fact, JSON.stringify([episode.uuid]), Date.now(), episode.validAt);
          this.sql('INSERT INTO facts_fts (uuid, group_id, text) VALUES (?, ?, ?)').run(uuid, episode.groupId, `${f.fact}\n${f.name.replace(/_/g, ' ')}`);
          counts.facts++;
        }
      })
      .immediate();
    return counts;
  }

  private invalidate(episode: Episode, source: string, target: string, name: string): number {
    return this.sql(
      `UPDATE facts SET invalid_at = ?, expired_at = ?
       WHERE group_id = ? AND source_uuid = ? AND name = ? AND target_uuid != ? AND invalid_at IS NULL AND (valid_at IS NULL OR valid_at <= ?)`,
    ).run(episode.validAt, Date.now(), episode.groupId, source, name, target, episode.validAt).changes;
  }

  private upsertEntity(groupId: string, name: string, labels: string[], summary: string | undefined): string {
    const norm = normalizeName(name);
    const found = this.sql('SELECT uuid, labels, summary FROM entities WHERE group_id = ? AND norm_name = ?').get(groupId, norm) as
      | { uuid: string; labels: string; summary: string }
      | undefined;
    if (found) {
      const merged = [...new Set([...(JSON.parse(found.labels) as string[]), ...labels])];
      const newSummary = summary && !found.summary ? summary : found.summary;
      if (merged.length !== JSON.parse(found.labels).length || newSummary !== found.summary) {
        this.sql('UPDATE entities SET labels = ?, summary = ? WHERE uuid = ?').run(JSON.stringify(merged), newSummary, found.uuid);
        this.sql('UPDATE entities_fts SET text = ? WHERE uuid = ?').run(`${name}\n${newSummary}`, found.uuid);
      }
      return found.uuid;
    }
    const uuid = randomUUID();
    this.sql('INSERT INTO entities (uuid, group_id, name, norm_name, summary, labels, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(uuid, groupId, name, norm, summary ?? '', JSON.stringify(labels), Date.now());
    this.sql('INSERT INTO entities_fts (uuid, group_id, text) VALUES (?, ?, ?)').run(uuid, groupId, `${name}\n${summary ?? ''}`);
    return uuid;
  }

  /**
   * Facts ranked by BM25 for `query` in the groups. `currentOnly`: only facts not invalidated;
   * `asOf`: the facts that were true at that time (valid then, not yet invalid).
   */
  searchFacts(opts: { groupIds: string[]; query: string; limit: number; currentOnly: boolean; asOf?: number }): Fact[] {
    const q = ftsQuery(opts.query);
    if (!q || !opts.groupIds.length) return [];
    const marks = opts.groupIds.map(() => '?').join(',');
    const when =
      opts.asOf !== undefined
        ? 'AND (f.valid_at IS NULL OR f.valid_at <= @asOf) AND (f.invalid_at IS NULL OR f.invalid_at > @asOf)'
        : opts.currentOnly
          ? 'AND f.invalid_at IS NULL'
          : '';
    const sql = `${FACT_SELECT} JOIN (SELECT uuid, bm25(facts_fts) AS score FROM facts_fts WHERE facts_fts MATCH @q) m ON m.uuid = f.uuid
      WHERE f.group_id IN (${marks}) ${when} ORDER BY m.score LIMIT @limit`;
    const params: Record<string, unknown> = { q, limit: opts.limit, ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}) };
    return (this.sql(sql).all(...opts.groupIds, params) as FactRow[]).map(toFact);
  }

  /** How many episodes are in each state, and how many entities and facts the groups hold. */
  status(groupIds: string[]): { episodes: Record<EpisodeStatus, number>; entities: number; facts: number; currentFacts: number } {
    const marks = groupIds.map(() => '?').join(',');
    const episodes: Record<EpisodeStatus, number> = { queued: 0, processing: 0, processed: 0, failed: 0 };
    for (const r of this.sql(`SELECT status, count(*) AS n FROM episodes WHERE group_id IN (${marks}) GROUP BY status`).all(...groupIds) as Array<{ status: EpisodeStatus; n: number }>) {
      episodes[r.status] = r.n;
    }
    const count = (sql: string) => (this.sql(sql).get(...groupIds) as { n: number }).n;
    return {
      episodes,
      entities: count(`SELECT count(*) AS n FROM entities WHERE group_id IN (${marks})`),
      facts: count(`SELECT count(*) AS n FROM facts WHERE group_id IN (${marks})`),
      currentFacts: count(`SELECT count(*) AS n FROM facts WHERE group_id IN (${marks}) AND invalid_at IS NULL`),
    };
  }
}
