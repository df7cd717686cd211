import { z } from 'zod';
import type { AgentStatus } from './agent-status.js';
import { agentStates } from './kinds/agent-kind.js';

export const agentRef = z
  .string()
  .regex(
    /^([a-z0-9][a-z0-9-]{0,62}\/)?[a-z0-9][a-z0-9_-]{0,31}$/,
    'an agent is <frame>/<name> or its name, as agent_list shows',
  )
  .describe('Agent: <frame>/<name>, or the name alone when only one frame has it');

export const agentName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,31}$/,
    'an agent name has a-z, 0-9, _ and -, up to 32 characters, and starts with a letter or digit',
  )
  .describe('Agent name, unique in its frame; also its tmux window name');

export const agentKindName = z
  .enum(['claude', 'opencode'])
  .describe('Which agent CLI: claude (Claude Code) or opencode');

export const statusOutput = z.object({
  agent: z.string().describe('<frame>/<name>'),
  frame: z.string(),
  name: z.string(),
  kind: agentKindName,
  state: z.enum(agentStates),
  source: z.enum(['hook', 'screen']).describe("Where the state came from: the agent's hooks or its screen"),
  window: z.string().nullable().describe('tmux window id'),
  since: z.number().nullable().describe('When the hook reported the state (ms since epoch)'),
  lastLines: z.string().describe('The last lines of its screen'),
  createdAt: z.number(),
  worktree: z
    .object({
      path: z.string().describe('Its work tree in the frame'),
      branch: z.string(),
      base: z.string().describe('The commit its work tree started from'),
      into: z.string().optional().describe('The branch it came from and merges back into'),
    })
    .nullable()
    .describe('Its own git work tree and branch; null when it works in /workspace itself'),
});

export const toStatusOutput = (s: AgentStatus): z.infer<typeof statusOutput> => ({ ...s });
