import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ContextStore } from '../servers/context/context-store.js';
import { curate } from '../servers/context/curate.js';
import { EmbeddedBackend } from '../servers/context/embedded-backend.js';
import { commitEpisode } from '../servers/context/git-history.js';
import { extractHeuristic } from '../servers/context/heuristic-extractor.js';
import { PlainFts } from './context.js';
import { stats } from './measure.js';
import { historyPaths, loadHistory, type HistorySet, type HistoryTask } from './real-history.js';
import type { Figure } from './report.js';

const GROUP = 'frame_real0history';
const TOP = 5;
const MRR_AT = 10;
/** What an agent's first message gets in the measurement (the figure). */
const CURATE_BUDGET = 2000;
/** Goals of the real-history figures: shares of tasks, and latencies in ms (p95). */
const GOALS = { hit: 0.75, mrr: 0.55, files: 0.7, curateFiles: 0.8, overPlain: 1.3, searchMs: 20, curateMs: 50 };

const progress = (line: string) => process.stderr.write(`context (real history): ${line}\n`);

/**
 * One system's answer to a task: the commits it points at, best first, the text it shows, and the
 * files that text lists in a form a substring test misses (curate's `folder/{a.ts,b.ts}` lines).
 */
interface Answer {
  commits: string[];
  text: string;
  listed?: string[];
}

/** hit@5, reciprocal rank within 10, and the share of the task's files the answer names. */
function score(task: HistoryTask, a: Answer): { hit: number; rr: number; files: number } {
  const rank = a.commits.slice(0, MRR_AT).findIndex((h) => task.relevant.has(h));
  return {
    hit: rank >= 0 && rank < TOP ? 1 : 0,
    rr: rank >= 0 ? 1 / (rank + 1) : 0,
    files: task.files.filter((f) => a.text.includes(f) || a.listed?.includes(f)).length / task.files.length,
  };
}

/**
 * Context on real history (OPTAGON_BENCH_HISTORY, bench/README.md): for each repository, its older
 * commits ingested as `context_ingest_git` does, into Optagon's graph and into plain FTS5 over the
 * same episodes' text; then each newer commit's subject asked of plain BM25 (top 10 commits),
 * `context_search` (top 10 facts, default options) and `context_curate` (2,000 tokens). Scored
 * the same for all: a relevant commit among the first five it points at, the reciprocal rank of
 * the first within ten, and how many of the task's files its top five (or the curated block) name.
 */
export async function benchContextReal(): Promise<Figure[]> {
  const paths = historyPaths();
  if (!paths.length) {
    console.error(
      '(OPTAGON_BENCH_HISTORY=<git dir>[,<git dir>] measures context on real history too; bench/README.md says which)',
    );
    return [];
  }
  const figures: Figure[] = [];
  for (const path of paths) figures.push(...(await evaluate(await loadHistory(path))));
  return figures;
}

