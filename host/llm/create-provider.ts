import type { LlmEndpoint, LlmSettings } from '../../servers/shared/global-config.js';
import { apiKeyFor, baseUrlFor, endpointName } from '../../servers/shared/model-endpoint.js';
import { AnthropicProvider } from './anthropic-provider.js';
import { GuardedProvider } from './guarded-provider.js';
import { OllamaProvider } from './ollama-provider.js';
import { OpenAIProvider } from './openai-provider.js';
import type { LLMProvider } from './provider.js';
import { DEFAULT_RETRY } from './retry.js';

/**
 * The provider an endpoint names, on its official SDK, behind the shared retry and error rules.
 * `setting` is where the endpoint was chosen (e.g. "manager.routing[1]" of a frame's config), so
 * a missing key or an unreachable API is an error that says what to fix.
 */
export function createProvider(
  endpoint: LlmEndpoint & { temperature?: number },
  settings: LlmSettings,
  setting: string,
  onRetry?: (message: string) => void,
): LLMProvider {
  const baseURL = baseUrlFor(endpoint, settings);
  const common = { ...(baseURL ? { baseURL } : {}), ...(endpoint.temperature !== undefined ? { temperature: endpoint.temperature } : {}) };
  let inner: LLMProvider;
  switch (endpoint.provider) {
    case 'anthropic':
      inner = new AnthropicProvider(endpoint.model, { ...common, apiKey: apiKeyFor(endpoint, setting, settings)! });
      break;
    case 'ollama':
      inner = new OllamaProvider(endpoint.model, common);
      break;
    case 'vllm':
      if (!baseURL) throw new Error(`${setting}: vllm needs the server's address; set llm.vllm.base_url in config.yaml (e.g. http://gpu-box:8000/v1)`);
      inner = new OpenAIProvider('vllm', endpoint.model, { ...common, apiKey: apiKeyFor(endpoint, setting, settings)! });
      break;
    default:
      inner = new OpenAIProvider('openai', endpoint.model, { ...common, apiKey: apiKeyFor(endpoint, setting, settings)! });
  }
  return new GuardedProvider(inner, { endpoint: endpointName(endpoint, settings), setting, policy: { ...DEFAULT_RETRY, retries: settings.retries }, onRetry });
}
