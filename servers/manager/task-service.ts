import { randomBytes } from 'node:crypto';
import type { OptagonClient } from './optagon-client.js';
import { ManagerAgent } from './manager-agent.js';
import type { FrameManager } from '../frames/frame-manager.js';
import type { LlmSettings } from '../shared/global-config.js';
import type { ProviderFactory } from '../shared/model-endpoint.js';
import type { TaskRecord, TaskStore } from './task-store.js';

/**
 * The manager's tasks: each assigned task runs a ManagerAgent in this process, with its own MCP
 * client of Optagon's servers; its progress is recorded as it goes, so task_status shows it from
 * anywhere, and cancel aborts it (its agents are stopped).
 */
export class TaskService {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<TaskRecord> }>();

  constructor(
    private readonly deps: {
      frames: FrameManager;
      store: TaskStore;
      llm: () => LlmSettings;
      createProvider: ProviderFactory;
      connect: () => Promise<OptagonClient>;
    },
  ) {}

  /** Starts a task on a running frame; `done` resolves with its record when it ends, whatever the outcome. */
  assign(
    frameRef: string,
    text: string,
    onProgress?: (message: string) => void,
  ): { task: TaskRecord; done: Promise<TaskRecord> } {
    const frame = this.deps.frames.resolve(frameRef);
    if (frame.status !== 'running') {
      throw new Error(
        `frame '${frame.name}' is ${frame.status}; the manager's agents need it running: optagon frame start ${frame.name}`,
      );
    }
    const { config } = this.deps.frames.getConfig(frame.id);
    const task = this.deps.store.insert(randomBytes(6).toString('hex'), frame.id, text);
    const abort = new AbortController();
    const progress = (message: string) => {
      this.deps.store.addEvent(task.id, message);
      onProgress?.(message);
    };
    const done = (async () => {
      const client = await this.deps.connect();
      try {
        const agent = new ManagerAgent({
          taskId: task.id,
          client,
          frame: { name: frame.name, workspace: frame.workspacePath, config },
          llm: this.deps.llm(),
          createProvider: this.deps.createProvider,
          progress,
          signal: abort.signal,
        });
        const result = await agent.run(text);
        this.deps.store.finish(task.id, result.status, result);
        progress(`task ${result.status}${result.error ? `: ${result.error}` : ''}`);
      } catch (err) {
        // ManagerAgent reports its own failures in the result; this is a setup error (a missing key).
        this.deps.store.finish(task.id, abort.signal.aborted ? 'cancelled' : 'failed', null);
        progress(`task failed: ${(err as Error).message}`);
      } finally {
        this.running.delete(task.id);
        await client.close();
      }
      return this.deps.store.get(task.id)!;
    })();
    this.running.set(task.id, { abort, done });
    return { task, done };
  }

  get(id: string): TaskRecord {
    const task = this.deps.store.get(id);
    if (!task) throw new Error(`no task '${id}'; task_list (optagon task list) shows the tasks`);
    return task;
  }

  list(frameRef: string | undefined, limit: number): TaskRecord[] {
    return this.deps.store.list(frameRef ? this.deps.frames.resolve(frameRef).id : undefined, limit);
  }

  /** Cancels a running task: its agents are stopped and it ends as cancelled. */
  async cancel(id: string): Promise<TaskRecord> {
    const task = this.get(id);
    const run = this.running.get(task.id);
    if (!run) {
      if (task.status === 'running')
        throw new Error(`task ${task.id} runs in another process (the daemon, or a CLI without it); cancel it there`);
      throw new Error(`task ${task.id} already ended (${task.status})`);
    }
    run.abort.abort();
    return run.done;
  }

  /** Marks what a previous process left running as failed (it died with it). */
  recover(): number {
    return this.deps.store.interrupted();
  }

  /** Cancels everything still running (the process is going away). */
  async close(): Promise<void> {
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }
}
