import type { FrameRecord } from '../frames/state-store.js';
import type { CommandResult } from '../shared/run-command.js';

/** Runs a command in a frame: FrameManager.exec. */
export type FrameExec = (frame: FrameRecord, argv: readonly string[]) => Promise<CommandResult>;

/** Who a commit Optagon makes is by, when the repository names no one. */
export interface Identity {
  name: string;
  email: string;
}

export type MergeStrategy = 'merge' | 'squash' | 'rebase';

export type MergeResult =
  { status: 'merged'; into: string; commit: string } | { status: 'conflict'; into: string; files: string[] };

export interface ChangedFile {
  path: string;
  /** Lines added and removed; null for a binary file. */
  added: number | null;
  removed: number | null;
}

/** A commit on an agent's branch since its base: a checkpoint, or one the agent made. */
export interface Checkpoint {
  commit: string;
  /** Seconds since the epoch, as git records it. */
  at: number;
  subject: string;
}

export interface WorkDiff {
  /** The commit the changes are against. */
  base: string;
  /** The branch's commits since `base`, newest first: what `from` and `to` may name. */
  checkpoints: Checkpoint[];
  files: ChangedFile[];
  /** The unified diff, cut at the size asked for. */
  patch: string;
  /** The whole diff's size in bytes, and whether `patch` holds less of it. */
  bytes: number;
  truncated: boolean;
}

/** A commit id as git prints it; anything else from a frame is not used as one. */
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The changes of a work tree: from `from` (a commit of its branch), else from where it forked from
 * its target branch ($4, when that is newer than the recorded base $2: after a merge, or after the
 * agent rebased onto it), else from $2; to the commit `to` ($6), else to the tree as it is now,
 * committed, uncommitted and untracked files alike, through a throwaway index so the tree's own
 * index is left as it was. Fixed text: every value comes in as an argument. Prints the base, the
 * branch's commits since it, the numstat records, the patch's size and as much of it as asked.
 */
const DIFF_SCRIPT = [
  'set -e',
  'cd -- "$1"',
  'b=$2',
  'if [ -n "$5" ]; then',
  '  b=$(git rev-parse --verify --quiet "$5^{commit}") || exit 20',
  '  git merge-base --is-ancestor "$b" HEAD || exit 21',
  'elif [ -n "$4" ] && mb=$(git merge-base HEAD "refs/heads/$4" 2>/dev/null) && git merge-base --is-ancestor "$2" "$mb"; then',
  '  b=$mb',
  'fi',
  'if [ -n "$6" ]; then',
  '  t=$(git rev-parse --verify --quiet "$6^{commit}") || exit 22',
  '  git merge-base --is-ancestor "$t" HEAD || exit 23',
  'fi',
  'idx=$(mktemp)',
  'trap \'rm -f "$idx" "$idx.patch"\' EXIT',
  'printf \'%s\\0\' "$b"',
  'git log --format=\'%H %ct %s\' "$b..HEAD"',
  "printf '\\0'",
  'if [ -n "$6" ]; then',
  '  git diff --no-renames --numstat -z "$b" "$t"',
  "  printf '\\0'",
  '  git diff --no-renames "$b" "$t" > "$idx.patch"',
  'else',
  '  export GIT_INDEX_FILE="$idx"',
  '  git read-tree HEAD',
  '  git add -A',
  '  git diff --cached --no-renames --numstat -z "$b"',
  "  printf '\\0'",
  // The patch once, to a file: its size, then as much of it as was asked for.
  '  git diff --cached --no-renames "$b" > "$idx.patch"',
  'fi',
  'wc -c < "$idx.patch"',
  'head -c "$3" "$idx.patch"',
  // The end: so no trailing newline of the patch is taken for the end of the output.
  "printf '\\0'",
].join('\n');

/** addWorktree's script (fixed text; repo, path, branch and base come in as arguments). */
const ADD_WORKTREE_SCRIPT = [
  'git -C "$1" rev-parse --verify --quiet HEAD >/dev/null 2>&1 || exit 10',
  'test -d "${2%/*}" || exit 11',
  'base=$4',
  '[ -n "$base" ] || base=$(git -C "$1" symbolic-ref --quiet --short HEAD) || base=HEAD',
  'commit=$(git -C "$1" rev-parse --verify --quiet "$base^{commit}") || exit 12',
  'git -C "$1" rev-parse --verify --quiet "refs/heads/$3" >/dev/null && exit 13',
  // The branch it will merge back into: the base, when that names a branch.
  'into=',
  'git -C "$1" rev-parse --verify --quiet "refs/heads/$base" >/dev/null && into=$base',
  'git -C "$1" worktree add --quiet -b "$3" -- "$2" "$commit" >&2 || exit 14',
  // Untracked files the project needs (.env and the like), named as .gitignore patterns in .worktreeinclude.
  'if [ -f "$1/.worktreeinclude" ]; then',
  '  cd -- "$1" && git ls-files -z --others --ignored --exclude-from=.worktreeinclude | xargs -0 -r cp -a --parents -t "$2" -- >&2 || exit 15',
  'fi',
  'echo "$commit $into"',
].join('\n');

