import type { z } from 'zod';
import type { ChatOptions, LLMProvider, Message, ToolCall, ToolSpec } from './llm-provider.js';

/** The JSON object in a reply, without the Markdown fence some models add. */
export const jsonPart = (text: string) => text.trim().replace(/^```(?:json)?\s*|\s*```$/g, '');

/** What is wrong with a reply, for the model to hear: not JSON, or the first schema issue; '' when fine. */
function problemWith<S extends z.ZodType>(text: string, schema: S): { problem: string; value?: z.output<S> } {
  let value: unknown;
  try {
    value = JSON.parse(jsonPart(text));
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { problem: '', value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { problem: `${issue.path.join('.') || 'the object'}: ${issue.message}` };
}

/** Tools the model may call before it answers: their descriptions, and how to run a call. */
export interface ToolUse {
  specs: ToolSpec[];
  run(call: ToolCall): Promise<{ content: string; isError?: boolean }>;
  /** Calls allowed in all; then the model is told to answer. Default 8. */
  maxCalls?: number;
}

/**
 * Asks for one JSON object that `schema` accepts: one call, and one more that tells the model what
 * was wrong with its first answer. With `tools`, the model may first call them (each result goes
 * back to it) up to their limit. Fails with the last problem, so the caller can say it.
 */
export async function askJson<S extends z.ZodType>(
  provider: LLMProvider,
  messages: Message[],
  schema: S,
  options: ChatOptions = {},
  tools?: ToolUse,
): Promise<z.output<S>> {
  const turns = [...messages];
  const maxCalls = tools?.maxCalls ?? 8;
  let calls = 0;
  let problem = '';
  for (let rejected = 0; rejected < 2;) {
    const canCall = tools && calls < maxCalls;
    const reply = await provider.chat(turns, { ...options, ...(canCall ? { tools: tools.specs } : { json: true }) });
    if (canCall && reply.toolCalls.length) {
      turns.push({ role: 'assistant', content: reply.text, toolCalls: reply.toolCalls });
      for (const call of reply.toolCalls) {
        calls++;
        const result = await tools.run(call).catch((err: Error) => ({ content: err.message, isError: true }));
        turns.push({ role: 'tool', toolCallId: call.id, name: call.name, ...result });
      }
      if (calls >= maxCalls)
        turns.push({
          role: 'user',
          content: 'That was the last tool call allowed. Answer now with the JSON object only.',
        });
      continue;
    }
    const checked = problemWith(reply.text, schema);
    if (!checked.problem) return checked.value!;
    problem = checked.problem;
    rejected++;
    turns.push(
      { role: 'assistant', content: reply.text },
      { role: 'user', content: `Your answer was rejected: ${problem}. Answer with the JSON object only.` },
    );
  }
  throw new Error(`${provider.name} ${provider.model} gave no valid JSON twice; last problem: ${problem}`);
}
