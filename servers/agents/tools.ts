import { z } from 'zod';
import { frameRef } from '../frames/schemas.js';
import { everyFrame, onFrame, toolsFor, type ActsOn, type AnyTool } from '../shared/define-tool.js';
import { ACTS, ENDS, READS, REMOVES } from '../shared/tool-annotations.js';
import type { AgentManager } from './agent-manager.js';
import { agentStates } from './kinds/agent-kind.js';
import { agentKindName, agentName, agentRef, statusOutput, toStatusOutput } from './schemas.js';

type S = AgentManager;
const defineTool = toolsFor<S>();

const message = z.string().min(1, 'the message is empty').max(100_000);
/** A branch or commit to start from: what git takes as a revision, never an option. */
const gitRef = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,199}$/,
    'a branch name or commit id (letters, digits, . _ / -), not starting with - or .',
  )
  .refine((r) => !r.includes('..') && !r.endsWith('.lock') && !r.endsWith('/'), 'not a branch name git accepts');
const statusResult = { agent: statusOutput };
const commitId = z.string().regex(/^[0-9a-f]{4,64}$/, 'a commit id (hex), as agent_diff lists the checkpoints');

/**
 * The frame an agent reference acts on: its prefix. A name alone names the agent of that name in
 * whichever frame has one, so it may act on any frame: a frame-limited session names the frame.
 */
const onAgent = (ref: string): ActsOn => {
  const slash = ref.indexOf('/');
  if (slash > 0) return { on: 'frames', refs: [ref.slice(0, slash)], what: `agent '${ref}'` };
  return everyFrame(
    `acts on agent '${ref}' named without its frame, which may be in any frame: name it as <frame>/${ref}`,
  );
};

