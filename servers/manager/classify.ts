import { z } from 'zod';
import { askJson } from '../shared/ask-json.js';
import type { LLMProvider } from '../shared/llm-provider.js';
import { TASK_TYPES, type TaskType } from '../shared/routing-condition.js';

const classification = z.object({ type: z.enum(TASK_TYPES), complexity: z.number().min(0).max(1) });

const SYSTEM = `You classify a software task before it is planned. Answer with one JSON object and nothing else:
{"type": one of ${TASK_TYPES.map((t) => `"${t}"`).join(', ')}, "complexity": a number from 0 (a one-line change) to 1 (a large, risky change across many files)}`;

/**
 * The cheap step routing rules read (task.type, task.complexity): one short call to the manager's
 * own model. When it fails the task is not lost: it is routed as "other" of middling complexity,
 * and `note` says why.
 */
export async function classify(
  provider: LLMProvider,
  task: string,
): Promise<{ type: TaskType; complexity: number; note?: string }> {
  try {
    return await askJson(
      provider,
      [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: task },
      ],
      classification,
      { maxTokens: 100, temperature: 0 },
    );
  } catch (err) {
    return {
      type: 'other',
      complexity: 0.5,
      note: `classification failed (${(err as Error).message}); routing the task as other, complexity 0.5`,
    };
  }
}
