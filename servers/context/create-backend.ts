import type { GlobalConfig } from '../shared/global-config.js';
import type { ProviderFactory } from '../shared/model-endpoint.js';
import type { OptagonHome } from '../shared/optagon-home.js';
import type { ContextBackend } from './backend.js';
import { ContextStore } from './context-store.js';
import { createEmbedder } from './embedder.js';
import { EmbeddedBackend, type Extractor } from './embedded-backend.js';
import { GraphitiBackend } from './graphiti-backend.js';
import { extractHeuristic } from './heuristic-extractor.js';
import { extractWithLlm } from './llm-extractor.js';

/** Entities already in the group that an llm extraction is told about, so it reuses their names. */
const KNOWN_ENTITIES = 20;

/** The backend config.yaml's `context` section asks for; `createProvider` makes its extraction model. */
export function createContextBackend(
  home: OptagonHome,
  { context: config, llm }: Pick<GlobalConfig, 'context' | 'llm'>,
  createProvider: ProviderFactory,
): ContextBackend {
  if (config.provider === 'graphiti') return new GraphitiBackend(config.graphiti!);
  let extract: Extractor = (episode) => extractHeuristic(episode);
  if (config.extraction === 'llm') {
    const provider = createProvider(config.llm!, llm, 'context.llm');
    extract = (episode, reads) => {
      const known = reads.entities(
        reads.bm25Entities([episode.groupId], `${episode.name} ${episode.content.slice(0, 4000)}`, KNOWN_ENTITIES),
      );
      return extractWithLlm(
        provider,
        episode,
        known.map((e) => e.name),
      );
    };
  }
  return new EmbeddedBackend(
    new ContextStore(home.contextDatabase),
    extract,
    config.embeddings && createEmbedder(config.embeddings, llm),
  );
}
