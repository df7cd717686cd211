import type { z } from 'zod';
import type { ChatOptions, LLMProvider, Message } from './provider.js';

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

/**
 * Asks for one JSON object that `schema` accepts: one call, and one more that tells the model what
 * was wrong with its first answer. Fails with the last problem, so the caller can say it.
 */
export async function askJson<S extends z.ZodType>(provider: LLMProvider, messages: Message[], schema: S, options: ChatOptions = {}): Promise<z.output<S>> {
  const turns = [...messages];
  let problem = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await provider.chat(turns, { ...options, json: true });
    const checked = problemWith(reply.text, schema);
    if (!checked.problem) return checked.value!;
    problem = checked.problem;
    turns.push({ role: 'assistant', content: reply.text }, { role: 'user', content: `Your answer was rejected: ${problem}. Answer with the JSON object only.` });
  }
  throw new Error(`${provider.name} ${provider.model} gave no valid JSON twice; last problem: ${problem}`);
}
