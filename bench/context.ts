import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ContextStore } from '../servers/context/context-store.js';
import { DEFAULT_BUDGET_TOKENS } from '../servers/context/context-service.js';
import { curate } from '../servers/context/curate.js';
import { EmbeddedBackend } from '../servers/context/embedded-backend.js';
import { extractHeuristic } from '../servers/context/heuristic-extractor.js';
import { ftsQuery } from '../servers/context/model.js';
import { openDatabase } from '../servers/shared/sqlite.js';
import { DevHistory, prng, type GeneratedEpisode, type Question } from './dev-history.js';
import { stats } from './measure.js';
import type { Figure } from './report.js';

/** Our goals: heuristic ingestion of at least 1,000 episodes a second; search p95 within 20 ms at 100k facts. */
const INGEST_GOAL_RATE = 1000;
const SEARCH_GOAL_P95_MS = 20;
/** And curation within 150 ms at 100k facts. */
const CURATE_GOAL_P95_MS = 150;
/** The sizes search is measured at, in facts (current and invalidated). */
const SCALES = [10_000, 100_000];
/** Episodes per ingestion chunk; each chunk large enough gives one rate sample of each side. */
const CHUNK = 2000;
const MIN_SAMPLE = 1000;
const SEED = 5;
/** Questions of each kind (files, author, uses; uses is bounded by the components there are). */
const PER_KIND = 100;
/** Latency passes over the question set (the first also scores recall), after a warm-up of a few questions. */
const PASSES = 2;
const WARM_UP = 10;
/**
 * Search at one scale stops asking after this long (checked between questions), so a slow search
 * still ends the bench in time; the figures then say how many questions were asked (n).
 */
const SEARCH_BUDGET_MS = 30_000;
/** A larger scale is not searched when the slowest query of the last one, scaled by the facts, would take longer than this. */
const MAX_QUERY_MS = 5_000;
/** Questions asked at a scale whatever the budget, so there are figures to print. */
const MIN_ASKED = 5;
const GROUP = 'frame_be0c4b0000ff';
const TOP = 5;

