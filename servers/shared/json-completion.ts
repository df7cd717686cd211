import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import type { LlmEndpoint } from './global-config.js';
import { apiKeyFor, endpointName } from './model-endpoint.js';

/** One request to a model that should answer with a JSON object: system and user text in, text out. */
export type JsonCompletion = (system: string, user: string) => Promise<string>;

/**
 * A JSON completion on the provider's official SDK, asking for JSON output where the API has a
 * switch for it (OpenAI-compatible response_format, Ollama format). Transport errors name the
 * endpoint and the setting to check.
 */
export function jsonCompletion(endpoint: LlmEndpoint, setting: string): JsonCompletion {
  const call = providerCall(endpoint, setting);
  return async (system, user) => {
    try {
      return await call(system, user);
    } catch (err) {
      throw new Error(`${endpointName(endpoint)} failed: ${(err as Error).message} (check ${setting} in config.yaml)`);
    }
  };
}

function providerCall(endpoint: LlmEndpoint, setting: string): JsonCompletion {
  const { model } = endpoint;
  switch (endpoint.provider) {
    case 'anthropic': {
      const client = new Anthropic({ apiKey: apiKeyFor(endpoint, setting) ?? null, maxRetries: 2, ...(endpoint.base_url ? { baseURL: endpoint.base_url } : {}) });
      return async (system, user) => {
        const r = await client.messages.create({ model, max_tokens: 4096, system, messages: [{ role: 'user', content: user }] });
        return r.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      };
    }
    case 'ollama': {
      const client = new Ollama({ host: endpoint.base_url ?? 'http://127.0.0.1:11434' });
      return async (system, user) =>
        (await client.chat({ model, format: 'json', options: { temperature: 0 }, messages: [{ role: 'system', content: system }, { role: 'user', content: user }] })).message.content;
    }
    default: {
      const client = new OpenAI({ apiKey: apiKeyFor(endpoint, setting), maxRetries: 2, ...(endpoint.base_url ? { baseURL: endpoint.base_url } : {}) });
      return async (system, user) => {
        const r = await client.chat.completions.create({
          model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [{ role: 'system', content: system }, { role: 'user', content: user }],
        });
        return r.choices[0]?.message.content ?? '';
      };
    }
  }
}
