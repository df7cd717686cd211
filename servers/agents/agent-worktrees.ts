import type { FrameManager } from '../frames/frame-manager.js';
import type { FrameRecord, StateStore } from '../frames/state-store.js';
import { WORKTREES_IN_FRAME } from '../frames/container-runtime.js';
import { FrameGit, type MergeResult, type MergeStrategy, type WorkDiff } from './frame-git.js';
import type { AgentRecord, SessionFile } from './session-file.js';

/** An agent's own work tree, as its record keeps it. */
export type Worktree = NonNullable<AgentRecord['worktree']>;

/** An agent with a work tree of its own, and its frame as reached now (running: git needs it). */
export interface Owned {
  frame: FrameRecord;
  record: AgentRecord;
  worktree: Worktree;
  running: FrameRecord;
}

/** How a long step tells where it is (a tool call's progress). */
export type Progress = (message: string) => Promise<void> | void;

/** How long agents.worktree_setup may run before the spawn gives up on it. */
const SETUP_TIMEOUT_MS = 15 * 60_000;

/**
 * The agents' own git work trees: made at spawn (with the project's setup), and what review does
 * with one: its diff, a checkpoint, a merge into the branch /workspace has checked out, discard.
 * git runs in the frame (FrameGit); the record of each tree is the agent's, in session.json.
 */
export class AgentWorktrees {
  private readonly git: FrameGit;

  constructor(
    private readonly deps: { frames: FrameManager; store: StateStore; session(frame: FrameRecord): SessionFile },
  ) {
    this.git = new FrameGit((frame, argv) => deps.frames.exec(frame, argv));
  }

  /**
   * The agent's own work tree, made now on a new `branch` from `base` (default: the branch
   * /workspace has checked out), or undefined for an agent that works in /workspace itself. It lives
   * in the frame's /worktrees mount ($OPTAGON_HOME/worktrees/<frame id>): outside the user's files,
   * and outside .git, which Claude Code asks about before every edit; it survives restarts. The
   * `setup` command runs in it before it is answered.
   */
  async make(
    frame: FrameRecord,
    name: string,
    asked: 'shared' | 'worktree' | undefined,
    opts: { base?: string; branch: string; setup?: string; progress: Progress },
  ): Promise<Worktree | undefined> {
    const { base, branch } = opts;
    if (asked === 'shared') {
      if (base)
        throw new Error(
          `base is where a work tree starts; agent '${name}' works in /workspace itself (workspace: shared)`,
        );
      return undefined;
    }
    const path = `${WORKTREES_IN_FRAME}/${name}`;
    const made = await this.git.addWorktree(frame, { repo: '/workspace', path, branch, ...(base ? { base } : {}) });
    if ('base' in made) {
      const tree: Worktree = { path, branch, base: made.base, ...(made.into ? { into: made.into } : {}) };
      if (opts.setup) await this.setUp(frame, tree, opts.setup, opts.progress);
      return tree;
    }
    if (!asked && !base) return undefined; // not a repository, or a frame from before: /workspace itself
    throw new Error(
      made.missing === 'repository'
        ? `/workspace in frame '${frame.name}' is not a git repository with a commit, so agent '${name}' cannot have a work tree of its own; spawn it with workspace: "shared", or commit in /workspace first`
        : `frame '${frame.name}' was made before agents had work trees of their own (its container has no ${WORKTREES_IN_FRAME}); destroy and create it again (its workspace is kept), or spawn agent '${name}' with workspace: "shared"`,
    );
  }