export const agentTools = [
  defineTool({
    name: 'agent_spawn',
    title: 'Start a coding agent',
    description:
      'Starts an agent CLI (Claude Code or OpenCode) in a new tmux window of a running frame, answers its startup dialogs, ' +
      'and returns once its prompt is up; with `task`, types the task in. With workspace: worktree (the default when /workspace is a git repository) it works in a git work tree of its own ' +
      'on branch optagon/<name>, made from `base` (default: the branch /workspace has checked out), so agents never edit over each other; ' +
      'agent_diff shows its changes, agent_discard drops them. With workspace: shared it works in /workspace itself. ' +
      "Model endpoint and key come from the frame config's agents.env or the daemon environment (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, ...).",
    input: {
      frame: frameRef,
      kind: agentKindName.default('claude'),
      task: message.optional(),
      name: agentName.optional(),
      workspace: z
        .enum(['shared', 'worktree'])
        .optional()
        .describe(
          'worktree: a git work tree and branch of its own; shared: /workspace itself. Default: agents.workspace of the frame config, else worktree in a git repository',
        ),
      base: gitRef.optional().describe('The branch or commit its work tree starts from (workspace: worktree)'),
      branch: gitRef
        .optional()
        .describe("Its work tree's branch, new; default agents.branch_prefix (optagon/) and its name"),
    },
    output: statusResult,
    annotations: ACTS,
    async handle(a, args, ctx) {
      const status = await a.spawn(
        {
          frame: args.frame,
          kind: args.kind,
          ...(args.task ? { task: args.task } : {}),
          ...(args.name ? { name: args.name } : {}),
          ...(args.workspace ? { workspace: args.workspace } : {}),
          ...(args.base ? { base: args.base } : {}),
          ...(args.branch ? { branch: args.branch } : {}),
        },
        (m) => ctx.progress(m),
      );
      return { agent: toStatusOutput(status) };
    },
  }),
  defineTool({
    name: 'agent_send',
    title: 'Send a message to an agent',
    description:
      'Types a message into the agent and submits it, continuing its conversation. Fails while the agent waits for permission (agent_approve first).',
    input: { agent: agentRef, message },
    output: statusResult,
    annotations: ACTS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return { agent: toStatusOutput(await a.send(args.agent, args.message)) };
    },
  }),
  defineTool({
    name: 'agent_status',
    title: "An agent's state",
    description:
      "starting | working | waiting_for_permission | idle | exited, from the agent's hooks first and its screen second, with its last screen lines.",
    input: { agent: agentRef },
    output: statusResult,
    annotations: READS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return { agent: toStatusOutput(await a.status(args.agent)) };
    },
  }),
  defineTool({
    name: 'agent_wait',
    title: 'Wait for an agent',
    description:
      "until: 'idle' waits until the agent stops working (idle, or it needs someone: waiting_for_permission, or it exited); " +
      "'any_change' until its state differs from now. At most timeout_ms; `reached` says whether it happened.",
    input: {
      agent: agentRef,
      until: z.enum(['idle', 'any_change']).default('idle'),
      timeout_ms: z.number().int().min(100).max(3_600_000).default(300_000),
    },
    output: { agent: statusOutput, reached: z.boolean(), waitedMs: z.number() },
    annotations: READS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args, ctx) {
      const { reached, waitedMs, ...status } = await a.wait(args.agent, args.until, args.timeout_ms, ctx.signal);
      return { agent: toStatusOutput(status), reached, waitedMs };
    },
  }),
  defineTool({
    name: 'agent_read',
    title: "An agent's latest reply",
    description:
      "The text of the agent's latest reply (from its transcript), not the whole screen; the screen when nothing better is there.",
    input: { agent: agentRef },
    output: {
      agent: z.string(),
      state: z.enum(agentStates),
      text: z.string(),
      source: z.enum(['transcript', 'hook', 'screen']),
    },
    annotations: READS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return a.read(args.agent);
    },
  }),
  defineTool({
    name: 'agent_approve',
    title: 'Answer a permission prompt',
    description:
      "Answers the agent's open permission dialog: allow (Claude Code: option 1) or deny (Escape). Fails when no dialog is open.",
    input: { agent: agentRef, decision: z.enum(['allow', 'deny']) },
    output: statusResult,
    annotations: ACTS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return { agent: toStatusOutput(await a.approve(args.agent, args.decision)) };
    },
  }),
  defineTool({
    name: 'agent_stop',
    title: 'Stop an agent',
    description:
      "Ends the agent and closes its window. Its conversation stays in the frame's Claude config; agent_list keeps it as exited.",
    input: { agent: agentRef },
    output: statusResult,
    annotations: ENDS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return { agent: toStatusOutput(await a.stop(args.agent)) };
    },
  }),
  defineTool({
    name: 'agent_diff',
    title: "An agent's changes",
    description:
      'What an agent with its own work tree changed against the commit it started from: committed, uncommitted and untracked files (not ignored ones), ' +
      'each with lines added and removed, and the unified diff, cut at max_bytes (it says when it was cut and how big the whole is). stat: the files only. ' +
      'Once its branch was merged (or it rebased onto the branch it came from), only what came after. from/to compare two of the checkpoints it lists.',
    input: {
      agent: agentRef,
      stat: z.boolean().default(false).describe('Only the files and their counts, no diff text'),
      max_bytes: z
        .number()
        .int()
        .min(1_000)
        .max(10_000_000)
        .default(1_000_000)
        .describe('Cut the diff text at this size'),
      from: commitId.optional().describe('Compare from this checkpoint (a commit of its branch) instead of its base'),
      to: commitId.optional().describe('Compare to this checkpoint instead of the work tree as it is now'),
    },
    output: {
      agent: z.string(),
      branch: z.string(),
      base: z.string().describe('The commit the changes are against'),
      checkpoints: z
        .array(z.object({ commit: z.string(), at: z.number().describe('Unix seconds'), subject: z.string() }))
        .describe("The branch's commits since its base, newest first: what from and to may name"),
      files: z.array(
        z.object({
          path: z.string(),
          added: z.number().nullable().describe('Lines added; null for a binary file'),
          removed: z.number().nullable(),
        }),
      ),
      patch: z.string().describe('The unified diff (empty with stat)'),
      bytes: z.number().describe('The size of the whole diff'),
      truncated: z.boolean().describe('Whether patch holds less than the whole diff'),
    },
    annotations: READS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      const diff = await a.diff(args.agent, {
        maxBytes: args.stat ? 1_000 : args.max_bytes,
        ...(args.from ? { from: args.from } : {}),
        ...(args.to ? { to: args.to } : {}),
      });
      return args.stat ? { ...diff, patch: '', truncated: diff.bytes > 0 } : diff;
    },
  }),
  defineTool({
    name: 'agent_discard',
    title: "Discard an agent's work",
    description:
      'Ends the agent if it runs, then removes its work tree and its branch optagon/<name>, with every change in them. /workspace and every other branch are left as they are. ' +
      'Needs confirm: true.',
    input: {
      agent: agentRef,
      confirm: z.literal(true, {
        error: "discarding deletes the agent's changes and branch for good: pass confirm: true to do it",
      }),
    },
    output: statusResult,
    annotations: REMOVES,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return { agent: toStatusOutput(await a.discard(args.agent)) };
    },
  }),
  defineTool({
    name: 'agent_checkpoint',
    title: "Checkpoint an agent's work",
    description:
      "Commits everything in the agent's work tree (untracked files too) on its branch optagon/<name>; commit is null when nothing changed. " +
      "The commit is by the repository's git identity, else 'Optagon agent <name>'.",
    input: { agent: agentRef, message: z.string().min(1).max(2_000).optional().describe('The commit message') },
    output: { agent: z.string(), branch: z.string(), commit: z.string().nullable() },
    annotations: ACTS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return a.checkpoint(args.agent, args.message);
    },
  }),
  defineTool({
    name: 'agent_merge',
    title: "Merge an agent's branch",
    description:
      "Brings the agent's branch into the branch /workspace has checked out: merge (a merge commit), squash (one commit) or rebase " +
      "(the agent's branch rebased onto it, then fast-forwarded). Refused while /workspace has uncommitted changes to tracked files, or the agent " +
      'has changes not checkpointed. On a conflict nothing changes: status conflict, with the files; tell the agent to rebase (agent_comment) and merge again.',
    input: {
      agent: agentRef,
      strategy: z.enum(['merge', 'squash', 'rebase']).default('merge'),
      message: z.string().min(1).max(2_000).optional().describe('The merge (or squash) commit message'),
    },
    output: {
      agent: z.string(),
      branch: z.string(),
      into: z.string().describe('The branch merged into'),
      status: z.enum(['merged', 'conflict']),
      commit: z.string().nullable().describe('The new commit of `into`; null on a conflict'),
      files: z.array(z.string()).describe('The conflicting files; empty when merged'),
    },
    annotations: ACTS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      const r = await a.merge(args.agent, args.strategy, args.message);
      return r.status === 'merged' ? { ...r, files: [] } : { ...r, commit: null };
    },
  }),
  defineTool({
    name: 'agent_comment',
    title: "Comment on an agent's work",
    description:
      'A review comment, sent to the agent as its next message, with the file and line it is about (as agent_diff names them).',
    input: {
      agent: agentRef,
      text: message,
      file: z
        .string()
        .regex(/^[^\x00-\x1f\x7f]{1,1000}$/, 'a file path on one line')
        .optional()
        .describe('The file the comment is about, as agent_diff names it'),
      line: z.number().int().min(1).optional(),
    },
    output: statusResult,
    annotations: ACTS,
    actsOn: (args) => onAgent(args.agent),
    async handle(a, args) {
      return { agent: toStatusOutput(await a.comment(args.agent, args.text, args.file, args.line)) };
    },
  }),
  defineTool({
    name: 'agent_list',
    title: 'List agents',
    description:
      "The agents of one frame, or of every frame, with their state now (from each frame's session.json, so they survive daemon restarts).",
    input: { frame: frameRef.optional() },
    output: { agents: z.array(statusOutput) },
    annotations: READS,
    actsOn: (args) => (args.frame ? onFrame(args.frame) : everyFrame("lists every frame's agents")),
    scopedAnswer: (r, sees) => ({ ...r, agents: r.agents.filter((a) => sees(a.frame)) }),
    async handle(a, args) {
      return { agents: (await a.list(args.frame)).map(toStatusOutput) };
    },
  }),
] satisfies AnyTool<S>[];
