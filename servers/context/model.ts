import { stemmer } from 'stemmer';
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
  'a an and are as at be but by can do does for from had has have how i if in into is it its of on or so than that the their then there these this to was we were what when where which who why will with you'.split(
    ' ',
  ),
);

/** A significant word of a query, and the term the FTS index holds for it (its stem). */
export interface QueryTerm {
  word: string;
  term: string;
}

/**
 * The significant words of free text, one per index term. Stop words and single letters go;
 * single digits stay ("8.11.3"). FTS5 stems a MATCH query itself, so matching takes `word`
 * (stemming is not idempotent); `term` is for the index's vocabulary and for tokens().
 */
export function queryTerms(text: string, opts: { identifiers?: boolean } = {}): QueryTerm[] {
  const all = words(opts.identifiers === false ? text : searchable(text));
  const significant = all.filter((w) => (w.length > 1 || /\d/.test(w)) && !STOP_WORDS.has(w));
  const byTerm = new Map<string, QueryTerm>();
  for (const word of significant.flatMap((w) => [w, ...(RELATION_WORDS.get(w) ?? [])])) {
    const term = stem(word);
    if (!byTerm.has(term)) byTerm.set(term, { word, term });
  }
  return [...byTerm.values()];
}

/**
 * How people ask about the relations facts carry, and the word each relation's facts use: "who
 * wrote X" should meet "authored", "which files did X touch" "modifies". Stemming joins the
 * inflections ("fixed" and "fixes"); these are the other words for the same relation.
 */
// A Map, not an object: a query word such as "constructor" must not find Object.prototype's.
const RELATION_WORDS = new Map<string, string[]>(
  Object.entries({
    authored: 'wrote written writer committed committer',
    modifies: 'touch touched touches changed changes edit edited edits',
    uses: 'depends dependency',
  }).flatMap(([relation, asked]) => asked.split(' ').map((w) => [w, [relation]] as [string, string[]])),
);

/**
 * The parts of camelCase and PascalCase identifiers, which FTS5's tokenizer keeps whole:
 * "allowMethods" → "allow Methods", "HTTPException" → "HTTP Exception", "getV2Client" → "get V2 Client".
 * `/`, `.`, `-` and `_` already split words there.
 */
export function identifierParts(text: string): string {
  const parts: string[] = [];
  for (const w of text.match(/[\p{L}\p{N}]+/gu) ?? []) {
    const split = w.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
    if (split !== w) parts.push(split);
  }
  return parts.join(' ');
}

/** What an FTS row holds for a text: the text, then its identifiers' parts, so "allow methods" meets allowMethods. */
export function searchable(text: string): string {
  const parts = identifierParts(text);
  return parts ? `${text}\n${parts}` : text;
}

/** Every token of a text as FTS5's `porter unicode61 remove_diacritics 2` tokenizer indexes it. */
export function tokens(text: string): string[] {
  let t = TOKENS.get(text);
  if (!t) {
    if (TOKENS.size >= MAX_TOKENIZED) TOKENS.clear();
    TOKENS.set(text, (t = words(text).map(stem)));
  }
  return t;
}
/**
 * Texts already tokenized: a search scores its best hundred candidates again, and the same
 * episodes come up for related queries (tokenizing them was half of an episode search's time).
 * Rows' texts never change in place, so a text is its own key. Cleared whole when full.
 */
const TOKENS = new Map<string, string[]>();
const MAX_TOKENIZED = 20_000;

/** unicode61 with remove_diacritics: split at anything not a letter or digit (`_` too), lower-cased, accents gone. */
const words = (text: string): string[] =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * FTS5's porter step, so query terms meet the index ("use" finds "uses"). SQLite stems UTF-8
 * bytes, leaving tokens under 3 or over 64 bytes alone, and takes every byte that is not an ASCII
 * vowel for a consonant; the stemmer package (the same Porter algorithm) sees the same letters
 * when each non-ASCII byte is handed over as a private-use character, which it leaves unchanged.
 * A comparison over 16,000 words found the two differing on one ("seyyed").
 */
function stem(word: string): string {
  let s = STEMS.get(word);
  if (s === undefined) {
    if (STEMS.size >= MAX_STEMS) STEMS.clear();
    STEMS.set(word, (s = stemUncached(word)));
  }
  return s;
}
/**
 * Stems already made: a search tokenizes a hundred candidates again for its rerank, and a
 * repository's vocabulary is small (the stemmer was most of an episode search's 8 ms). Cleared
 * whole when full, which a vocabulary rarely fills.
 */
const STEMS = new Map<string, string>();
const MAX_STEMS = 100_000;

function stemUncached(word: string): string {
  if (/^[a-z0-9]*$/.test(word)) return word.length < 3 || word.length > 64 ? word : stemmer(word);
  const bytes = Buffer.from(word, 'utf8');
  if (bytes.length < 3 || bytes.length > 64) return word;
  const stemmed = stemmer(String.fromCharCode(...Array.from(bytes, (b) => (b < 0x80 ? b : PRIVATE_USE + b))));
  return Buffer.from(
    Array.from(stemmed, (c) => c.charCodeAt(0)).map((x) => (x >= PRIVATE_USE ? x - PRIVATE_USE : x)),
  ).toString('utf8');
}
const PRIVATE_USE = 0xe000;

/** FTS5 query matching any of the words (BM25 ranks the best), each quoted. */
export const anyOf = (words: string[]) => words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ');

/** FTS5 query from free text: any of its significant words as written (for an index with the same tokenizer). */
export function ftsQuery(text: string): string | undefined {
  const terms = queryTerms(text, { identifiers: false });
  return terms.length ? anyOf(terms.map((t) => t.word)) : undefined;
}
