import { z } from 'zod';
import type { Entity, Episode, Fact } from './model.js';

// The context tools' answers: episodes, facts and entities as the tools show them (times as ISO strings).

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const isoTime = z.iso.datetime().nullable();

export const episodeOutput = z.object({
  uuid: z.string(),
  groupId: z.string(),
  name: z.string(),
  source: z.enum(['message', 'text', 'json']),
  sourceDescription: z.string(),
  content: z.string(),
  validAt: isoTime,
  createdAt: isoTime,
  status: z.enum(['queued', 'processing', 'processed', 'failed']),
  error: z.string().nullable().describe('Why processing failed'),
});
export const toEpisode = (e: Episode): z.infer<typeof episodeOutput> => ({
  uuid: e.uuid,
  groupId: e.groupId,
  name: e.name,
  source: e.source,
  sourceDescription: e.sourceDescription,
  content: e.content,
  validAt: iso(e.validAt),
  createdAt: iso(e.createdAt),
  status: e.status,
  error: e.error,
});

export const factOutput = z.object({
  uuid: z.string(),
  groupId: z.string(),
  name: z.string().describe('Relation, SCREAMING_SNAKE_CASE'),
  fact: z.string(),
  source: z.string().describe('Source entity'),
  target: z.string().describe('Target entity'),
  sourceUuid: z.string(),
  targetUuid: z.string(),
  episodes: z.array(z.string()).describe('Episodes the fact came from'),
  createdAt: isoTime,
  validAt: isoTime.describe('Since when it is true'),
  invalidAt: isoTime.describe('Since when it is no longer true'),
  expiredAt: isoTime.describe('When Optagon learned it is no longer true'),
});
export const toFact = (f: Fact): z.infer<typeof factOutput> => ({
  ...f,
  createdAt: iso(f.createdAt),
  validAt: iso(f.validAt),
  invalidAt: iso(f.invalidAt),
  expiredAt: iso(f.expiredAt),
});

export const entityOutput = z.object({
  uuid: z.string(),
  groupId: z.string(),
  name: z.string(),
  summary: z.string(),
  labels: z.array(z.string()),
  attributes: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
});
export const toEntity = (e: Entity): z.infer<typeof entityOutput> => ({ ...e, createdAt: iso(e.createdAt) });

export const removedOutput = {
  groupId: z.string(),
  episodes: z.number().optional(),
  facts: z.number().optional(),
  entities: z.number().optional(),
  restored: z.number().optional().describe('Facts the episode had invalidated, current again'),
};
