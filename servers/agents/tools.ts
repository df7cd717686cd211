import { z } from 'zod';
import { frameRef } from '../frames/schemas.js';
import { everyFrame, onFrame, toolsFor, type ActsOn, type AnyTool } from '../shared/define-tool.js';
import { ACTS, ENDS, READS } from '../shared/tool-annotations.js';
import type { AgentManager } from './agent-manager.js';
import { agentStates } from './kinds/agent-kind.js';
import { agentKindName, agentName, agentRef, statusOutput, toStatusOutput } from './schemas.js';

type S = AgentManager;
const defineTool = toolsFor<S>();

const message = z.string().min(1, 'the message is empty').max(100_000);
const statusResult = { agent: statusOutput };

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
      'Starts an agent CLI (Claude Code or OpenCode) in a new tmux window of a running frame, in /workspace, answers its startup dialogs, ' +
      "and returns once its prompt is up; with `task`, types the task in. Model endpoint and key come from the frame config's agents.env " +
      'or the daemon environment (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, ...).',
    input: {
      frame: frameRef,
      kind: agentKindName.default('claude'),
      task: message.optional(),
      name: agentName.optional(),
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
