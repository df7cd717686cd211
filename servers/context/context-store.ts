import type Database from 'better-sqlite3';
// Ids are UUIDv7, time-ordered: new rows land at the end of the uuid indexes instead of on a random
// page each, which halved the pages a batch of ingestion dirties (with v4 ids, commits were the
// larger half of its cost).
import { v7 as newId } from 'uuid';
import { openDatabase, statementCache } from '../shared/sqlite.js';
import type { EpisodeInput, Extraction } from './heuristic-extractor.js';
import { contextMigrations } from './migrations.js';
import {
  fuzzyKey,
  nameSimilarity,
  searchable,
  normalizeName,
  type ContextCounts,
  type Entity,
  type Episode,
  type EpisodeStatus,
} from './model.js';
import { toEntity, toEpisode, type EntityRow, type EpisodeRow } from './rows.js';

/** Labels whose names are identities: never merged by similarity. */
const EXACT_LABELS = new Set(['File', 'Commit']);
/** Trigram Jaccard at or above which two names of one group are the same entity (Graphiti uses 0.9 too). */
const FUZZY_THRESHOLD = 0.9;

/** What a write made that may want an embedding. */
export interface Written {
  entities: number;
  facts: number;
  invalidated: number;
  newEntities: Array<{ uuid: string; text: string }>;
  newFacts: Array<{ uuid: string; text: string }>;
}

export const marks = (list: readonly unknown[]) => list.map(() => '?').join(',');

/**
 * The context graph in SQLite: Graphiti's model (episodes, entities, facts with validity times,
 * mentions), FTS5 for BM25 (rows keyed by their table's rowid). This class writes; GraphReads
 * searches. Invalidation never deletes: a contradicted fact gets `invalid_at` (when it stopped being
 * true) and `expired_at` (when we learned so), and stays answerable for "as of".
 */
export class ContextStore {
  readonly db: Database.Database;

  /** A prepared statement, compiled once per connection: ingestion runs the same few per episode. */
  readonly sql: (text: string) => Database.Statement;

  /** Bumped on every write to a group, so in-memory vector indexes know when to reload. */
  private readonly versions = new Map<string, number>();

  constructor(file: string) {
    this.db = openDatabase(file, contextMigrations);
    // A checkpoint every 1,000 WAL pages (SQLite's default) made checkpoint I/O most of the cost of
    // ingestion. 10,000 pages is a WAL of up to 40 MB.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.sql = statementCache(this.db);
    const unkeyed = this.sql('SELECT uuid, name FROM entities WHERE fuzzy_key IS NULL').all() as Array<{
      uuid: string;
      name: string;
    }>;
    for (const e of unkeyed) this.sql('UPDATE entities SET fuzzy_key = ? WHERE uuid = ?').run(fuzzyKey(e.name), e.uuid);
    this.fillSearchIndexes();
  }

