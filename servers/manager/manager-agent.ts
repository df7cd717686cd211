import { managerBehaviorSchema, type FrameConfig } from '../frames/frame-config.js';
import type { LlmSettings } from '../shared/global-config.js';
import type { ProviderFactory } from '../shared/model-endpoint.js';
import type { LLMProvider } from '../shared/llm-provider.js';
import { finishTurn, type TurnEnd } from './agent-turn.js';
import { classify } from './classify.js';
import type { OptagonClient } from './optagon-client.js';
import { overlaps, plan, type Subtask } from './plan.js';
import { review } from './review.js';
import type { Step, TaskFacts } from '../shared/routing-condition.js';
import { TaskRouter, type Route } from './task-router.js';
import { trackedFiles } from './tracked-files.js';
import { agentChanges, rebaseRequest, type ChangedFiles } from './agent-changes.js';
import { workspaceChanges } from './workspace-changes.js';

export const SUBTASK_STATUSES = [
  'accepted',
  'rejected',
  'done',
  'failed',
  'timed_out',
  'cancelled',
  'waiting',
  // Accepted, but its branch still conflicts with the others' after the rounds the agent had to rebase.
  'conflict',
] as const;
export type SubtaskStatus = (typeof SUBTASK_STATUSES)[number];

/** waiting_for_review: accepted work is on the agents' branches for the user to merge (or to resolve). */
export const TASK_RESULT_STATUSES = ['done', 'failed', 'cancelled', 'planned', 'waiting_for_review'] as const;

export interface SubtaskResult {
  title: string;
  files: string[];
  agent: string;
  status: SubtaskStatus;
  /** Corrections the quality gate sent, in order. */
  corrections: string[];
  /** The gate's last reason, or what went wrong. */
  reason?: string;
  /** The agent's own branch (an agent in a work tree of its own), and what its diff held when it was last reviewed. */
  branch?: string;
  changed?: ChangedFiles;
  /** The merge commit that brought its branch into the task's branch (manager.behavior.merge: auto). */
  merge?: string;
}

export interface TaskResult {
  status: (typeof TASK_RESULT_STATUSES)[number];
  type: TaskFacts['type'];
  complexity: number;
  /** The branch accepted work was merged into: the one /workspace has checked out. */
  branch?: string;
  subtasks: SubtaskResult[];
  /** The episode that remembers the task in the frame's context (auto_ingest). */
  episode?: string;
  error?: string;
}

export interface ManagerSetup {
  taskId: string;
  client: OptagonClient;
  frame: { name: string; workspace: string; config: FrameConfig };
  llm: LlmSettings;
  createProvider: ProviderFactory;
  progress(message: string): void;
  signal: AbortSignal;
}

/** manager.behavior as the frame config says, the defaults filled in (the stored config was validated when set). */
const behavior = (config: FrameConfig) => managerBehaviorSchema.parse(config.manager?.behavior ?? {});

/**
 * The manager's loop for one task, an MCP host over Optagon's own servers: classify (for routing),
 * curate context, plan subtasks, run them in Claude Code agents (at most max_concurrent_agents; two
 * that touch the same paths never at once), review each result and send corrections (the quality
 * gate), then remember the task in the frame's context.
 */
export class ManagerAgent {
  private readonly router: TaskRouter;
  private readonly rules: ReturnType<typeof behavior>;
  /** What routing conditions see of the task; each routed call adds its step. */
  private facts!: Omit<TaskFacts, 'step'>;

  constructor(private readonly s: ManagerSetup) {
    const m = s.frame.config.manager ?? {};
    this.router = new TaskRouter(
      m.routing ?? [],
      { provider: m.provider ?? 'anthropic', ...(m.model ? { model: m.model } : {}) },
      `frame ${s.frame.name}`,
    );
    this.rules = behavior(s.frame.config);
  }