  /** agents.worktree_setup in a new work tree; on failure the tree goes and the spawn stops with what it printed. */
  private async setUp(frame: FrameRecord, tree: Worktree, command: string, progress: Progress): Promise<void> {
    const { path } = tree;
    await progress(`running agents.worktree_setup in ${path}`);
    const r = await this.deps.frames.exec(frame, ['sh', '-c', 'cd -- "$1" && eval "$2"', 'sh', path, command], {
      timeoutMs: SETUP_TIMEOUT_MS,
    });
    if (r.exitCode !== 0) {
      await this.remove(frame, tree).catch(() => undefined);
      const said = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-20).join('\n');
      throw new Error(
        `agents.worktree_setup failed in ${path} of frame '${frame.name}' (${r.timedOut ? `still running after ${SETUP_TIMEOUT_MS / 60_000} minutes` : `exit ${r.exitCode}`}); fix it with optagon frame config ${frame.name} --edit, then spawn again. It printed:\n${said}`,
      );
    }
  }

  /**
   * The agent's changes against the commit its work tree started from: committed, uncommitted and
   * untracked, the patch cut at `maxBytes`. Only an agent with a work tree of its own has them.
   */
  async diff(
    { frame, record, worktree, running }: Owned,
    opts: { maxBytes: number; from?: string; to?: string },
  ): Promise<{ agent: string; branch: string } & WorkDiff> {
    return {
      agent: `${frame.name}/${record.name}`,
      branch: worktree.branch,
      ...(await this.git.diff(running, worktree.path, worktree.base, {
        ...opts,
        ...(worktree.into ? { into: worktree.into } : {}),
      })),
    };
  }

  /** Removes the agent's work tree and its branch, with all its changes (the agent has ended). */
  async discard({ frame, record, worktree, running }: Owned): Promise<void> {
    await this.remove(running, worktree);
    this.deps
      .session(frame)
      .update((list) =>
        list.map((a) =>
          a.name === record.name && a.createdAt === record.createdAt ? { ...a, worktree: undefined } : a,
        ),
      );
    this.deps.store.addEvent(frame.id, 'agent_discarded', { agent: record.name, branch: worktree.branch });
  }

  /** Commits everything in the agent's work tree on its branch; `commit` is null when nothing changed. */
  async checkpoint(
    { frame, record, worktree, running }: Owned,
    message?: string,
  ): Promise<{ agent: string; branch: string; commit: string | null }> {
    const commit = await this.git.commitAll(
      running,
      worktree.path,
      message ?? `Checkpoint of ${record.name}`,
      agentAuthor(record.name),
    );
    if (commit) this.deps.store.addEvent(frame.id, 'agent_checkpoint', { agent: record.name, commit });
    return { agent: `${frame.name}/${record.name}`, branch: worktree.branch, commit };
  }

  /**
   * Brings the agent's branch into the branch /workspace has checked out. Refused while /workspace
   * has uncommitted changes to tracked files (they are the user's) or the agent's work tree has
   * changes not checkpointed (they would be left out). On a conflict nothing changes and the files
   * are answered; after a merge the agent's diff starts from what was merged.
   */
  async merge(
    { frame, record, worktree, running }: Owned,
    strategy: MergeStrategy,
    message?: string,
  ): Promise<{ agent: string; branch: string } & MergeResult> {
    const mine = await this.git.uncommitted(running, '/workspace', false);
    if (mine.length) {
      throw new Error(
        `/workspace in frame '${frame.name}' has uncommitted changes (${listed(mine)}); commit or stash them, then merge`,
      );
    }
    const theirs = await this.git.uncommitted(running, worktree.path, true);
    if (theirs.length) {
      throw new Error(
        `agent '${frame.name}/${record.name}' has changes not committed (${listed(theirs)}); agent_checkpoint them first, or tell the agent to commit`,
      );
    }
    const result = await this.git.merge(running, {
      repo: '/workspace',
      worktree: worktree.path,
      branch: worktree.branch,
      strategy,
      message: message ?? `Merge ${worktree.branch} (agent ${record.name})`,
      author: { name: 'Optagon', email: 'optagon@optagon.invalid' },
    });
    this.deps.store.addEvent(frame.id, result.status === 'merged' ? 'agent_merged' : 'agent_merge_conflict', {
      agent: record.name,
      strategy,
      into: result.into,
      ...(result.status === 'merged' ? { commit: result.commit } : { files: result.files }),
    });
    if (result.status === 'merged') {
      const tip = (await this.git.head(running, worktree.path)).commit;
      this.deps
        .session(frame)
        .update((list) =>
          list.map((a) =>
            a.name === record.name && a.createdAt === record.createdAt && a.worktree
              ? { ...a, worktree: { ...a.worktree, base: tip } }
              : a,
          ),
        );
    }
    return { agent: `${frame.name}/${record.name}`, branch: worktree.branch, ...result };
  }

  /** Removes a work tree and its branch. */
  remove(frame: FrameRecord, tree: Worktree): Promise<void> {
    return this.git.removeWorktree(frame, { repo: '/workspace', path: tree.path, branch: tree.branch });
  }
}

/** The first few paths of a list, for an error message. */
const listed = (paths: string[]) => `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}`;

/** Who an agent's checkpoints are by, when the repository names no one. */
const agentAuthor = (name: string) => ({ name: `Optagon agent ${name}`, email: `${name}@optagon.invalid` });