const progress = (line: string) => process.stderr.write(`context: ${line}\n`);
const k = (n: number) => `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;

/**
 * The peer: the same episodes in a plain table with FTS5 over name and content, each inserted in
 * its own transaction, in a WAL file opened as ours is (servers/shared/sqlite.ts); search is
 * BM25 over it, with our tokenizer (Porter stemming) and the FTS query ours builds from the text.
 */
export class PlainFts {
  private readonly db: Database.Database;
  private readonly insertRow: Database.Statement;
  private readonly insertText: Database.Statement;
  private readonly query: Database.Statement;

  constructor(file: string) {
    this.db = openDatabase(file, [
      `CREATE TABLE episodes (uuid TEXT PRIMARY KEY, group_id TEXT NOT NULL, name TEXT NOT NULL, content TEXT NOT NULL, source TEXT NOT NULL, valid_at INTEGER NOT NULL);
       CREATE VIRTUAL TABLE episodes_fts USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2');`,
    ]);
    this.insertRow = this.db.prepare(
      'INSERT INTO episodes (uuid, group_id, name, content, source, valid_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertText = this.db.prepare('INSERT INTO episodes_fts (rowid, text) VALUES (?, ?)');
    this.query = this.db.prepare(
      `SELECT e.uuid, e.name, e.content FROM episodes_fts m JOIN episodes e ON e.rowid = m.rowid
       WHERE episodes_fts MATCH ? AND e.group_id = ? ORDER BY m.rank LIMIT ?`,
    );
  }

  add(groupId: string, ep: Pick<GeneratedEpisode, 'name' | 'content' | 'source' | 'validAt'>): void {
    this.db.transaction(() => {
      const { lastInsertRowid } = this.insertRow.run(randomUUID(), groupId, ep.name, ep.content, ep.source, ep.validAt);
      this.insertText.run(lastInsertRowid, `${ep.name}\n${ep.content}`);
    })();
  }

  search(groupId: string, text: string, limit: number): Array<{ uuid: string; name: string; content: string }> {
    const q = ftsQuery(text);
    return q ? (this.query.all(q, groupId, limit) as Array<{ uuid: string; name: string; content: string }>) : [];
  }

  close(): void {
    this.db.close();
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `name` as a whole name in `text`: case-sensitive, not inside a longer word or path. */
const names = (text: string, name: string) => new RegExp(`(?<![\\w/.-])${escape(name)}(?![\\w/-])`).test(text);

/**
 * Scoring (the same for both sides): walk the top 5 results in rank order; the first that names
 * the current answer or a stale one decides, and the question counts as answered only if it names
 * the current one (a result naming both counts as current). No result naming either is a miss. For
 * a question without stale answers this is simply "the answer is named in the top 5". A fact names
 * what its source, target or sentence names; an episode what its name or content names.
 */
function answered(results: string[], q: Question): boolean {
  for (const text of results.slice(0, TOP)) {
    if (names(text, q.answer)) return true;
    if (q.stale.some((s) => names(text, s))) return false;
  }
  return false;
}

interface Scale {
  facts: number;
  latency: Figure;
  curate: Figure;
  recall: Figure;
  /** Unset when the history so far has no component that moved. */
  traps?: Figure;
}

/**
 * Optagon's context graph on generated development history (bench/dev-history.ts), through
 * EmbeddedBackend with the heuristic extractor, into a SQLite file on disk, against plain FTS5 over
 * the same episodes. Ingestion runs in chunks, ours and the peer's alternating, until the graph
 * holds each scale's facts; at each scale every question of the generated set is asked of both
 * sides: latency of searchFacts (default options) against one BM25 query, and recall@5 against the
 * questions' known answers.
 */
export async function benchContext(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'optagon-bench-context-'));
  const ours = new EmbeddedBackend(new ContextStore(join(dir, 'context.db')), (e) => extractHeuristic(e));
  const peer = new PlainFts(join(dir, 'plain.db'));
  try {
    const history = new DevHistory(SEED);
    const oursRates: number[] = [];
    const peerRates: number[] = [];
    const scales: Scale[] = [];
    let facts = 0;
    let chunks = 0;
    const started = performance.now();
    for (const target of SCALES) {
      while (facts < target) {
        const perEpisode = history.count ? facts / history.count : 3;
        const n = Math.min(CHUNK, Math.max(50, Math.ceil((target - facts) / perEpisode)));
        const episodes = history.next(n);
        const ingestOurs = async () => {
          const t = performance.now();
          for (const ep of episodes) await ours.addEpisode(GROUP, ep);
          await ours.idle();
          return n / ((performance.now() - t) / 1000);
        };
        const ingestPeer = async () => {
          const t = performance.now();
          for (const ep of episodes) peer.add(GROUP, ep);
          return n / ((performance.now() - t) / 1000);
        };
        // Alternate which goes first, so neither always runs on a warmer (or more loaded) machine.
        let o: number;
        let p: number;
        if (chunks++ % 2) {
          p = await ingestPeer();
          o = await ingestOurs();
        } else {
          o = await ingestOurs();
          p = await ingestPeer();
        }
        if (n >= MIN_SAMPLE) {
          oursRates.push(o);
          peerRates.push(p);
        }
        const status = await ours.status([GROUP]);
        if (status.episodes.failed) {
          const [failed] = ours.store.db
            .prepare("SELECT error FROM episodes WHERE status = 'failed' LIMIT 1")
            .pluck()
            .all() as string[];
          throw new Error(`${status.episodes.failed} episodes failed to ingest, e.g.: ${failed}`);
        }
        facts = status.facts!;
        progress(
          `${history.count} episodes, ${k(facts)} facts (${status.currentFacts} current), ${status.entities} entities; this chunk ${Math.round(o)}/s, plain FTS5 ${Math.round(p)}/s`,
        );
      }
      const prev = scales[scales.length - 1];
      const expected = prev ? (prev.latency.ours.max * facts) / prev.facts : 0;
      if (expected > MAX_QUERY_MS) {
        progress(
          `not searching at ${k(facts)} facts: at ${k(prev!.facts)} a query took up to ${Math.round(prev!.latency.ours.max)} ms, so one here could take ~${Math.round(expected / 1000)} s`,
        );
        continue;
      }
      progress(`searching at ${k(facts)} facts`);
      scales.push(await searchAt(ours, peer, history, facts));
    }
    const size = (f: string) => `${(statSync(join(dir, f)).size / 1e6).toFixed(0)} MB`;
    progress(
      `done in ${((performance.now() - started) / 1000).toFixed(0)} s; context.db ${size('context.db')}, plain.db ${size('plain.db')}`,
    );
    return [
      {
        name: `context ingest, heuristic (${history.count} episodes to ${k(facts)} facts, ${CHUNK}-episode chunks)`,
        ours: stats(oursRates),
        peer: stats(peerRates),
        peerName: 'plain FTS5 insert of episodes',
        kind: 'rate',
        absoluteGoalRate: INGEST_GOAL_RATE,
      },
      ...scales.flatMap((s) => [s.latency, s.curate, s.recall, ...(s.traps ? [s.traps] : [])]),
    ];
  } finally {
    await ours.close();
    peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function searchAt(ours: EmbeddedBackend, peer: PlainFts, history: DevHistory, facts: number): Promise<Scale> {
  // Shuffled, so the questions asked before the budget runs out are of every kind.
  const rand = prng(SEED + 1);
  const questions = history
    .questions(SEED, PER_KIND)
    .map((q) => [rand(), q] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, q]) => q);
  const search = (q: Question) =>
    ours.searchFacts([GROUP], { query: q.text, limit: 10, currentOnly: true, reranker: 'rrf' });
  const deadline = performance.now() + SEARCH_BUDGET_MS;
  for (const q of questions.slice(0, WARM_UP)) {
    const t = performance.now();
    await search(q);
    peer.search(GROUP, q.text, 10);
    if (performance.now() - t > 100) break; // a slow search gains nothing from warming up
  }
  const oursMs: number[] = [];
  const peerMs: number[] = [];
  const oursHit: number[] = [];
  const peerHit: number[] = [];
  const byKind = new Map<string, { n: number; ours: number; peer: number }>();
  let asked = 0;
  passes: for (let pass = 0; pass < PASSES; pass++) {
    for (const q of questions) {
      if (performance.now() > deadline && (pass || asked >= MIN_ASKED)) {
        if (!pass)
          progress(
            `  search budget of ${SEARCH_BUDGET_MS / 1000} s spent after ${asked} of ${questions.length} questions`,
          );
        break passes;
      }
      if (!pass) asked++;
      let t = performance.now();
      const found = await search(q);
      oursMs.push(performance.now() - t);
      t = performance.now();
      const episodes = peer.search(GROUP, q.text, 10);
      peerMs.push(performance.now() - t);
      if (pass) continue;
      const o = answered(
        found.map((f) => `${f.source}\n${f.target}\n${f.fact}`),
        q,
      )
        ? 1
        : 0;
      const p = answered(
        episodes.map((e) => `${e.name}\n${e.content}`),
        q,
      )
        ? 1
        : 0;
      oursHit.push(o);
      peerHit.push(p);
      const kind = q.stale.length ? 'uses (trap)' : q.kind;
      const tally = byKind.get(kind) ?? { n: 0, ours: 0, peer: 0 };
      byKind.set(kind, { n: tally.n + 1, ours: tally.ours + o, peer: tally.peer + p });
    }
  }
  for (const [kind, t] of byKind)
    progress(`  recall@${TOP} ${kind}: ours ${t.ours}/${t.n}, plain FTS5 ${t.peer}/${t.n}`);
  // context_curate (the default budget) for the questions asked, against the same BM25 query.
  const curateMs: number[] = [];
  for (const q of questions.slice(0, Math.max(asked, MIN_ASKED))) {
    const t = performance.now();
    await curate(ours, [GROUP], q.text, DEFAULT_BUDGET_TOKENS, 'bench');
    curateMs.push(performance.now() - t);
  }
  const traps = questions
    .slice(0, asked)
    .map((q, i) => [q, i] as const)
    .filter(([q]) => q.stale.length);
  const at = `${k(facts)} facts`;
  const peerName = 'plain FTS5 BM25 over episodes';
  return {
    facts,
    latency: {
      name: `context search_facts, ${at}`,
      ours: stats(oursMs),
      peer: stats(peerMs),
      peerName,
      statistic: 'p95',
      ...(facts >= 100_000 ? { absoluteGoalMs: SEARCH_GOAL_P95_MS } : {}),
    },
    curate: {
      name: `context curate (${DEFAULT_BUDGET_TOKENS} tokens), ${at}`,
      ours: stats(curateMs),
      peer: stats(peerMs),
      peerName,
      statistic: 'p95',
      ...(facts >= 100_000 ? { absoluteGoalMs: CURATE_GOAL_P95_MS } : {}),
    },
    recall: {
      name: `context recall@${TOP}, ${at}`,
      ours: stats(oursHit),
      peer: stats(peerHit),
      peerName,
      kind: 'share',
    },
    ...(traps.length
      ? {
          traps: {
            name: `context recall@${TOP}, stale-answer traps, ${at}`,
            ours: stats(traps.map(([, i]) => oursHit[i]!)),
            peer: stats(traps.map(([, i]) => peerHit[i]!)),
            peerName,
            kind: 'share' as const,
          },
        }
      : {}),
  };
}