  /**
   * The FTS rows of a table whose index a migration emptied (their text is computed here:
   * identifiers' parts, see searchable), written again in one transaction; nothing to do otherwise.
   */
  private fillSearchIndexes(): void {
    const texts = {
      episodes: 'name || char(10) || content',
      facts: "fact || char(10) || replace(name, '_', ' ')",
      entities: 'name || char(10) || summary',
    };
    for (const [table, text] of Object.entries(texts)) {
      const empty =
        !this.sql(`SELECT 1 FROM ${table}_fts LIMIT 1`).get() && this.sql(`SELECT 1 FROM ${table} LIMIT 1`).get();
      if (!empty) continue;
      const insert = this.sql(`INSERT INTO ${table}_fts (rowid, text) VALUES (?, ?)`);
      this.db.transaction(() => {
        // all(), not iterate(): better-sqlite3 runs no other statement while one is being read.
        for (const r of this.sql(`SELECT rowid, ${text} AS text FROM ${table}`).all() as Array<{
          rowid: number;
          text: string;
        }>)
          insert.run(r.rowid, searchable(r.text));
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  version(groupId: string): number {
    return this.versions.get(groupId) ?? 0;
  }

  /** Bumped on every write to any group: what caches of reads across groups compare. */
  writes = 0;

  private touched(groupId: string): void {
    this.versions.set(groupId, this.version(groupId) + 1);
    this.writes++;
  }

  /** Queues an episode; with a dedup key, the same key in the same group returns the first one. */
  addEpisode(
    groupId: string,
    input: EpisodeInput & { validAt?: number; dedupKey?: string },
  ): { episode: Episode; duplicate: boolean } {
    if (input.dedupKey) {
      const found = this.sql('SELECT * FROM episodes WHERE group_id = ? AND dedup_key = ?').get(
        groupId,
        input.dedupKey,
      ) as EpisodeRow | undefined;
      if (found) return { episode: toEpisode(found), duplicate: true };
    }
    const now = Date.now();
    const uuid = newId();
    this.db.transaction(() => {
      const { lastInsertRowid } = this.sql(
        `INSERT INTO episodes (uuid, group_id, name, content, source, source_description, valid_at, created_at, dedup_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        uuid,
        groupId,
        input.name,
        input.content,
        input.source,
        input.sourceDescription,
        input.validAt ?? now,
        now,
        input.dedupKey ?? null,
      );
      this.sql('INSERT INTO episodes_fts (rowid, text) VALUES (?, ?)').run(
        lastInsertRowid,
        searchable(`${input.name}\n${input.content}`),
      );
    })();
    return { episode: this.episode(uuid)!, duplicate: false };
  }

  episode(uuid: string): Episode | undefined {
    const row = this.sql('SELECT * FROM episodes WHERE uuid = ?').get(uuid) as EpisodeRow | undefined;
    return row && toEpisode(row);
  }

  /** Episodes not yet processed, oldest first: what a restart must queue again. */
  unfinishedEpisodes(): Episode[] {
    return (
      this.sql(
        "SELECT * FROM episodes WHERE status IN ('queued','processing') ORDER BY created_at",
      ).all() as EpisodeRow[]
    ).map(toEpisode);
  }

  setEpisodeStatus(uuid: string, status: EpisodeStatus, error?: string): void {
    this.sql('UPDATE episodes SET status = ?, error = ?, processed_at = ? WHERE uuid = ?').run(
      status,
      error ?? null,
      status === 'processed' || status === 'failed' ? Date.now() : null,
      uuid,
    );
  }

  /**
   * Newest first (by the time they describe, then when they were added, then uuid); with `before`,
   * the page after that episode: a key, not an offset, so rows added meanwhile move no page.
   */
  episodes(groupIds: string[], limit: number, before?: string): Episode[] {
    const after = before
      ? 'AND (valid_at, created_at, uuid) < (SELECT valid_at, created_at, uuid FROM episodes WHERE uuid = ?)'
      : '';
    return (
      this.sql(
        `SELECT * FROM episodes WHERE group_id IN (${marks(groupIds)}) ${after}
         ORDER BY valid_at DESC, created_at DESC, uuid DESC LIMIT ?`,
      ).all(...groupIds, ...(before ? [before] : []), limit) as EpisodeRow[]
    ).map(toEpisode);
  }

  /**
   * Writes what an episode yielded: entities resolved by name (exact, normalised, then fuzzy),
   * mentions, and facts. A fact already known (same ends, relation and
   * sentence) gains the episode instead of a duplicate. A fact marked `replaces` invalidates the
   * current facts of the same subject and relation that point elsewhere, as of the episode's time;
   * nothing else is touched. Not atomic by itself: the caller (the ingest queue) holds the
   * transaction, which may span many episodes.
   */
  applyExtraction(episode: Episode, extraction: Extraction): Written {
    const out: Written = { entities: 0, facts: 0, invalidated: 0, newEntities: [], newFacts: [] };
    const ids = new Map<string, string>();
    const entity = (name: string, labels: string[], summary?: string) => {
      const key = normalizeName(name);
      let uuid = ids.get(key);
      if (!uuid) {
        uuid = this.upsertEntity(episode.groupId, name, labels, summary, out);
        ids.set(key, uuid);
        this.sql('INSERT OR IGNORE INTO mentions (episode_uuid, entity_uuid) VALUES (?, ?)').run(episode.uuid, uuid);
      }
      return uuid;
    };
    for (const e of extraction.entities) {
      entity(e.name, e.labels, e.summary);
      out.entities++;
    }
    for (const f of extraction.facts) {
      const source = entity(f.source, []);
      const target = entity(f.target, []);
      if (source === target) continue; // fuzzy resolution made them one
      if (f.replaces) out.invalidated += this.invalidate(episode, source, target, f.name);
      const same = this.sql(
        'SELECT uuid, episodes FROM facts WHERE group_id = ? AND source_uuid = ? AND target_uuid = ? AND name = ? AND fact = ? AND invalid_at IS NULL',
      ).get(episode.groupId, source, target, f.name, f.fact) as { uuid: string; episodes: string } | undefined;
      if (same) {
        const eps = [...new Set([...(JSON.parse(same.episodes) as string[]), episode.uuid])];
        this.sql('UPDATE facts SET episodes = ? WHERE uuid = ?').run(JSON.stringify(eps), same.uuid);
        continue;
      }
      const uuid = newId();
      const { lastInsertRowid } = this.sql(
        `INSERT INTO facts (uuid, group_id, source_uuid, target_uuid, name, fact, episodes, created_at, valid_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        uuid,
        episode.groupId,
        source,
        target,
        f.name,
        f.fact,
        JSON.stringify([episode.uuid]),
        Date.now(),
        episode.validAt,
      );
      const text = `${f.fact}\n${f.name.replace(/_/g, ' ')}`;
      this.sql('INSERT INTO facts_fts (rowid, text) VALUES (?, ?)').run(lastInsertRowid, searchable(text));
      out.newFacts.push({ uuid, text: f.fact });
      out.facts++;
    }
    this.touched(episode.groupId);
    return out;
  }

  private invalidate(episode: Episode, source: string, target: string, name: string): number {
    return this.sql(
      `UPDATE facts SET invalid_at = ?, expired_at = ?, invalidated_by = ?
       WHERE group_id = ? AND source_uuid = ? AND name = ? AND target_uuid != ? AND invalid_at IS NULL AND (valid_at IS NULL OR valid_at <= ?)`,
    ).run(episode.validAt, Date.now(), episode.uuid, episode.groupId, source, name, target, episode.validAt).changes;
  }

  /** The entity of that name in the group: by normalised name, then (unless an identity label) fuzzily. */
  private resolveEntity(
    groupId: string,
    name: string,
    labels: string[],
  ): { uuid: string; labels: string; summary: string; rowid: number } | undefined {
    type Found = { uuid: string; labels: string; summary: string; rowid: number; name: string };
    const exact = this.sql(
      'SELECT rowid, uuid, labels, summary FROM entities WHERE group_id = ? AND norm_name = ?',
    ).get(groupId, normalizeName(name)) as Found | undefined;
    if (exact || labels.some((l) => EXACT_LABELS.has(l))) return exact;
    const key = fuzzyKey(name);
    if (key.length < 3) return undefined;
    const near = this.sql(
      'SELECT rowid, uuid, labels, summary, name FROM entities WHERE group_id = ? AND fuzzy_key >= ? AND fuzzy_key < ? LIMIT 50',
    ).all(groupId, key.slice(0, 3), `${key.slice(0, 3)}\uffff`) as Found[];
    let best: Found | undefined;
    let bestScore = FUZZY_THRESHOLD;
    for (const c of near) {
      if ((JSON.parse(c.labels) as string[]).some((l) => EXACT_LABELS.has(l))) continue;
      const other = fuzzyKey(c.name);
      const score = other === key ? 1 : key.length >= 6 ? nameSimilarity(key, other) : 0;
      if (score >= bestScore) [best, bestScore] = [c, score];
    }
    return best;
  }

  private upsertEntity(
    groupId: string,
    name: string,
    labels: string[],
    summary: string | undefined,
    out: Written,
  ): string {
    const found = this.resolveEntity(groupId, name, labels);
    if (found) {
      const known = JSON.parse(found.labels) as string[];
      const merged = [...new Set([...known, ...labels])];
      const newSummary = summary && !found.summary ? summary : found.summary;
      if (merged.length !== known.length || newSummary !== found.summary) {
        this.sql('UPDATE entities SET labels = ?, summary = ? WHERE uuid = ?').run(
          JSON.stringify(merged),
          newSummary,
          found.uuid,
        );
        const row = this.sql('SELECT name FROM entities WHERE uuid = ?').get(found.uuid) as { name: string };
        this.sql('UPDATE entities_fts SET text = ? WHERE rowid = ?').run(
          searchable(`${row.name}\n${newSummary}`),
          found.rowid,
        );
      }
      return found.uuid;
    }
    const uuid = newId();
    const { lastInsertRowid } = this.sql(
      'INSERT INTO entities (uuid, group_id, name, norm_name, fuzzy_key, summary, labels, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(uuid, groupId, name, normalizeName(name), fuzzyKey(name), summary ?? '', JSON.stringify(labels), Date.now());
    this.sql('INSERT INTO entities_fts (rowid, text) VALUES (?, ?)').run(
      lastInsertRowid,
      searchable(`${name}\n${summary ?? ''}`),
    );
    out.newEntities.push({ uuid, text: summary ? `${name}: ${summary}` : name });
    return uuid;
  }

  /** Stores a vector (float32) for a fact or an entity, with the model that made it. */
  setEmbedding(table: 'facts' | 'entities', uuid: string, vector: Float32Array, model: string): void {
    const row = this.sql(
      `UPDATE ${table} SET embedding = ?, embedding_model = ? WHERE uuid = ? RETURNING group_id`,
    ).get(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), model, uuid) as
      { group_id: string } | undefined;
    if (row) this.touched(row.group_id);
  }

  /**
   * Deletes an episode and what only it produced: facts whose sole source it is, and entities
   * nothing else mentions or connects. Facts it shares lose it from their sources; facts it
   * invalidated become current again.
   */
  deleteEpisode(uuid: string): { facts: number; entities: number; restored: number } | undefined {
    const episode = this.episode(uuid);
    if (!episode) return undefined;
    const out = { facts: 0, entities: 0, restored: 0 };
    this.db
      .transaction(() => {
        const facts = this.sql(
          `SELECT f.rowid, f.uuid, f.episodes FROM facts f, json_each(f.episodes) e WHERE f.group_id = ? AND e.value = ?`,
        ).all(episode.groupId, uuid) as Array<{ rowid: number; uuid: string; episodes: string }>;
        for (const f of facts) {
          const rest = (JSON.parse(f.episodes) as string[]).filter((e) => e !== uuid);
          if (rest.length) this.sql('UPDATE facts SET episodes = ? WHERE uuid = ?').run(JSON.stringify(rest), f.uuid);
          else {
            this.deleteRow('facts', f.rowid);
            out.facts++;
          }
        }
        out.restored = this.sql(
          'UPDATE facts SET invalid_at = NULL, expired_at = NULL, invalidated_by = NULL WHERE invalidated_by = ?',
        ).run(uuid).changes;
        const mentioned = this.sql('SELECT entity_uuid AS uuid FROM mentions WHERE episode_uuid = ?').all(
          uuid,
        ) as Array<{ uuid: string }>;
        const row = this.sql('SELECT rowid FROM episodes WHERE uuid = ?').get(uuid) as { rowid: number };
        this.deleteRow('episodes', row.rowid); // mentions go with it (ON DELETE CASCADE)
        for (const { uuid: entity } of mentioned) {
          const used = this.sql(
            `SELECT 1 FROM mentions WHERE entity_uuid = @e UNION ALL SELECT 1 FROM facts WHERE source_uuid = @e UNION ALL SELECT 1 FROM facts WHERE target_uuid = @e LIMIT 1`,
          ).get({ e: entity });
          if (used) continue;
          const e = this.sql('SELECT rowid FROM entities WHERE uuid = ?').get(entity) as { rowid: number };
          this.deleteRow('entities', e.rowid);
          out.entities++;
        }
      })
      .immediate();
    this.touched(episode.groupId);
    return out;
  }

  private deleteRow(table: 'facts' | 'entities' | 'episodes', rowid: number): void {
    this.sql(`DELETE FROM ${table}_fts WHERE rowid = ?`).run(rowid);
    this.sql(`DELETE FROM ${table} WHERE rowid = ?`).run(rowid);
  }

  /** Deletes everything in a group: episodes, entities, facts. */
  clearGroup(groupId: string): { episodes: number; entities: number; facts: number } {
    const out = { episodes: 0, entities: 0, facts: 0 };
    this.db
      .transaction(() => {
        for (const table of ['facts', 'episodes', 'entities'] as const) {
          this.sql(`DELETE FROM ${table}_fts WHERE rowid IN (SELECT rowid FROM ${table} WHERE group_id = ?)`).run(
            groupId,
          );
          out[table] = this.sql(`DELETE FROM ${table} WHERE group_id = ?`).run(groupId).changes;
        }
      })
      .immediate();
    this.touched(groupId);
    return out;
  }

  /** How many episodes are in each state, and how many entities and facts the groups hold. */
  status(groupIds: string[]): ContextCounts {
    const m = marks(groupIds);
    const episodes: Record<EpisodeStatus, number> = { queued: 0, processing: 0, processed: 0, failed: 0 };
    for (const r of this.sql(`SELECT status, count(*) AS n FROM episodes WHERE group_id IN (${m}) GROUP BY status`).all(
      ...groupIds,
    ) as Array<{ status: EpisodeStatus; n: number }>) {
      episodes[r.status] = r.n;
    }
    const count = (sql: string) => (this.sql(sql).get(...groupIds) as { n: number }).n;
    return {
      episodes,
      entities: count(`SELECT count(*) AS n FROM entities WHERE group_id IN (${m})`),
      facts: count(`SELECT count(*) AS n FROM facts WHERE group_id IN (${m})`),
      currentFacts: count(`SELECT count(*) AS n FROM facts WHERE group_id IN (${m}) AND invalid_at IS NULL`),
    };
  }

  /** An entity by name (exact or normalised) in the first of the groups that has it. */
  entityByName(groupIds: string[], name: string): Entity | undefined {
    const rows = this.sql(
      `SELECT * FROM entities WHERE group_id IN (${marks(groupIds)}) AND (uuid = ? OR norm_name = ?) LIMIT 1`,
    ).all(...groupIds, name, normalizeName(name));
    return rows.length ? toEntity(rows[0] as EntityRow) : undefined;
  }
}