  async run(task: string): Promise<TaskResult> {
    const { progress } = this.s;
    const classified = await classify(this.provider(this.router.base()), task);
    if (classified.note) progress(classified.note);
    this.facts = { type: classified.type, complexity: classified.complexity, text: task };
    progress(`task is ${classified.type}, complexity ${classified.complexity.toFixed(2)}`);
    const result: TaskResult = {
      status: 'done',
      type: classified.type,
      complexity: classified.complexity,
      subtasks: [],
    };
    try {
      const context = await this.context(task);
      const subtasks = await plan(
        this.provider(this.route('plan')),
        task,
        context,
        await trackedFiles(this.s.frame.workspace),
      );
      progress(
        `planned ${subtasks.length} subtask${subtasks.length === 1 ? '' : 's'}: ${subtasks.map((t) => t.title).join('; ')}`,
      );
      result.subtasks = subtasks.map((t, i) => ({
        title: t.title,
        files: t.files,
        agent: `t${this.s.taskId.slice(0, 6)}-${i + 1}`,
        status: 'waiting',
        corrections: [],
      }));
      if (!this.rules.auto_spawn_agents) {
        result.status = 'planned';
        progress('manager.behavior.auto_spawn_agents is off: the plan is the result');
      } else {
        await this.runAll(task, subtasks, result, context);
        result.status = outcome(result.subtasks);
      }
    } catch (err) {
      const aborted = this.s.signal.aborted;
      result.status = aborted ? 'cancelled' : 'failed';
      result.error = aborted ? 'cancelled' : (err as Error).message;
      for (const t of result.subtasks) if (t.status === 'waiting') t.status = 'cancelled';
    }
    if (this.s.frame.config.context?.auto_ingest !== false) result.episode = await this.remember(task, result);
    return result;
  }

  private route(step: Step): Route {
    return this.router.route({ ...this.facts, step });
  }

  private provider(route: Route): LLMProvider {
    const temperature = this.s.frame.config.manager?.temperature;
    return this.s.createProvider(
      { ...route, ...(temperature !== undefined ? { temperature } : {}) },
      this.s.llm,
      route.setting,
      this.s.progress,
    );
  }

  private async context(task: string): Promise<string> {
    try {
      const r = await this.s.client.call('context_curate', { frame: this.s.frame.name, task });
      if (r.text) this.s.progress(`context: ${r.tokens} tokens from the frame's knowledge graph`);
      return r.text;
    } catch (err) {
      this.s.progress(`no context (${(err as Error).message}); planning without it`);
      return '';
    }
  }

  /**
   * Runs subtasks in plan order as capacity allows; one waits (and those after it) while a running
   * one touches the same paths. Each merges only after the one before it has settled: accepted work
   * lands in plan order, and since every earlier subtask has started, no wait can be circular.
   */
  private async runAll(task: string, subtasks: Subtask[], result: TaskResult, context: string): Promise<void> {
    const waiting = subtasks.map((_, i) => i);
    const running = new Map<number, Promise<void>>();
    let previous: Promise<unknown> = Promise.resolve();
    while (waiting.length || running.size) {
      for (const i of [...waiting]) {
        if (running.size >= this.rules.max_concurrent_agents) break;
        if ([...running.keys()].some((j) => overlaps(subtasks[i]!, subtasks[j]!))) break;
        waiting.splice(waiting.indexOf(i), 1);
        const run = this.runOne(task, subtasks[i]!, result, i, context, previous);
        previous = run;
        running.set(
          i,
          run.finally(() => running.delete(i)),
        );
      }
      await Promise.race(running.values());
      if (this.s.signal.aborted) {
        await Promise.allSettled(running.values()); // each stops its agent
        this.s.signal.throwIfAborted();
      }
    }
  }

