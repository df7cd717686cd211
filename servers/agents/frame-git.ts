import type { FrameRecord } from '../frames/state-store.js';
import type { CommandResult } from '../shared/run-command.js';

/** Runs a command in a frame: FrameManager.exec. */
export type FrameExec = (frame: FrameRecord, argv: readonly string[]) => Promise<CommandResult>;

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
  'trap \'rm -f "$idx"\' EXIT',
  'export GIT_INDEX_FILE="$idx"',
  'git read-tree HEAD',
  'git add -A',
  'git diff --cached --no-renames --numstat -z "$2"',
  "printf '\\0'",
  'git diff --cached --no-renames "$2" | wc -c',
  'git diff --cached --no-renames "$2" | head -c "$3"',
  // The end: so no trailing newline of the patch is taken for the end of the output.
  "printf '\\0'",
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
   * A new work tree at `path` on a new branch made from `base` (a commit or branch of the
   * repository in `repo`); answers the commit it starts from. An existing branch of that name is
   * never reused or moved: that would touch work that is not this tree's.
   */
  async addWorktree(
    frame: FrameRecord,
    opts: { repo: string; path: string; branch: string; base: string },
  ): Promise<{ base: string }> {
    const base = (
      await this.git(frame, opts.repo, ['rev-parse', '--verify', `${opts.base}^{commit}`], `resolving '${opts.base}'`)
    ).trim();
    if (!COMMIT.test(base))
      throw new Error(`frame '${frame.name}' answered '${base.slice(0, 80)}' for the commit of '${opts.base}'`);
    const taken = await this.exec(frame, [
      'git',
      '-C',
      opts.repo,
      'rev-parse',
      '--verify',
      '--quiet',
      `refs/heads/${opts.branch}`,
    ]);
    if (taken.exitCode === 0) {
      throw new Error(
        `frame '${frame.name}' already has a branch '${opts.branch}'; name the agent differently, or remove that branch`,
      );
    }
    await this.git(
      frame,
      opts.repo,
      ['worktree', 'add', '-b', opts.branch, '--', opts.path, base],
      `making the work tree ${opts.path}`,
    );
    return { base };
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
