import { apiKeyFor, baseUrlFor, endpointName, type ProviderFactory } from '../../servers/shared/model-endpoint.js';
import { AnthropicProvider } from './anthropic-provider.js';
import { GuardedProvider } from './guarded-provider.js';
import { OllamaProvider } from './ollama-provider.js';
import { OpenAIProvider } from './openai-provider.js';
import type { LLMProvider } from '../../servers/shared/llm-provider.js';
import { DEFAULT_RETRY } from './retry.js';

/** The provider an endpoint names, on its official SDK, behind the shared retry and error rules. */
export const createProvider: ProviderFactory = (endpoint, settings, setting, onRetry) => {
  const baseURL = baseUrlFor(endpoint, settings);
  const common = {
    ...(baseURL ? { baseURL } : {}),
    ...(endpoint.temperature !== undefined ? { temperature: endpoint.temperature } : {}),
  };
  let inner: LLMProvider;
  switch (endpoint.provider) {
    case 'anthropic':
      inner = new AnthropicProvider(endpoint.model, { ...common, apiKey: apiKeyFor(endpoint, setting, settings)! });
      break;
    case 'ollama':
      inner = new OllamaProvider(endpoint.model, common);
      break;
    case 'vllm':
      if (!baseURL)
        throw new Error(
          `${setting}: vllm needs the server's address; set llm.vllm.base_url in config.yaml (e.g. http://gpu-box:8000/v1)`,
        );
      inner = new OpenAIProvider('vllm', endpoint.model, {
        ...common,
        apiKey: apiKeyFor(endpoint, setting, settings)!,
      });
      break;
    default:
      inner = new OpenAIProvider('openai', endpoint.model, {
        ...common,
        apiKey: apiKeyFor(endpoint, setting, settings)!,
      });
  }
  return new GuardedProvider(inner, {
    endpoint: endpointName(endpoint, settings),
    setting,
    policy: { ...DEFAULT_RETRY, retries: settings.retries },
    onRetry,
  });
};