async function evaluate(set: HistorySet): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'optagon-bench-history-'));
  const ours = new EmbeddedBackend(new ContextStore(join(dir, 'context.db')), (e) => extractHeuristic(e));
  const peer = new PlainFts(join(dir, 'plain.db'));
  try {
    progress(`${set.name}: ingesting ${set.older.length} commits; ${set.tasks.length} tasks from the newer ones`);
    let t = performance.now();
    for (const c of set.older) await ours.addEpisode(GROUP, commitEpisode(c));
    await ours.idle();
    const oursIngest = set.older.length / ((performance.now() - t) / 1000);
    t = performance.now();
    for (const c of set.older) peer.add(GROUP, { ...commitEpisode(c), validAt: c.date });
    const peerIngest = set.older.length / ((performance.now() - t) / 1000);
    const hashOf = new Map(
      (
        ours.store.db.prepare('SELECT uuid, dedup_key FROM episodes').all() as Array<{
          uuid: string;
          dedup_key: string;
        }>
      )
        .filter((r) => r.dedup_key?.startsWith('commit:'))
        .map((r) => [r.uuid, r.dedup_key.slice('commit:'.length)]),
    );
    const commitOf = (content: string) => (JSON.parse(content) as { hash: string }).hash;

    const systems = {
      plain: async (task: HistoryTask): Promise<Answer> => {
        const rows = peer.search(GROUP, task.text, MRR_AT);
        return {
          commits: rows.map((r) => commitOf(r.content)),
          text: rows
            .slice(0, TOP)
            .map((r) => `${r.name}\n${r.content}`)
            .join('\n'),
        };
      },
      // context_search's episodes: past work ranked as results (its facts come beside them).
      search: async (task: HistoryTask): Promise<Answer> => {
        const { episodes } = await ours.searchEpisodes([GROUP], { query: task.text, limit: MRR_AT });
        return {
          commits: episodes.flatMap((e) => hashOf.get(e.uuid) ?? []),
          text: episodes
            .slice(0, TOP)
            .map((e) => `${e.name}\n${e.content}`)
            .join('\n'),
        };
      },
      curate: async (task: HistoryTask): Promise<Answer> => {
        const block = await curate(ours, [GROUP], task.text, CURATE_BUDGET, 'bench');
        // The commits it names, in the order the block names them.
        const named = [...block.text.matchAll(/\bcommit ([0-9a-f]{12})/g)].map((m) => m[1]!);
        const full = [...hashOf.values()];
        return {
          commits: [...new Set(named)].map((short) => full.find((h) => h.startsWith(short)) ?? short),
          text: block.text,
          listed: block.files,
        };
      },
    };
    type System = keyof typeof systems;
    const results = Object.fromEntries(
      Object.keys(systems).map((s) => [
        s,
        { hit: [] as number[], rr: [] as number[], files: [] as number[], ms: [] as number[] },
      ]),
    ) as Record<System, { hit: number[]; rr: number[]; files: number[]; ms: number[] }>;
    for (const task of set.tasks) {
      for (const name of Object.keys(systems) as System[]) {
        const started = performance.now();
        const answer = await systems[name](task);
        const r = results[name];
        r.ms.push(performance.now() - started);
        const s = score(task, answer);
        r.hit.push(s.hit);
        r.rr.push(s.rr);
        r.files.push(s.files);
      }
    }
    const on = `${set.name}, ${set.older.length} commits, ${set.tasks.length} tasks`;
    const plainName = 'plain FTS5 BM25 over the commits';
    const share = (name: string, ours: number[], peer: number[], extra: Partial<Figure>): Figure => ({
      name: `context on ${on}: ${name}`,
      ours: stats(ours),
      peer: stats(peer),
      peerName: plainName,
      kind: 'share',
      ...extra,
    });
    const { plain, search, curate: curated } = results;
    return [
      share('a relevant commit in the top 5, context_search', search.hit, plain.hit, {
        goal: GOALS.overPlain,
        absoluteGoalShare: GOALS.hit,
      }),
      share('MRR@10, context_search', search.rr, plain.rr, { absoluteGoalShare: GOALS.mrr }),
      share("the task's files named in the top 5, context_search", search.files, plain.files, {
        goal: GOALS.overPlain,
        absoluteGoalShare: GOALS.files,
      }),
      share(`a relevant commit named, context_curate (${CURATE_BUDGET} tokens)`, curated.hit, plain.hit, {}),
      share(`the task's files named, context_curate (${CURATE_BUDGET} tokens)`, curated.files, plain.files, {
        goal: GOALS.overPlain,
        absoluteGoalShare: GOALS.curateFiles,
      }),
      {
        name: `context on ${on}: context_search latency`,
        ours: stats(search.ms),
        peer: stats(plain.ms),
        peerName: plainName,
        statistic: 'p95',
        absoluteGoalMs: GOALS.searchMs,
      },
      {
        name: `context on ${on}: context_curate latency`,
        ours: stats(curated.ms),
        peer: stats(plain.ms),
        peerName: plainName,
        statistic: 'p95',
        absoluteGoalMs: GOALS.curateMs,
      },
      {
        name: `context on ${on}: ingest, commits/s`,
        ours: stats([oursIngest]),
        peer: stats([peerIngest]),
        peerName: 'plain FTS5 insert',
        kind: 'rate',
      },
    ];
  } finally {
    await ours.close();
    peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
