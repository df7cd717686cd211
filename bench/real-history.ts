import { basename, dirname } from 'node:path';
import { readCommits, type Commit } from '../servers/context/git-history.js';

/**
 * Real development history for the context benchmarks: a public repository's git log, read as
 * `context_ingest_git` reads a workspace (readCommits), split in time. The older commits are
 * ingested; the newer ones' subjects are the tasks, and a task's gold is every older commit that
 * touched one of the source files the task's own commit touched. Nothing of the repository is kept
 * in this tree: the bench reads the git directories named in OPTAGON_BENCH_HISTORY (bench/README.md
 * says which were used and how to get them).
 */
export interface HistorySet {
  /** The repository's name, from its path. */
  name: string;
  older: Commit[];
  tasks: HistoryTask[];
}

export interface HistoryTask {
  /** The commit's subject without its type prefix or PR number: what a user would ask for. */
  text: string;
  hash: string;
  /** The source files its commit touched that some older commit touched too. */
  files: string[];
  /** Hashes of the older commits that touched one of `files`. */
  relevant: Set<string>;
}

/** Commits ingested, and tasks taken from the commits after them (as in the measurement). */
export const OLDER = 1500;
export const NEWER = 200;

/** Code, not lockfiles, docs or generated output: what "the files a task is about" means here. */
const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
const NOT_SOURCE = /(?:^|\/)(?:dist|build|node_modules|coverage|\.yarn)\//;
export const isSource = (file: string) => SOURCE.test(file) && !NOT_SOURCE.test(file);

/** "fix(client): support X (#5256)" → "support X": conventional-commit types, scopes and PR numbers go. */
export const taskText = (subject: string) =>
  subject
    .replace(/^[a-z]+(?:\([^)]*\))?!?:\s*/i, '')
    .replace(/\s*\(#\d+\)\s*$/, '')
    .replace(/\s*#\d+\s*$/, '')
    .trim();

/** The git directories to read, from OPTAGON_BENCH_HISTORY (comma-separated); none when unset. */
export function historyPaths(): string[] {
  return (process.env.OPTAGON_BENCH_HISTORY ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The set from one repository: its last OLDER + NEWER commits (merges have no files and are skipped). */
export async function loadHistory(gitDir: string): Promise<HistorySet> {
  const all = (await readCommits(gitDir)).filter((c) => c.files.length);
  const recent = all.slice(-(OLDER + NEWER));
  const older = recent.slice(0, -NEWER);
  const byFile = new Map<string, string[]>();
  for (const c of older) for (const f of c.files) if (isSource(f)) byFile.set(f, [...(byFile.get(f) ?? []), c.hash]);
  const tasks: HistoryTask[] = [];
  for (const c of recent.slice(-NEWER)) {
    const files = [...new Set(c.files.filter((f) => byFile.has(f)))];
    const text = taskText(c.subject);
    // "Merge commit from fork" (GitHub's merge of a security fix) and its kind name no task.
    if (!files.length || text.split(/\s+/).length < 2 || /^merge\b/i.test(c.subject)) continue;
    tasks.push({ text, hash: c.hash, files, relevant: new Set(files.flatMap((f) => byFile.get(f)!)) });
  }
  const name =
    basename(gitDir) === 'repo' || basename(gitDir) === '.git' ? basename(dirname(gitDir)) : basename(gitDir);
  return { name: name.replace(/\.git$/, ''), older, tasks };
}
