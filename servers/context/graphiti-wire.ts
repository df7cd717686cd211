import type { Entity, Episode, Fact } from './model.js';

// What a Graphiti MCP server's tools answer, and how it maps onto our model.

/** Dedup keys travel in source_description, which every Graphiti version stores and returns. */
export const DEDUP_MARK = / \[dedup:([^\]]+)\]$/;

export interface GraphitiFact {
  uuid: string;
  group_id?: string;
  source_node_uuid: string;
  target_node_uuid: string;
  created_at?: string | null;
  name: string;
  fact: string;
  episodes?: string[];
  expired_at?: string | null;
  valid_at?: string | null;
  invalid_at?: string | null;
}

export interface GraphitiNode {
  uuid: string;
  name: string;
  labels?: string[];
  created_at?: string | null;
  summary?: string | null;
  group_id?: string;
  attributes?: Record<string, unknown>;
}

export interface GraphitiEpisode {
  uuid: string;
  name: string;
  content: string;
  created_at?: string | null;
  valid_at?: string | null;
  source?: string;
  source_description?: string;
  group_id?: string;
}

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

export const toFact = (f: GraphitiFact): Fact => ({
  uuid: f.uuid,
  groupId: f.group_id ?? '',
  name: f.name,
  fact: f.fact,
  // Graphiti's facts carry node uuids, not names.
  source: f.source_node_uuid,
  target: f.target_node_uuid,
  sourceUuid: f.source_node_uuid,
  targetUuid: f.target_node_uuid,
  episodes: f.episodes ?? [],
  createdAt: ms(f.created_at) ?? 0,
  validAt: ms(f.valid_at),
  invalidAt: ms(f.invalid_at),
  expiredAt: ms(f.expired_at),
});

export const toEntity = (n: GraphitiNode): Entity => ({
  uuid: n.uuid,
  groupId: n.group_id ?? '',
  name: n.name,
  summary: n.summary ?? '',
  labels: (n.labels ?? []).filter((l) => l !== 'Entity'),
  attributes: n.attributes ?? {},
  createdAt: ms(n.created_at) ?? 0,
});

/** An episode as Graphiti returned it, with our dedup key and whether Graphiti knew its time. */
export interface Stored {
  episode: Episode;
  dedupKey?: string | undefined;
  dated: boolean;
}

export function toStored(e: GraphitiEpisode, group: string): Stored {
  const description = e.source_description ?? '';
  const key = DEDUP_MARK.exec(description)?.[1];
  return {
    episode: {
      uuid: e.uuid,
      groupId: e.group_id ?? group,
      name: e.name,
      content: e.content,
      source: e.source === 'json' || e.source === 'message' ? e.source : 'text',
      sourceDescription: description.replace(DEDUP_MARK, ''),
      // Servers since 1.0 leave valid_at out of get_episodes.
      validAt: ms(e.valid_at) ?? ms(e.created_at) ?? 0,
      createdAt: ms(e.created_at) ?? 0,
      // Graphiti shows an episode only once it has processed it.
      status: 'processed',
      error: null,
    },
    dedupKey: key,
    dated: Boolean(e.valid_at),
  };
}
