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

export interface WorkDiff {
  /** The commit the changes are against. */
  base: string;
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
 * The changes of a work tree against `base`: committed, uncommitted and untracked files alike,
 * through a throwaway index so the tree's own index is left as it was. Fixed text: the directory,
 * base and size limit come in as arguments.
 */
const DIFF_SCRIPT = [
  'set -e',
  'cd -- "$1"',
  'idx=$(mktemp)',
  'trap \'rm -f "$idx" "$idx.patch"\' EXIT',
  'export GIT_INDEX_FILE="$idx"',
  'git read-tree HEAD',
  'git add -A',
  'git diff --cached --no-renames --numstat -z "$2"',
  "printf '\\0'",
  // The patch once, to a file: its size, then as much of it as was asked for.
  'git diff --cached --no-renames "$2" > "$idx.patch"',
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
  'git -C "$1" worktree add --quiet -b "$3" -- "$2" "$commit" >&2 || exit 14',
  'echo "$commit"',
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
   * from, or what is missing for one: a repository with a commit, or the directory work trees go in.
   * An existing branch of that name is never reused or moved: that would touch work that is not
   * this tree's. One exec: a spawn waits for it.
   */
  async addWorktree(
    frame: FrameRecord,
    opts: { repo: string; path: string; branch: string; base?: string },
  ): Promise<{ base: string } | { missing: 'repository' | 'directory' }> {
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
    const base = r.stdout.trim();
    if (r.exitCode === 0 && COMMIT.test(base)) return { base };
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
    throw new Error(
      `making the work tree ${opts.path} in frame '${frame.name}' failed: ${(r.stderr || base).trim().slice(0, 2000) || `exit ${r.exitCode}`}`,
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

  /** The changes in the work tree `dir` against `base`, the patch cut at `maxBytes`. */
  async diff(frame: FrameRecord, dir: string, base: string, maxBytes = 1_000_000): Promise<WorkDiff> {
    if (!COMMIT.test(base)) throw new Error(`'${base}' is not a commit id`);
    const r = await this.exec(frame, ['sh', '-c', DIFF_SCRIPT, 'sh', dir, base, String(maxBytes)]);
    if (r.exitCode !== 0)
      throw new Error(`the diff in frame '${frame.name}' failed: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    return parseDiff(r.stdout, base, maxBytes);
  }
}

/** The diff script's output: `--numstat -z` records, an empty record, the size, the patch, a NUL. */
export function parseDiff(out: string, base: string, maxBytes: number): WorkDiff {
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
  return { base, files, patch, bytes, truncated: bytes > maxBytes };
}
