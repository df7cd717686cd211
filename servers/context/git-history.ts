import { runCommand } from '../shared/run-command.js';

export interface Commit {
  hash: string;
  author: string;
  date: number;
  subject: string;
  body: string;
  files: string[];
}

const RECORD = '\x1e';
const FIELD = '\x1f';

/**
 * The commits of a workspace, oldest first (so later facts invalidate earlier ones in order):
 * hash, author, author date, message and the files each changed. Read with git on the host; the
 * workspace is only read.
 */
export async function readCommits(workspace: string, opts: { since?: string; max?: number } = {}): Promise<Commit[]> {
  const args = ['-C', workspace, 'log', '--reverse', '--no-color', `--format=${RECORD}%H${FIELD}%an${FIELD}%aI${FIELD}%s${FIELD}%b${FIELD}`, '--name-only'];
  if (opts.since) args.push(`--since=${opts.since}`);
  if (opts.max) args.push(`--max-count=${opts.max}`);
  const r = await runCommand('git', args, { timeoutMs: 120_000 });
  if (r.code === 'ENOENT') throw new Error('git is not installed on this host: sudo apt-get install git');
  if (r.exitCode !== 0) {
    if (/not a git repository/i.test(r.stderr)) throw new Error(`${workspace} is not a git repository; there is no history to ingest`);
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
        files: (rest ?? '').split('\n').map((f) => f.trim()).filter(Boolean),
      };
    });
}
