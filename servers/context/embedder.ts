import type { EmbeddingEndpoint, LlmSettings } from '../shared/global-config.js';
import { apiKeyFor, baseUrlFor, endpointName } from '../shared/model-endpoint.js';

/** Turns texts into vectors; `model` is stored with each vector so a changed model never mixes. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Texts per request: both APIs take batches, and one episode rarely yields more. */
const BATCH = 128;

/**
 * An embedder for config's `context.embeddings`, on the provider's official SDK; where the API is
 * and its key come from the endpoint, else from `llm.<provider>` as for the chat providers.
 */
export function createEmbedder(endpoint: EmbeddingEndpoint, settings?: LlmSettings): Embedder {
  const model = `${endpoint.provider}:${endpoint.model}${endpoint.dimensions ? `@${endpoint.dimensions}` : ''}`;
  const call = endpointCall(endpoint, settings);
  return {
    model,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const batch = texts.slice(i, i + BATCH);
        let vectors: number[][];
        try {
          vectors = await call(batch);
        } catch (err) {
          throw new Error(
            `embedding with ${endpointName(endpoint, settings)} failed: ${(err as Error).message} (check context.embeddings in config.yaml)`,
          );
        }
        if (vectors.length !== batch.length)
          throw new Error(
            `embedding with ${endpointName(endpoint, settings)} returned ${vectors.length} vectors for ${batch.length} texts`,
          );
        out.push(...vectors.map((v) => Float32Array.from(v)));
      }
      return out;
    },
  };
}

/** The SDK loads on the first call: a daemon without embeddings configured never loads it. */
function endpointCall(endpoint: EmbeddingEndpoint, settings?: LlmSettings): (texts: string[]) => Promise<number[][]> {
  const baseURL = baseUrlFor(endpoint, settings);
  if (endpoint.provider === 'ollama') {
    const client = import('ollama').then(({ Ollama }) => new Ollama({ host: baseURL ?? 'http://127.0.0.1:11434' }));
    return async (input) => (await (await client).embed({ model: endpoint.model, input })).embeddings;
  }
  const apiKey = apiKeyFor(endpoint, 'context.embeddings', settings);
  const client = import('openai').then(
    ({ default: OpenAI }) => new OpenAI({ apiKey, maxRetries: 2, ...(baseURL ? { baseURL } : {}) }),
  );
  return async (input) => {
    const r = await (
      await client
    ).embeddings.create({
      model: endpoint.model,
      input,
      encoding_format: 'float',
      ...(endpoint.dimensions ? { dimensions: endpoint.dimensions } : {}),
    });
    return [...r.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  };
}