  private async runOne(
    task: string,
    subtask: Subtask,
    result: TaskResult,
    index: number,
    context: string,
    before: Promise<unknown>,
  ): Promise<void> {
    const { client, progress, frame } = this.s;
    const r = result.subtasks[index]!;
    const agent = `${frame.name}/${r.agent}`;
    try {
      progress(`${r.agent}: starting "${subtask.title}"`);
      // Its own work tree when /workspace is a git repository (and agents.workspace does not say shared);
      // the task goes once it is known where the agent works.
      const spawned = await client.call('agent_spawn', { frame: frame.name, name: r.agent });
      const worktree = spawned.agent.worktree;
      if (worktree) {
        r.branch = worktree.branch;
        progress(`${r.agent}: works on branch ${worktree.branch} in ${worktree.path}`);
      }
      await client.call('agent_send', { agent, message: firstMessage(context, subtask, worktree) });
      let rebases = 0;
      for (let round = 0; ;) {
        const end = await this.turn(agent);
        if (end !== 'idle') {
          r.status = end === 'timed_out' ? 'timed_out' : 'failed';
          r.reason =
            end === 'timed_out'
              ? `no answer within ${this.rules.agent_timeout_minutes} minutes (manager.behavior.agent_timeout_minutes)`
              : 'the agent exited';
          return;
        }
        let accepted = !this.rules.quality_gate_enabled;
        if (accepted) {
          r.status = 'done';
          progress(`${r.agent}: done (quality gate off)`);
        } else {
          const { text } = await client.call('agent_read', { agent });
          const changes = worktree ? await agentChanges(client, agent) : undefined;
          if (changes) r.changed = changes.files;
          const verdict = await review(this.provider(this.route('review')), client, {
            task,
            subtask,
            agent: r.agent,
            reply: text,
            changes: changes?.text ?? (await workspaceChanges(frame.workspace, subtask.files)),
          });
          r.reason = verdict.reason;
          accepted = verdict.accept;
          if (accepted) {
            r.status = 'accepted';
            progress(
              `${r.agent}: accepted${r.corrections.length ? ` after ${r.corrections.length} correction${r.corrections.length === 1 ? '' : 's'}` : ''} (${verdict.reason})`,
            );
          } else if (round >= this.rules.max_review_rounds) {
            r.status = 'rejected';
            progress(
              `${r.agent}: rejected after ${round} correction round${round === 1 ? '' : 's'} (manager.behavior.max_review_rounds): ${verdict.reason}`,
            );
            return;
          } else {
            round++;
            r.corrections.push(verdict.correction!);
            progress(`${r.agent}: correction ${round}: ${verdict.correction}`);
            await client.call('agent_send', { agent, message: verdict.correction! });
            continue;
          }
        }
        if (!worktree) return;
        // Accepted work on the agent's branch: merged in plan order, or kept there for the user.
        await client.call('agent_checkpoint', { agent, message: subtask.title });
        if (this.rules.merge === 'ask') {
          progress(`${r.agent}: kept on ${worktree.branch} for you to merge (manager.behavior.merge: ask)`);
          return;
        }
        await before;
        const landed = await this.land(r, agent, result, rebases);
        if (landed !== 'rebasing') return;
        rebases++;
      }
    } catch (err) {
      r.status = this.s.signal.aborted ? 'cancelled' : 'failed';
      r.reason = (err as Error).message;
      progress(`${r.agent}: ${r.status}: ${r.reason}`);
    } finally {
      await client.call('agent_stop', { agent }).catch(() => undefined); // its window goes; its transcript stays
    }
  }

