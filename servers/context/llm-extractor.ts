import { z } from 'zod';
import { askJson } from '../shared/ask-json.js';
import type { LLMProvider } from '../shared/llm-provider.js';
import type { EpisodeInput, Extraction } from './heuristic-extractor.js';

const extractionSchema = z.object({
  entities: z
    .array(
      z.object({
        name: z.string().min(1).max(200),
        labels: z.array(z.string().min(1).max(50)).max(5).default([]),
        summary: z.string().max(500).optional(),
      }),
    )
    .max(100),
  facts: z
    .array(
      z.object({
        source: z.string().min(1).max(200),
        target: z.string().min(1).max(200),
        name: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'relation names are SCREAMING_SNAKE_CASE'),
        fact: z.string().min(1).max(500),
        replaces: z.boolean().optional(),
      }),
    )
    .max(100),
});

const SYSTEM = `You extract a knowledge graph from one episode of a software project's history.
Answer with one JSON object and nothing else:
{"entities": [{"name": string, "labels": [string], "summary": string}],
 "facts": [{"source": entity name, "target": entity name, "name": RELATION_IN_SCREAMING_SNAKE_CASE, "fact": one sentence, "replaces": boolean}]}
Entities are what development is about: files, components, services, libraries, packages, symbols, errors, people, tasks, decisions.
Labels are single words such as File, Component, Technology, Package, Symbol, Error, Person, Task, Decision.
A fact connects two entities you listed. Set "replaces": true when the fact gives a new value that ends an earlier one for the same source and relation (moved to, switched to, now uses).
Use the names of known entities when the episode means them.`;

/**
 * The llm extraction path: one combined call per episode for entities and facts (Graphiti makes a
 * call per fact), checked with zod, with one retry that tells the model what was wrong.
 */
export async function extractWithLlm(
  provider: LLMProvider,
  episode: EpisodeInput,
  knownEntities: string[],
): Promise<Extraction> {
  const user = [
    `Episode "${episode.name}" (${episode.source}${episode.sourceDescription ? `, ${episode.sourceDescription}` : ''}):`,
    episode.content,
    knownEntities.length ? `\nKnown entities: ${knownEntities.join('; ')}` : '',
  ].join('\n');
  try {
    return toExtraction(
      await askJson(
        provider,
        [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: user },
        ],
        extractionSchema,
        { temperature: 0 },
      ),
    );
  } catch (err) {
    throw new Error(`extraction failed: ${(err as Error).message} (context.llm in config.yaml)`);
  }
}

function toExtraction(value: z.output<typeof extractionSchema>): Extraction {
  return {
    entities: value.entities.map((e) => ({
      name: e.name,
      labels: e.labels,
      ...(e.summary ? { summary: e.summary } : {}),
    })),
    // A fact may name an end the model forgot to list; it becomes an entity without labels.
    facts: value.facts.map((f) => ({
      source: f.source,
      target: f.target,
      name: f.name,
      fact: f.fact,
      ...(f.replaces ? { replaces: true } : {}),
    })),
  };
}
