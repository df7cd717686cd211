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
import { workspaceChanges } from './workspace-changes.js';

export type SubtaskStatus = 'accepted' | 'rejected' | 'done' | 'failed' | 'timed_out' | 'cancelled' | 'waiting';

export interface SubtaskResult {
  title: string;
  files: string[];
  agent: string;
  status: SubtaskStatus;
  /** Corrections the quality gate sent, in order. */
  corrections: string[];
  /** The gate's last reason, or what went wrong. */
  reason?: string;
}

export interface TaskResult {
  status: 'done' | 'failed' | 'cancelled' | 'planned';
  type: TaskFacts['type'];
  complexity: number;
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
        await this.runAll(task, subtasks, result.subtasks, context);
        if (result.subtasks.some((t) => t.status !== 'accepted' && t.status !== 'done')) result.status = 'failed';
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

  /** Runs subtasks as capacity allows; one waits while a running one touches the same paths. */
  private async runAll(task: string, subtasks: Subtask[], results: SubtaskResult[], context: string): Promise<void> {
    const waiting = subtasks.map((_, i) => i);
    const running = new Map<number, Promise<void>>();
    while (waiting.length || running.size) {
      for (const i of [...waiting]) {
        if (running.size >= this.rules.max_concurrent_agents) break;
        if ([...running.keys()].some((j) => overlaps(subtasks[i]!, subtasks[j]!))) continue;
        waiting.splice(waiting.indexOf(i), 1);
        running.set(
          i,
          this.runOne(task, subtasks[i]!, results[i]!, context).finally(() => running.delete(i)),
        );
      }
      await Promise.race(running.values());
      if (this.s.signal.aborted) {
        await Promise.allSettled(running.values()); // each stops its agent
        this.s.signal.throwIfAborted();
      }
    }
  }

  private async runOne(task: string, subtask: Subtask, r: SubtaskResult, context: string): Promise<void> {
    const { client, progress, frame } = this.s;
    const agent = `${frame.name}/${r.agent}`;
    const first = [
      context,
      `# Your task: ${subtask.title}`,
      subtask.prompt,
      subtask.files.length ? `Work on: ${subtask.files.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    try {
      progress(`${r.agent}: starting "${subtask.title}"`);
      // In /workspace itself until the quality gate reviews an agent's own work tree (its diff is read there).
      await client.call('agent_spawn', { frame: frame.name, name: r.agent, task: first, workspace: 'shared' });
      for (let round = 0; ; round++) {
        const end = await this.turn(agent);
        if (end !== 'idle') {
          r.status = end === 'timed_out' ? 'timed_out' : 'failed';
          r.reason =
            end === 'timed_out'
              ? `no answer within ${this.rules.agent_timeout_minutes} minutes (manager.behavior.agent_timeout_minutes)`
              : 'the agent exited';
          return;
        }
        if (!this.rules.quality_gate_enabled) {
          r.status = 'done';
          progress(`${r.agent}: done (quality gate off)`);
          return;
        }
        const { text } = await client.call('agent_read', { agent });
        const verdict = await review(this.provider(this.route('review')), client, {
          task,
          subtask,
          agent: r.agent,
          reply: text,
          changes: await workspaceChanges(frame.workspace, subtask.files),
        });
        r.reason = verdict.reason;
        if (verdict.accept) {
          r.status = 'accepted';
          progress(
            `${r.agent}: accepted${r.corrections.length ? ` after ${r.corrections.length} correction${r.corrections.length === 1 ? '' : 's'}` : ''} (${verdict.reason})`,
          );
          return;
        }
        if (round >= this.rules.max_review_rounds) {
          r.status = 'rejected';
          progress(
            `${r.agent}: rejected after ${round} correction round${round === 1 ? '' : 's'} (manager.behavior.max_review_rounds): ${verdict.reason}`,
          );
          return;
        }
        r.corrections.push(verdict.correction!);
        progress(`${r.agent}: correction ${round + 1}: ${verdict.correction}`);
        await client.call('agent_send', { agent, message: verdict.correction! });
      }
    } catch (err) {
      r.status = this.s.signal.aborted ? 'cancelled' : 'failed';
      r.reason = (err as Error).message;
      progress(`${r.agent}: ${r.status}: ${r.reason}`);
    } finally {
      await client.call('agent_stop', { agent }).catch(() => undefined); // its window goes; its transcript stays
    }
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
      ...result.subtasks.map(
        (t, i) =>
          `${i + 1}. ${t.title} (${t.files.join(', ') || 'no paths named'}): ${t.status}` +
          (t.corrections.length ? ` after ${t.corrections.length} correction(s): ${t.corrections.join(' / ')}` : '') +
          (t.reason ? `. ${t.reason}` : ''),
      ),
    ];
    try {
      const r = await this.s.client.call('context_add_episode', {
        frame: this.s.frame.name,
        name: `task: ${task.slice(0, 180)}`,
        content: lines.join('\n'),
        source: 'text',
        source_description: 'manager agent',
      });
      this.s.progress('remembered in the frame context');
      return r.episode.uuid;
    } catch (err) {
      this.s.progress(`could not remember the task (${(err as Error).message})`);
      return undefined;
    }
  }
}