  /**
   * Merges an accepted agent's branch into the branch /workspace has checked out. A conflict goes
   * back to the agent to rebase (then the gate reviews again), at most max_review_rounds times; a
   * merge refused (the user's uncommitted changes) leaves the work on its branch for the user.
   */
  private async land(
    r: SubtaskResult,
    agent: string,
    result: TaskResult,
    rebases: number,
  ): Promise<'merged' | 'kept' | 'rebasing'> {
    const { client, progress } = this.s;
    let merged;
    try {
      merged = await client.call('agent_merge', {
        agent,
        strategy: 'merge',
        message: `${r.title} (agent ${r.agent}, task ${this.s.taskId})`,
      });
    } catch (err) {
      r.reason = `not merged: ${(err as Error).message}`;
      progress(`${r.agent}: ${r.reason}`);
      return 'kept';
    }
    result.branch = merged.into;
    if (merged.status === 'merged') {
      r.merge = merged.commit!;
      progress(`${r.agent}: merged ${merged.branch} into ${merged.into} as ${merged.commit!.slice(0, 12)}`);
      // The merge commit holds its work now: the work tree and branch go.
      await client.call('agent_discard', { agent, confirm: true }).catch(() => undefined);
      return 'merged';
    }
    if (rebases >= this.rules.max_review_rounds) {
      r.status = 'conflict';
      r.reason = `${merged.branch} still conflicts with ${merged.into} in ${merged.files.join(', ')} after ${rebases} rebase${rebases === 1 ? '' : 's'}; it is kept for you to resolve`;
      progress(`${r.agent}: ${r.reason}`);
      return 'kept';
    }
    progress(
      `${r.agent}: ${merged.branch} conflicts with ${merged.into} in ${merged.files.join(', ')}; asked to rebase`,
    );
    r.corrections.push(rebaseRequest(merged.branch, merged.into, merged.files));
    await client.call('agent_send', { agent, message: r.corrections.at(-1)! });
    return 'rebasing';
  }

  private turn(agent: string): Promise<TurnEnd> {
    return finishTurn(this.s.client, agent, {
      permissions: this.rules.permissions,
      timeoutMs: this.rules.agent_timeout_minutes * 60_000,
      signal: this.s.signal,
      progress: this.s.progress,
    });
  }

  /** The task as an episode of the frame's context: what was asked, decided and done. */
  private async remember(task: string, result: TaskResult): Promise<string | undefined> {
    const lines = [
      `Task: ${task}`,
      `Outcome: ${result.status}${result.error ? ` (${result.error})` : ''}; ${result.type}, complexity ${result.complexity.toFixed(2)}.`,
      ...(result.branch ? [`Merged into branch ${result.branch}.`] : []),
      ...result.subtasks.map(
        (t, i) =>
          `${i + 1}. ${t.title} (${t.files.join(', ') || 'no paths named'}): ${t.status}` +
          (t.corrections.length ? ` after ${t.corrections.length} correction(s): ${t.corrections.join(' / ')}` : '') +
          (t.reason ? `. ${t.reason}` : '') +
          (t.branch
            ? `. Branch ${t.branch}${t.merge ? `, merged as ${t.merge.slice(0, 12)}` : ', not merged'}` +
              (t.changed?.length ? `; files changed: ${t.changed.map((f) => f.path).join(', ')}` : '')
            : ''),
      ),
    ];
    try {
      const r = await this.s.client.call('context_add_episode', {
        frame: this.s.frame.name,
        name: `task: ${task.slice(0, 180)}`,
        content: lines.join('\n'),
        source: 'text',
        source_description: 'manager agent',
        // Its decisions (the route, the plan, each review's corrections, each merge) are this one
        // episode: a task run again by a restarted daemon is not remembered twice.
        dedup_key: `task:${this.s.taskId}`,
      });
      this.s.progress('remembered in the frame context');
      return r.episode.uuid;
    } catch (err) {
      this.s.progress(`could not remember the task (${(err as Error).message})`);
      return undefined;
    }
  }
}

/** An agent's first message: the curated context, its subtask, and where it works. */
function firstMessage(context: string, subtask: Subtask, worktree: { path: string; branch: string } | null): string {
  return [
    context,
    `# Your task: ${subtask.title}`,
    subtask.prompt,
    subtask.files.length ? `Work on: ${subtask.files.join(', ')}` : '',
    worktree
      ? `You work in your own git work tree, ${worktree.path}, on branch ${worktree.branch}: the project's paths (/workspace/...) are under ${worktree.path} for you. Make every change there, never in /workspace itself; committing is optional.`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** A finished task's status from its subtasks': work left for the user to merge or resolve is waiting for review. */
function outcome(subtasks: SubtaskResult[]): TaskResult['status'] {
  if (subtasks.some((t) => !['accepted', 'done', 'conflict'].includes(t.status))) return 'failed';
  return subtasks.some((t) => t.status === 'conflict' || (t.branch && !t.merge)) ? 'waiting_for_review' : 'done';
}
