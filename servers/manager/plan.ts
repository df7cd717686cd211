import { z } from 'zod';
import { askJson } from '../shared/ask-json.js';
import type { LLMProvider } from '../shared/llm-provider.js';

export const subtaskSchema = z.object({
  title: z.string().min(1).max(200),
  /** What the agent is told to do: complete on its own, since each agent starts fresh. */
  prompt: z.string().min(1).max(20_000),
  /** Workspace paths (files or directories) the subtask changes; subtasks sharing one never run at once. */
  files: z.array(z.string().min(1).max(500)).max(100).default([]),
});
export type Subtask = z.output<typeof subtaskSchema>;

const planSchema = z.object({ subtasks: z.array(subtaskSchema).min(1).max(8) });

const SYSTEM = `You are the manager of coding agents (Claude Code) working in one project, mounted at /workspace.
Split the task into subtasks that agents can do independently, each with a complete prompt (the agent knows nothing else)
and the workspace paths it will change (relative to /workspace). Prefer few subtasks; one is fine for a small task.
Answer with one JSON object and nothing else:
{"subtasks": [{"title": string, "prompt": string, "files": [string]}]}`;

/** The decomposition step: subtasks as JSON, checked with zod, with one retry on a bad answer. */
export async function plan(
  provider: LLMProvider,
  task: string,
  context: string,
  tracked: string[],
): Promise<Subtask[]> {
  const user = [
    `Task: ${task}`,
    context ? `\nWhat is known about this project:\n${context}` : '',
    tracked.length ? `\nFiles in the workspace (first ${tracked.length}):\n${tracked.join('\n')}` : '',
  ].join('\n');
  return (
    await askJson(
      provider,
      [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: user },
      ],
      planSchema,
    )
  ).subtasks;
}

/** Two subtasks collide when one's path is the other's or lies inside it. */
export function overlaps(a: Subtask, b: Subtask): boolean {
  const norm = (p: string) => p.replace(/^(\.\/|\/workspace\/)/, '').replace(/\/+$/, '');
  return a.files.some((x) =>
    b.files.some((y) => {
      const [p, q] = [norm(x), norm(y)];
      return p === q || p.startsWith(`${q}/`) || q.startsWith(`${p}/`);
    }),
  );
}
