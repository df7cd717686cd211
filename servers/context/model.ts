import type { EpisodeInput } from './heuristic-extractor.js';

/**
 * Graphiti's model as Optagon stores it: episodes (what happened), entities (what it was about)
 * and facts (entity→entity edges that are true from `validAt` until `invalidAt`). Times are epoch
 * milliseconds; every row belongs to a group (`frame_<id>` or `shared_global`).
 */
export type EpisodeStatus = 'queued' | 'processing' | 'processed' | 'failed';

export interface Episode extends EpisodeInput {
  uuid: string;
  groupId: string;
  validAt: number;
  createdAt: number;
  status: EpisodeStatus;
  error: string | null;
}

export interface Entity {
  uuid: string;
  groupId: string;
  name: string;
  summary: string;
  labels: string[];
  attributes: Record<string, unknown>;
  createdAt: number;
}

export interface Fact {
  uuid: string;
  groupId: string;
  name: string;
  fact: string;
  source: string;
  target: string;
  sourceUuid: string;
  targetUuid: string;
  episodes: string[];
  createdAt: number;
  validAt: number | null;
  invalidAt: number | null;
  expiredAt: number | null;
}

/** Which facts a read sees: only current ones, all of them, or those true at a time. */
export interface Validity {
  currentOnly: boolean;
  asOf?: number | undefined;
}

export interface ContextCounts {
  episodes: Record<EpisodeStatus, number>;
  entities: number;
  facts: number;
  currentFacts: number;
}

/** Names that differ only in case, spacing or a leading "the" are one entity. */
export const normalizeName = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^the /, '');

/**
 * The key of the first fuzzy pass: the normalised name without separators, so "Node.js", "NodeJS"
 * and "node js" meet. Files and commits keep exact names (a-b.ts and a_b.ts are different files).
 */
export const fuzzyKey = (name: string) => normalizeName(name).replace(/[^\p{L}\p{N}]+/gu, '');

const trigrams = (s: string) => {
  const padded = `  ${s} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return out;
};

/** Jaccard similarity of two names' character trigrams (Graphiti's fuzzy dedup uses the same measure, via MinHash). */
export function nameSimilarity(a: string, b: string): number {
  const x = trigrams(a);
  const y = trigrams(b);
  let shared = 0;
  for (const t of x) if (y.has(t)) shared++;
  return shared / (x.size + y.size - shared);
}

// Words that match nearly everything and rank nothing.
const STOP_WORDS = new Set(
  'a an and are as at be but by can do does for from had has have how i if in into is it its of on or so than that the their then there these this to was we were what when where which who why will with you'.split(' '),
);

/** The significant words of free text, lower-cased and each once. */
export function queryWords(text: string): string[] {
  const words = text.match(/[\p{L}\p{N}_]+/gu)?.filter((w) => w.length > 1 && !STOP_WORDS.has(w.toLowerCase())) ?? [];
  return [...new Set(words.map((w) => w.toLowerCase()))];
}

/** FTS5 query matching any of the words (BM25 ranks the best), each quoted. */
export const anyOf = (words: string[]) => words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ');

/** FTS5 query from free text: any of its significant words. */
export function ftsQuery(text: string): string | undefined {
  const words = queryWords(text);
  return words.length ? anyOf(words) : undefined;
}
