import type { Entity, Episode, Fact } from './model.js';

/** SQLite rows of the context database and their mapping to the model. */
export interface EpisodeRow {
  uuid: string;
  group_id: string;
  name: string;
  content: string;
  source: Episode['source'];
  source_description: string;
  valid_at: number;
  created_at: number;
  status: Episode['status'];
  error: string | null;
}

export const toEpisode = (r: EpisodeRow): Episode => ({
  uuid: r.uuid,
  groupId: r.group_id,
  name: r.name,
  content: r.content,
  source: r.source,
  sourceDescription: r.source_description,
  validAt: r.valid_at,
  createdAt: r.created_at,
  status: r.status,
  error: r.error,
});

export interface EntityRow {
  uuid: string;
  group_id: string;
  name: string;
  summary: string;
  labels: string;
  attributes: string;
  created_at: number;
}

export const toEntity = (r: EntityRow): Entity => ({
  uuid: r.uuid,
  groupId: r.group_id,
  name: r.name,
  summary: r.summary,
  labels: JSON.parse(r.labels) as string[],
  attributes: JSON.parse(r.attributes) as Record<string, unknown>,
  createdAt: r.created_at,
});

export interface FactRow {
  uuid: string;
  group_id: string;
  name: string;
  fact: string;
  source_uuid: string;
  target_uuid: string;
  source_name: string;
  target_name: string;
  episodes: string;
  created_at: number;
  valid_at: number | null;
  invalid_at: number | null;
  expired_at: number | null;
}

/** Facts with their ends' names. */
export const FACT_SELECT = `SELECT f.uuid, f.group_id, f.name, f.fact, f.source_uuid, f.target_uuid, s.name AS source_name, t.name AS target_name,
  f.episodes, f.created_at, f.valid_at, f.invalid_at, f.expired_at
  FROM facts f JOIN entities s ON s.uuid = f.source_uuid JOIN entities t ON t.uuid = f.target_uuid`;

export const toFact = (r: FactRow): Fact => ({
  uuid: r.uuid,
  groupId: r.group_id,
  name: r.name,
  fact: r.fact,
  source: r.source_name,
  target: r.target_name,
  sourceUuid: r.source_uuid,
  targetUuid: r.target_uuid,
  episodes: JSON.parse(r.episodes) as string[],
  createdAt: r.created_at,
  validAt: r.valid_at,
  invalidAt: r.invalid_at,
  expiredAt: r.expired_at,
});