/**
 * git in a frame: every command runs inside the container (podman exec), never host git on the
 * host path, so it works the same rootless and, later, for frames on other hosts; and a hostile
 * repository's config or hooks can reach only the frame. What git prints is the frame's, parsed
 * as untrusted text.
 */
export class FrameGit {
  constructor(private readonly exec: FrameExec) {}

  private async git(frame: FrameRecord, dir: string, args: readonly string[], what: string): Promise<string> {
    const r = await this.exec(frame, ['git', '-C', dir, ...args]);
    if (r.exitCode !== 0) {
      throw new Error(
        `${what} in frame '${frame.name}' failed: ${(r.stderr || r.stdout).trim().slice(0, 2000) || `git exited ${r.exitCode}`}`,
      );
    }
    return r.stdout;
  }

  /** Whether `dir` in the frame is inside a git work tree with at least one commit. */
  async isRepository(frame: FrameRecord, dir = '/workspace'): Promise<boolean> {
    const r = await this.exec(frame, ['git', '-C', dir, 'rev-parse', '--verify', '--quiet', 'HEAD']);
    return r.exitCode === 0;
  }

  /** The commit checked out in `dir`, and its branch (null when detached). */
  async head(frame: FrameRecord, dir = '/workspace'): Promise<{ commit: string; branch: string | null }> {
    const commit = (await this.git(frame, dir, ['rev-parse', '--verify', 'HEAD'], 'reading HEAD')).trim();
    if (!COMMIT.test(commit))
      throw new Error(`frame '${frame.name}' answered '${commit.slice(0, 80)}' for its HEAD commit`);
    const branch = await this.exec(frame, ['git', '-C', dir, 'symbolic-ref', '--quiet', '--short', 'HEAD']);
    return { commit, branch: branch.exitCode === 0 ? branch.stdout.trim() : null };
  }

  /**
   * A new work tree at `path` on a new branch made from `base` (a commit or branch of the repository
   * in `repo`; default: its checked-out branch, else its HEAD commit); answers the commit it starts
   * from and the branch it came from (`into`, null for a commit), or what is missing for one: a
   * repository with a commit, or the directory work trees go in. The untracked files that
   * `.worktreeinclude` names (.gitignore patterns: `.env`, local settings) are copied in.
   * An existing branch of that name is never reused or moved: that would touch work that is not
   * this tree's. One exec: a spawn waits for it.
   */
  async addWorktree(
    frame: FrameRecord,
    opts: { repo: string; path: string; branch: string; base?: string },
  ): Promise<{ base: string; into: string | null } | { missing: 'repository' | 'directory' }> {
    const r = await this.exec(frame, [
      'sh',
      '-c',
      ADD_WORKTREE_SCRIPT,
      'sh',
      opts.repo,
      opts.path,
      opts.branch,
      opts.base ?? '',
    ]);
    const [base = '', into = ''] = r.stdout.trim().split(' ');
    if (r.exitCode === 0 && COMMIT.test(base)) return { base, into: into || null };
    if (r.exitCode === 10) return { missing: 'repository' };
    if (r.exitCode === 11) return { missing: 'directory' };
    if (r.exitCode === 12) {
      throw new Error(
        `resolving '${opts.base}' in frame '${frame.name}' failed: it names no branch or commit of ${opts.repo}`,
      );
    }
    if (r.exitCode === 13) {
      throw new Error(
        `frame '${frame.name}' already has a branch '${opts.branch}'; name the agent differently, or remove that branch`,
      );
    }
    if (r.exitCode === 15) {
      await this.removeWorktree(frame, opts).catch(() => undefined);
      throw new Error(
        `copying the files .worktreeinclude names into ${opts.path} in frame '${frame.name}' failed: ${r.stderr.trim().slice(0, 2000)}; fix the patterns in .worktreeinclude and spawn again`,
      );
    }
    throw new Error(
      `making the work tree ${opts.path} in frame '${frame.name}' failed: ${(r.stderr || r.stdout).trim().slice(0, 2000) || `exit ${r.exitCode}`}`,
    );
  }

