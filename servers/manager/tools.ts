import { z } from 'zod';
import { frameRef } from '../frames/schemas.js';
import { everyFrame, onFrame, toolsFor, type ActsOn, type AnyTool } from '../shared/define-tool.js';
import { ACTS_OUTSIDE, ENDS, READS } from '../shared/tool-annotations.js';
import { SUBTASK_STATUSES, TASK_RESULT_STATUSES } from './manager-agent.js';
import type { TaskService } from './task-service.js';
import type { TaskRecord } from './task-store.js';

type S = TaskService;
const defineTool = toolsFor<S>();

const taskRef = z
  .string()
  .regex(/^[0-9a-f]{4,12}$/, 'a task id is hex, as task_list shows (a unique prefix of 4 or more will do)')
  .describe('Task id (or a unique prefix of it)');

const subtaskOutput = z.object({
  title: z.string(),
  files: z.array(z.string()).describe('The paths the plan named for it'),
  agent: z.string(),
  status: z.enum(SUBTASK_STATUSES),
  corrections: z.array(z.string()),
  reason: z.string().optional(),
  branch: z.string().optional().describe("The agent's own branch (when it had a work tree of its own)"),
  changed: z
    .array(z.object({ path: z.string(), added: z.number().nullable(), removed: z.number().nullable() }))
    .optional()
    .describe('The files its diff held when it was last reviewed, with lines added and removed'),
  merge: z.string().optional().describe('The merge commit that brought its branch in'),
});

const taskOutput = z.object({
  id: z.string(),
  frameId: z.string(),
  text: z.string(),
  status: z.enum(['running', ...TASK_RESULT_STATUSES]),
  createdAt: z.number(),
  updatedAt: z.number(),
  events: z.array(z.object({ at: z.number(), message: z.string() })).describe('Progress, oldest first'),
  result: z
    .object({
      status: z.string().optional(),
      type: z.string().optional(),
      complexity: z.number().optional(),
      branch: z.string().optional().describe('The branch accepted work was merged into'),
      subtasks: z.array(subtaskOutput).optional(),
      episode: z.string().optional(),
      error: z.string().optional(),
    })
    .nullable(),
});

/**
 * The frame a task reference acts on: the task's. A reference that finds no task is `unresolved`,
 * refused to a frame-limited session in the words used for another frame's task.
 */
const onTask = (ref: string, s: S): ActsOn => {
  try {
    return { on: 'frames', ids: [s.get(ref).frameId], what: `task '${ref}'` };
  } catch {
    return { on: 'frames', what: `task '${ref}'`, unresolved: true };
  }
};

const out = (t: TaskRecord) => ({ ...t, result: t.result as z.infer<typeof taskOutput>['result'] });

export const managerTools = [
  defineTool({
    name: 'task_assign',
    title: 'Give the manager a task',
    description:
      'The manager agent plans the task into subtasks, runs each in a Claude Code agent in the frame (at most manager.behavior.max_concurrent_agents, ' +
      'subtasks touching the same paths one after another), each in a git work tree and branch of its own when /workspace is a repository; ' +
      "reviews each agent's whole diff and sends corrections (the quality gate); merges accepted branches in plan order into the branch /workspace " +
      'has checked out (a conflict goes back to its agent to rebase), or with manager.behavior.merge: ask leaves them for you (the task ends ' +
      "waiting_for_review); and remembers the task in the frame's context. Returns the task id at once; with wait, stays until the task ends, with progress notifications as it goes.",
    input: {
      frame: frameRef,
      task: z.string().min(1, 'the task is empty').max(20_000),
      wait: z
        .boolean()
        .default(false)
        .describe('Return when the task ends (progress notifications meanwhile), not at once'),
    },
    output: { task: taskOutput },
    annotations: ACTS_OUTSIDE,
    async handle(s, args, ctx) {
      let step = 0;
      const { task, done } = s.assign(
        args.frame,
        args.task,
        args.wait ? (m) => void ctx.progress(m, ++step) : undefined,
      );
      if (!args.wait) return { task: out(task) };
      ctx.signal.addEventListener('abort', () => void s.cancel(task.id).catch(() => undefined), { once: true });
      return { task: out(await done) };
    },
  }),
  defineTool({
    name: 'task_status',
    title: "A task's progress",
    description:
      'The task with its progress so far and, once it ended, its result: each subtask, its agent and branch, the files its diff changed, ' +
      'corrections, outcome and merge commit; the branch the work went into.',
    input: { task: taskRef },
    output: { task: taskOutput },
    annotations: READS,
    actsOn: (args, s) => onTask(args.task, s),
    async handle(s, args) {
      return { task: out(s.get(args.task)) };
    },
  }),
  defineTool({
    name: 'task_list',
    title: 'List tasks',
    description: "The manager's tasks, newest first: of one frame, or of all.",
    input: { frame: frameRef.optional(), limit: z.number().int().min(1).max(500).default(20) },
    output: { tasks: z.array(taskOutput) },
    annotations: READS,
    actsOn: (args) => (args.frame ? onFrame(args.frame) : everyFrame("lists every frame's tasks")),
    scopedAnswer: (r, sees) => ({ ...r, tasks: r.tasks.filter((t) => sees(t.frameId)) }),
    async handle(s, args) {
      return { tasks: s.list(args.frame, args.limit).map(out) };
    },
  }),
  defineTool({
    name: 'task_cancel',
    title: 'Cancel a task',
    description: 'Stops a running task: its agents are stopped (their transcripts stay) and it ends as cancelled.',
    input: { task: taskRef },
    output: { task: taskOutput },
    annotations: ENDS,
    actsOn: (args, s) => onTask(args.task, s),
    async handle(s, args) {
      return { task: out(await s.cancel(args.task)) };
    },
  }),
] satisfies AnyTool<S>[];
