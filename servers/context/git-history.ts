import { runCommand } from '../shared/run-command.js';
import type { NewEpisode } from './backend.js';

export interface Commit {
  hash: string;
  author: string;
  date: number;
  subject: string;
  body: string;
  /** Every path it changed (a rename's new name). */
  files: string[];
  /** Paths it deleted, or renamed away from: files that are gone after it. */
  deleted: string[];
}

const RECORD = '\x1e';
const FIELD = '\x1f';

/**
 * git on the host, reading a repository the frame can write: its `.git/config` is the frame's to
 * say. These settings override every one that could make `git log` run a program or reach out:
 * signature checks (`gpg.program` via `log.showSignature`), a lazy fetch from a promisor remote
 * (`remote.*.uploadpack`, any transport), external diff and textconv drivers, fsmonitor, the pager,
 * hooks; and no system or global config is read.
 */
const HARDENED = [
  '--no-pager',
  '-c',
  'log.showSignature=false',
  '-c',
  'protocol.allow=never',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.pager=cat',
  '-c',
  'diff.external=',
  '-c',
  'core.sshCommand=false',
  // Workspaces are often another user's (a root daemon reading a user's project): git would refuse
  // them as of dubious ownership. What that check guards against is a repository's config running
  // programs, which every setting above already takes away.
  '-c',
  'safe.directory=*',
];
const HARDENED_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_NO_LAZY_FETCH: '1',
};

/**
 * The commits of a workspace, oldest first (so later facts invalidate earlier ones in order):
 * hash, author, author date, message and the files each changed. Read with git on the host, hardened
 * (HARDENED: the repository's own config cannot make it run anything); the workspace is only read.
 */
export async function readCommits(workspace: string, opts: { since?: string; max?: number } = {}): Promise<Commit[]> {
  const args = [
    ...HARDENED,
    '-C',
    workspace,
    'log',
    '--no-show-signature',
    '--no-ext-diff',
    '--no-textconv',
    '--reverse',
    '--no-color',
    `--format=${RECORD}%H${FIELD}%an${FIELD}%aI${FIELD}%s${FIELD}%b${FIELD}`,
    '--name-status',
    '--no-renames',
  ];
  if (opts.since) args.push(`--since=${opts.since}`);
  if (opts.max) args.push(`--max-count=${opts.max}`);
  const r = await runCommand('git', args, { timeoutMs: 120_000, env: { ...process.env, ...HARDENED_ENV } });
  if (r.code === 'ENOENT') throw new Error('git is not installed on this host: sudo apt-get install git');
  if (r.exitCode !== 0) {
    if (/not a git repository/i.test(r.stderr))
      throw new Error(`${workspace} is not a git repository; there is no history to ingest`);
    if (/does not have any commits/i.test(r.stderr)) return [];
    throw new Error(`git log in ${workspace} failed: ${r.stderr.trim()}`);
  }
  return r.stdout
    .split(RECORD)
    .filter((rec) => rec.trim())
    .map((rec) => {
      const [hash, author, date, subject, body, rest] = rec.split(FIELD);
      return {
        hash: hash!.trim(),
        author: author!,
        date: Date.parse(date!),
        subject: subject!,
        body: body!.trim(),
        ...changes(rest ?? ''),
      };
    });
}

/**
 * `--name-status` lines ("M\tpath", "D\tpath"): every path changed, and those deleted. Renames
 * are not detected (--no-renames), so a move is its new path added and its old one deleted.
 */
function changes(text: string): Pick<Commit, 'files' | 'deleted'> {
  const files: string[] = [];
  const deleted: string[] = [];
  for (const line of text.split('\n')) {
    const [status, path] = line.split('\t');
    if (!status?.trim() || !path) continue;
    files.push(path);
    if (status.trim() === 'D') deleted.push(path);
  }
  return { files, deleted };
}

/** A commit as an episode (JSON: message, author, files), deduplicated by its hash. */
export function commitEpisode(c: Commit): NewEpisode {
  return {
    name: `commit ${c.hash.slice(0, 12)}: ${c.subject}`.slice(0, 200),
    content: JSON.stringify({
      type: 'commit',
      hash: c.hash,
      subject: c.subject,
      body: c.body,
      author: c.author,
      files: c.files,
      ...(c.deleted.length ? { deleted: c.deleted } : {}),
    }),
    source: 'json',
    sourceDescription: 'git log',
    validAt: c.date,
    dedupKey: `commit:${c.hash}`,
  };
}
