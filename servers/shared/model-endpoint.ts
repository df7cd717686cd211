import type { EmbeddingEndpoint, LlmEndpoint, LlmSettings } from './global-config.js';
import type { LLMProvider } from './llm-provider.js';

/**
 * Makes the provider an endpoint names. The capabilities declare it; the daemon hands in host/llm's,
 * on the official SDKs. `setting` is where the endpoint was chosen (e.g. "manager.routing[1]"), so
 * a missing key or an unreachable API is an error that says what to fix.
 */
export type ProviderFactory = (
  endpoint: LlmEndpoint & { temperature?: number },
  settings: LlmSettings,
  setting: string,
  onRetry?: (message: string) => void,
) => LLMProvider;

const DEFAULT_KEY_ENV: Record<string, string | undefined> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  vllm: 'OPENAI_API_KEY',
};

/**
 * The API key for an endpoint: the environment variable the endpoint or config.yaml's
 * `llm.<provider>` names (else the provider's usual one), then `llm.<provider>.api_key`. A local
 * OpenAI-compatible server (vLLM, a base_url) may need none; the public APIs do, and a missing one
 * is an error naming where to put it.
 */
export function apiKeyFor(
  endpoint: LlmEndpoint | EmbeddingEndpoint,
  setting: string,
  settings?: LlmSettings,
): string | undefined {
  if (endpoint.provider === 'ollama') return undefined;
  const configured = settings?.[endpoint.provider];
  const name = endpoint.api_key_env ?? configured?.api_key_env ?? DEFAULT_KEY_ENV[endpoint.provider]!;
  const key = process.env[name] ?? configured?.api_key;
  if (key) return key;
  if (baseUrlFor(endpoint, settings) || endpoint.provider === 'vllm') return 'none';
  throw new Error(
    `${setting}: no API key for ${endpoint.provider}; set ${name} in the daemon's environment, or llm.${endpoint.provider}.api_key in config.yaml`,
  );
}

/** The endpoint's base URL, else its provider's from config.yaml; undefined means the SDK's default. */
export const baseUrlFor = (endpoint: LlmEndpoint | EmbeddingEndpoint, settings?: LlmSettings) =>
  endpoint.base_url ?? settings?.[endpoint.provider]?.base_url;

/** An endpoint's host, for error messages about an unreachable API. */
export const endpointName = (e: LlmEndpoint | EmbeddingEndpoint, settings?: LlmSettings) => {
  const url = baseUrlFor(e, settings);
  return `${e.provider} ${e.model}${url ? ` at ${url}` : ''}`;
};