  /** Removes the work tree at `path` (its changes too: the caller has asked) and its branch. */
  async removeWorktree(frame: FrameRecord, opts: { repo: string; path: string; branch: string }): Promise<void> {
    await this.git(
      frame,
      opts.repo,
      ['worktree', 'remove', '--force', '--', opts.path],
      `removing the work tree ${opts.path}`,
    );
    await this.git(frame, opts.repo, ['branch', '-D', '--', opts.branch], `deleting the branch ${opts.branch}`);
  }

  /** Who commits: the repository's own identity when it has one, else `fallback`. */
  private async identity(frame: FrameRecord, dir: string, fallback: Identity): Promise<string[]> {
    const configured = await this.exec(frame, ['git', '-C', dir, 'config', 'user.email']);
    return configured.exitCode === 0 ? [] : ['-c', `user.name=${fallback.name}`, '-c', `user.email=${fallback.email}`];
  }

  /** What is changed in `dir` and not committed: tracked files only, or untracked ones too. */
  async uncommitted(frame: FrameRecord, dir: string, untracked: boolean): Promise<string[]> {
    const out = await this.git(
      frame,
      dir,
      ['status', '--porcelain=v1', '-z', `--untracked-files=${untracked ? 'all' : 'no'}`],
      'reading the status',
    );
    // Each entry is "XY path"; a rename carries its old path as the next entry.
    const entries = out.split('\0').filter(Boolean);
    const paths: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      paths.push(entry.slice(3));
      if (entry[0] === 'R' || entry[0] === 'C') i++;
    }
    return paths;
  }

  /**
   * Commits everything in the work tree `dir`, untracked files too; null when nothing changed. The
   * project's commit hooks are not run: a checkpoint saves the agent's work as it is.
   */
  async commitAll(frame: FrameRecord, dir: string, message: string, author: Identity): Promise<string | null> {
    await this.git(frame, dir, ['add', '-A'], 'staging the changes');
    const staged = await this.exec(frame, ['git', '-C', dir, 'diff', '--cached', '--quiet']);
    if (staged.exitCode === 0) return null;
    const who = await this.identity(frame, dir, author);
    await this.git(frame, dir, [...who, 'commit', '--quiet', '--no-verify', '-m', message], 'committing');
    return (await this.head(frame, dir)).commit;
  }

  /**
   * Brings `branch` into the branch checked out in `repo`: a merge commit, one squashed commit, or
   * `branch` rebased in its work tree and fast-forwarded. On a conflict everything is put back as
   * it was (merge --abort, reset --merge, rebase --abort) and the conflicting files are answered.
   */
  async merge(
    frame: FrameRecord,
    opts: {
      repo: string;
      worktree: string;
      branch: string;
      strategy: MergeStrategy;
      message: string;
      author: Identity;
    },
  ): Promise<MergeResult> {
    const into = (await this.head(frame, opts.repo)).branch;
    if (!into)
      throw new Error(
        `${opts.repo} in frame '${frame.name}' has no branch checked out (detached HEAD); check one out to merge into`,
      );
    const who = await this.identity(frame, opts.repo, opts.author);
    const conflicts = async (dir: string) =>
      (await this.git(frame, dir, ['diff', '--name-only', '--diff-filter=U', '-z'], 'listing the conflicts'))
        .split('\0')
        .filter(Boolean);
    const failed = (what: string, r: CommandResult) =>
      new Error(`${what} in frame '${frame.name}' failed: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    if (opts.strategy === 'rebase') {
      const r = await this.exec(frame, ['git', '-C', opts.worktree, ...who, 'rebase', '--quiet', into]);
      if (r.exitCode !== 0) {
        const files = await conflicts(opts.worktree);
        await this.exec(frame, ['git', '-C', opts.worktree, 'rebase', '--abort']);
        if (files.length) return { status: 'conflict', into, files };
        throw failed(`rebasing ${opts.branch} onto ${into}`, r);
      }
      await this.git(frame, opts.repo, ['merge', '--quiet', '--ff-only', opts.branch], `fast-forwarding ${into}`);
    } else {
      const args =
        opts.strategy === 'squash'
          ? ['merge', '--squash', opts.branch]
          : ['merge', '--no-ff', '-m', opts.message, opts.branch];
      const r = await this.exec(frame, ['git', '-C', opts.repo, ...who, ...args]);
      if (r.exitCode !== 0) {
        const files = await conflicts(opts.repo);
        // A squash leaves no MERGE_HEAD for --abort; reset --merge undoes it (the tracked tree was clean).
        await this.exec(frame, [
          'git',
          '-C',
          opts.repo,
          ...(opts.strategy === 'squash' ? ['reset', '--merge'] : ['merge', '--abort']),
        ]);
        if (files.length) return { status: 'conflict', into, files };
        throw failed(`merging ${opts.branch} into ${into}`, r);
      }
      if (opts.strategy === 'squash') {
        const staged = await this.exec(frame, ['git', '-C', opts.repo, 'diff', '--cached', '--quiet']);
        if (staged.exitCode === 0) throw new Error(`${opts.branch} holds nothing that ${into} does not have already`);
        await this.git(
          frame,
          opts.repo,
          [...who, 'commit', '--quiet', '-m', opts.message],
          `committing the squash into ${into}`,
        );
      }
    }
    return { status: 'merged', into, commit: (await this.head(frame, opts.repo)).commit };
  }

  /**
   * The changes in the work tree `dir`: against `base`, or where it forked from the branch `into`
   * when that is newer; or from the commit `from` of its branch; to `to`, or to the tree as it is.
   * The patch is cut at `maxBytes`.
   */
  async diff(
    frame: FrameRecord,
    dir: string,
    base: string,
    opts: { maxBytes?: number; into?: string; from?: string; to?: string } = {},
  ): Promise<WorkDiff> {
    if (!COMMIT.test(base)) throw new Error(`'${base}' is not a commit id`);
    const maxBytes = opts.maxBytes ?? 1_000_000;
    const r = await this.exec(frame, [
      'sh',
      '-c',
      DIFF_SCRIPT,
      'sh',
      dir,
      base,
      String(maxBytes),
      opts.into ?? '',
      opts.from ?? '',
      opts.to ?? '',
    ]);
    const notOnBranch = (what: string, ref: string | undefined, missing: boolean) =>
      new Error(
        missing
          ? `${what} '${ref}' names no commit in frame '${frame.name}'; agent_diff lists the branch's checkpoints`
          : `${what} '${ref}' is not a commit of this agent's branch; agent_diff lists its checkpoints`,
      );
    if (r.exitCode === 20 || r.exitCode === 21) throw notOnBranch('from', opts.from, r.exitCode === 20);
    if (r.exitCode === 22 || r.exitCode === 23) throw notOnBranch('to', opts.to, r.exitCode === 22);
    if (r.exitCode !== 0)
      throw new Error(`the diff in frame '${frame.name}' failed: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    return parseDiff(r.stdout, maxBytes);
  }
}

/**
 * The diff script's output: the base and a NUL; the branch's commits ("hash time subject" lines)
 * and a NUL; `--numstat -z` records and an empty record; the size, the patch, a NUL.
 */
export function parseDiff(all: string, maxBytes: number): WorkDiff {
  const first = all.indexOf('\0');
  const second = all.indexOf('\0', first + 1);
  const base = all.slice(0, first);
  if (first < 0 || second < 0 || !COMMIT.test(base)) throw new Error('the diff came back cut short; try again');
  const checkpoints = all
    .slice(first + 1, second)
    .split('\n')
    .map((line) => /^([0-9a-f]{40}(?:[0-9a-f]{24})?) (\d+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ commit: m[1]!, at: Number(m[2]), subject: m[3]! }));
  const out = all.slice(second + 1);
  const records = out.startsWith('\0') ? -1 : out.indexOf('\0\0');
  if ((records < 0 && !out.startsWith('\0')) || !out.endsWith('\0'))
    throw new Error('the diff came back cut short; try again');
  const end = records + 1;
  const stat = out.slice(0, end);
  const rest = out.slice(end + 1, -1);
  const files = stat
    .split('\0')
    .filter(Boolean)
    .map((record) => {
      const [added, removed, ...path] = record.split('\t');
      const count = (n: string | undefined) => (n === '-' || n === undefined ? null : Number(n));
      return { path: path.join('\t'), added: count(added), removed: count(removed) };
    });
  const newline = rest.indexOf('\n');
  const bytes = Number(rest.slice(0, newline).trim());
  if (newline < 0 || !Number.isFinite(bytes)) throw new Error('the diff came back without its size; try again');
  const patch = rest.slice(newline + 1);
  return { base, checkpoints, files, patch, bytes, truncated: bytes > maxBytes };
}
