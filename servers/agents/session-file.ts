import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { agentStates } from './kinds/agent-kind.js';

/** One agent as recorded in its frame's session.json. */
export const agentRecord = z.object({
  name: z.string(),
  kind: z.enum(['claude', 'opencode']),
  /** tmux window id (@N): stays the same when someone renames the window. */
  windowId: z.string(),
  permissionMode: z.string(),
  createdAt: z.number(),
  task: z.string().optional(),
  stoppedAt: z.number().optional(),
  /** The state last seen, and when it began: what a restarted daemon knows before it looks. */
  lastState: z.enum(agentStates).optional(),
  lastStateAt: z.number().optional(),
  /** Its own git work tree (workspace: worktree): where it works, on which branch, from which commit. */
  worktree: z
    .object({
      path: z.string(),
      branch: z.string(),
      base: z.string(),
      /** The branch it came from and merges back into: its diff starts where it forked from it. */
      into: z.string().optional(),
    })
    .optional(),
});
export type AgentRecord = z.infer<typeof agentRecord>;

const sessionSchema = z.object({ version: z.literal(1), agents: z.array(agentRecord) });

/**
 * A frame's `$OPTAGON_HOME/frames/<id>/session.json`: the agents spawned in it.
 * The agents themselves live in the frame's tmux, so they outlive the daemon; this file is how a
 * restarted daemon (or the CLI in-process) finds them again.
 */
export class SessionFile {
  constructor(readonly file: string) {}

  read(): AgentRecord[] {
    if (!existsSync(this.file)) return [];
    const parsed = sessionSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
    if (!parsed.success)
      throw new Error(
        `${this.file} is not a session file Optagon wrote (${parsed.error.issues[0]?.message}); move it away to start afresh`,
      );
    return parsed.data.agents;
  }

  /** Read-modify-write of the agent list; the write is atomic (rename). */
  update(change: (agents: AgentRecord[]) => AgentRecord[]): AgentRecord[] {
    const agents = change(this.read());
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, agents }, null, 2) + '\n');
    renameSync(tmp, this.file);
    return agents;
  }
}
