import { z } from 'zod';
import { askJson } from '../shared/ask-json.js';
import type { LLMProvider } from '../shared/llm-provider.js';
import type { ManagerResults, OptagonClient } from './optagon-client.js';
import type { Subtask } from './plan.js';

export const verdictSchema = z
  .object({
    accept: z.boolean(),
    reason: z.string().min(1).max(4000),
    /** What the agent is told to fix, when the work is not accepted. */
    correction: z.string().min(1).max(20_000).optional(),
  })
  .refine((v) => v.accept || v.correction, { error: 'a rejection needs a correction: what the agent should change' });
export type Verdict = z.output<typeof verdictSchema>;

/** What the reviewer may look at itself, through Optagon's MCP tools: nothing that changes anything. */
export const REVIEW_TOOLS = [
  'agent_read',
  'agent_status',
  'agent_diff',
  'tmux_capture_pane',
  'context_search',
  'frame_get',
] as const;

const SYSTEM = `You review the work of a coding agent for the manager of a project (mounted at /workspace).
You get the subtask, the agent's last reply and its changes (its own branch's diff, or the workspace's). You may call the tools to look closer.
Accept work that does what the subtask asks. Otherwise say precisely what the agent must change.
Answer with one JSON object and nothing else:
{"accept": boolean, "reason": string, "correction": string (required when accept is false)}`;

/**
 * The quality gate: the routed model reviews one subtask's result (the diff, the agent's words) and
 * accepts it or writes the correction the agent gets. It may call read-only Optagon tools first.
 */
export async function review(
  provider: LLMProvider,
  client: OptagonClient,
  input: { task: string; subtask: Subtask; agent: string; reply: string; changes: string },
): Promise<Verdict> {
  const user = [
    `Task: ${input.task}`,
    `Subtask "${input.subtask.title}" (agent ${input.agent}):\n${input.subtask.prompt}`,
    `The agent's last reply:\n${input.reply || '(nothing)'}`,
    `The agent's changes:\n${input.changes || '(none)'}`,
  ].join('\n\n');
  const specs = await client.specs(REVIEW_TOOLS);
  return askJson(
    provider,
    [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: user },
    ],
    verdictSchema,
    {},
    {
      specs,
      // The model names the tool: the server refuses a name it does not know, and the model hears why.
      run: async (call) => ({
        content: JSON.stringify(await client.call(call.name as keyof ManagerResults, call.input)),
      }),
    },
  );
}
