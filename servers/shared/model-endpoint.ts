import type { EmbeddingEndpoint, LlmEndpoint } from './global-config.js';

const DEFAULT_KEY_ENV: Record<string, string | undefined> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', vllm: 'OPENAI_API_KEY' };

/**
 * The API key for an endpoint, from the environment variable config names (or the provider's
 * usual one). A local OpenAI-compatible server (vLLM, a base_url) may need none; the public APIs
 * do, and a missing one is an error naming the setting to fix.
 */
export function apiKeyFor(endpoint: LlmEndpoint | EmbeddingEndpoint, setting: string): string | undefined {
  if (endpoint.provider === 'ollama') return undefined;
  const name = endpoint.api_key_env ?? DEFAULT_KEY_ENV[endpoint.provider]!;
  const key = process.env[name];
  if (key) return key;
  if (endpoint.base_url || endpoint.provider === 'vllm') return 'none';
  throw new Error(`${setting}: no API key for ${endpoint.provider}; set ${name} in the daemon's environment, or name another variable with ${setting}.api_key_env`);
}

/** An endpoint's host, for error messages about an unreachable API. */
export const endpointName = (e: LlmEndpoint | EmbeddingEndpoint) => `${e.provider} ${e.model}${e.base_url ? ` at ${e.base_url}` : ''}`;
