import { Ollama } from 'ollama';
import OpenAI from 'openai';
import type { EmbeddingEndpoint } from '../shared/global-config.js';
import { apiKeyFor, endpointName } from '../shared/model-endpoint.js';

/** Turns texts into vectors; `model` is stored with each vector so a changed model never mixes. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Texts per request: both APIs take batches, and one episode rarely yields more. */
const BATCH = 128;

/** An embedder for config's `context.embeddings`, on the provider's official SDK. */
export function createEmbedder(endpoint: EmbeddingEndpoint): Embedder {
  const model = `${endpoint.provider}:${endpoint.model}${endpoint.dimensions ? `@${endpoint.dimensions}` : ''}`;
  const call = endpointCall(endpoint);
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
          throw new Error(`embedding with ${endpointName(endpoint)} failed: ${(err as Error).message} (check context.embeddings in config.yaml)`);
        }
        if (vectors.length !== batch.length) throw new Error(`embedding with ${endpointName(endpoint)} returned ${vectors.length} vectors for ${batch.length} texts`);
        out.push(...vectors.map((v) => Float32Array.from(v)));
      }
      return out;
    },
  };
}

function endpointCall(endpoint: EmbeddingEndpoint): (texts: string[]) => Promise<number[][]> {
  if (endpoint.provider === 'ollama') {
    const client = new Ollama({ host: endpoint.base_url ?? 'http://127.0.0.1:11434' });
    return async (input) => (await client.embed({ model: endpoint.model, input })).embeddings;
  }
  const client = new OpenAI({ apiKey: apiKeyFor(endpoint, 'context.embeddings'), maxRetries: 2, ...(endpoint.base_url ? { baseURL: endpoint.base_url } : {}) });
  return async (input) => {
    const r = await client.embeddings.create({ model: endpoint.model, input, encoding_format: 'float', ...(endpoint.dimensions ? { dimensions: endpoint.dimensions } : {}) });
    return [...r.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  };
}
