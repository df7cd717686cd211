import type { ContextStore } from './context-store.js';
import { marks } from './context-store.js';

interface Loaded {
  versions: string;
  uuids: string[];
  vectors: Float32Array[];
  norms: Float32Array;
  validAt: Array<number | null>;
  invalidAt: Array<number | null>;
}

export const toVector = (blob: Buffer) =>
  new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));

function norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b) || 1);
}

/**
 * The stored vectors of some groups, held in memory between queries (reading every blob per
 * query would dominate search time) and reloaded when a write touches one of the groups.
 * Brute-force cosine: exact, and fast enough for a frame's history.
 */
export class VectorIndex {
  private readonly cache = new Map<string, Loaded>();

  constructor(private readonly store: ContextStore) {}

  private load(table: 'facts' | 'entities', groupIds: string[], model: string): Loaded {
    const key = `${table}|${model}|${groupIds.join(',')}`;
    const versions = groupIds.map((g) => this.store.version(g)).join(',');
    const cached = this.cache.get(key);
    if (cached?.versions === versions) return cached;
    const timeCols = table === 'facts' ? 'valid_at, invalid_at' : 'NULL AS valid_at, NULL AS invalid_at';
    const rows = this.store
      .sql(
        `SELECT uuid, embedding, ${timeCols} FROM ${table} WHERE group_id IN (${marks(groupIds)}) AND embedding_model = ? AND embedding IS NOT NULL`,
      )
      .all(...groupIds, model) as Array<{
      uuid: string;
      embedding: Buffer;
      valid_at: number | null;
      invalid_at: number | null;
    }>;
    const vectors = rows.map((r) => toVector(r.embedding));
    const loaded: Loaded = {
      versions,
      uuids: rows.map((r) => r.uuid),
      vectors,
      norms: Float32Array.from(vectors.map(norm)),
      validAt: rows.map((r) => r.valid_at),
      invalidAt: rows.map((r) => r.invalid_at),
    };
    this.cache.set(key, loaded);
    return loaded;
  }

  /** True when any vector of this model is stored for the groups. */
  has(table: 'facts' | 'entities', groupIds: string[], model: string): boolean {
    return this.load(table, groupIds, model).uuids.length > 0;
  }

  /** Uuids of the `limit` rows most similar to `query`, among those `keep` lets through. */
  nearest(
    table: 'facts' | 'entities',
    groupIds: string[],
    model: string,
    query: Float32Array,
    limit: number,
    keep: (validAt: number | null, invalidAt: number | null) => boolean,
  ): string[] {
    const set = this.load(table, groupIds, model);
    const qn = norm(query) || 1;
    const scored: Array<[number, number]> = [];
    for (let i = 0; i < set.uuids.length; i++) {
      if (!keep(set.validAt[i]!, set.invalidAt[i]!)) continue;
      const v = set.vectors[i]!;
      if (v.length !== query.length) continue;
      let dot = 0;
      for (let j = 0; j < v.length; j++) dot += v[j]! * query[j]!;
      scored.push([dot / (qn * (set.norms[i]! || 1)), i]);
    }
    scored.sort((a, b) => b[0] - a[0]);
    return scored.slice(0, limit).map(([, i]) => set.uuids[i]!);
  }

  /** The stored vector of each uuid that has one (for MMR). */
  vectorsOf(table: 'facts' | 'entities', uuids: string[]): Map<string, Float32Array> {
    if (!uuids.length) return new Map();
    const rows = this.store
      .sql(
        `SELECT uuid, embedding FROM ${table} WHERE uuid IN (SELECT value FROM json_each(?)) AND embedding IS NOT NULL`,
      )
      .all(JSON.stringify(uuids)) as Array<{ uuid: string; embedding: Buffer }>;
    return new Map(rows.map((r) => [r.uuid, toVector(r.embedding)]));
  }
}
