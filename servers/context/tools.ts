import { z } from 'zod';
import { frameRef } from '../frames/schemas.js';
import { toolsFor, type AnyTool } from '../shared/define-tool.js';
import type { ContextService, GroupScope } from './context-service.js';
import type { Episode, Fact } from './context-store.js';

type S = ContextService;
const defineTool = toolsFor<S>();

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const groupId = z.string().regex(/^(frame_[0-9a-f]{12}|shared_global)$/, 'a group id is frame_<12 hex> (frame_get shows it) or shared_global');
const scope = {
  frame: frameRef.optional().describe("The frame whose knowledge this is (its group, plus shared_global when reading)"),
  group_ids: z.array(groupId).min(1).max(50).optional().describe('Groups to use instead of a frame'),
};
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const isoTime = z.iso.datetime().nullable();

const episodeOutput = z.object({
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
const toEpisode = (e: Episode): z.infer<typeof episodeOutput> => ({
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

const factOutput = z.object({
  uuid: z.string(),
  groupId: z.string(),
  name: z.string().describe('Relation, SCREAMING_SNAKE_CASE'),
  fact: z.string(),
  source: z.string().describe('Source entity'),
  target: z.string().describe('Target entity'),
  episodes: z.array(z.string()).describe('Episodes the fact came from'),
  createdAt: isoTime,
  validAt: isoTime.describe('Since when it is true'),
  invalidAt: isoTime.describe('Since when it is no longer true'),
  expiredAt: isoTime.describe('When Optagon learned it is no longer true'),
});
const toFact = (f: Fact): z.infer<typeof factOutput> => ({
  ...f,
  createdAt: iso(f.createdAt),
  validAt: iso(f.validAt),
  invalidAt: iso(f.invalidAt),
  expiredAt: iso(f.expiredAt),
});

const toScope = (a: { frame?: string | undefined; group_ids?: string[] | undefined }): GroupScope => ({
  ...(a.frame ? { frame: a.frame } : {}),
  ...(a.group_ids ? { groupIds: a.group_ids } : {}),
});

export const contextTools: AnyTool<S>[] = [
  defineTool({
    name: 'context_add_episode',
    title: 'Remember an episode',
    description:
      "Adds an episode (something that happened: a message, a note, or JSON such as {type:'commit'|'decision'|'task', ...}) to a frame's knowledge graph. " +
      'Episodes of a group are processed one after another; the result (processed, or failed with the reason) shows in context_get_episodes and context_status. ' +
      '`wait: true` returns once it is processed.',
    input: {
      ...scope,
      name: z.string().min(1).max(200),
      content: z.string().min(1).max(200_000),
      source: z.enum(['message', 'text', 'json']).default('text'),
      source_description: z.string().max(200).default(''),
      valid_at: z.iso.datetime().optional().describe('When it happened (default: now); facts from it are valid from then'),
      dedup_key: z.string().max(200).optional().describe('The same key in the same group is added only once'),
      wait: z.boolean().default(false),
    },
    output: { episode: episodeOutput, duplicate: z.boolean() },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async handle(c, a) {
      const { episode, duplicate } = await c.addEpisode(
        toScope(a),
        {
          name: a.name,
          content: a.content,
          source: a.source,
          sourceDescription: a.source_description,
          ...(a.valid_at ? { validAt: Date.parse(a.valid_at) } : {}),
          ...(a.dedup_key ? { dedupKey: a.dedup_key } : {}),
        },
        a.wait,
      );
      return { episode: toEpisode(episode), duplicate };
    },
  }),
  defineTool({
    name: 'context_ingest_git',
    title: "Remember a frame's git history",
    description:
      "Adds the commits of the frame's workspace (message, author, files changed) to its knowledge graph, oldest first. " +
      'Idempotent: a commit already ingested is skipped. Reads the repository only.',
    input: {
      frame: frameRef,
      since: z.string().max(100).optional().describe('Only commits after this (git --since: a date or "2 weeks ago")'),
      max: z.number().int().min(1).max(100_000).optional().describe('At most this many commits'),
    },
    output: { commits: z.number(), added: z.number(), skipped: z.number(), failed: z.number() },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async handle(c, a, ctx) {
      return c.ingestGit(a.frame, { ...(a.since ? { since: a.since } : {}), ...(a.max ? { max: a.max } : {}) }, (done, total) =>
        ctx.progress(`${done}/${total} commits processed`, done, total),
      );
    },
  }),
  defineTool({
    name: 'context_search',
    title: 'Search what is known',
    description:
      "Facts from a frame's knowledge graph (its group and shared_global; other frames' when its config allows cross_frame_search) ranked for the query. " +
      'By default only facts still true; current_only: false includes the ones that stopped being true; as_of gives what was true at that time.',
    input: {
      ...scope,
      query: z.string().min(1).max(1000),
      limit: z.number().int().min(1).max(100).default(10),
      current_only: z.boolean().default(true),
      as_of: z.iso.datetime().optional(),
    },
    output: { groupIds: z.array(z.string()), facts: z.array(factOutput) },
    annotations: readOnly,
    async handle(c, a) {
      const r = c.search(toScope(a), { query: a.query, limit: a.limit, currentOnly: a.current_only, ...(a.as_of ? { asOf: Date.parse(a.as_of) } : {}) });
      return { groupIds: r.groupIds, facts: r.facts.map(toFact) };
    },
  }),
  defineTool({
    name: 'context_get_episodes',
    title: 'Recent episodes',
    description: 'The episodes of a frame (or groups), newest first, with how their processing went.',
    input: { ...scope, limit: z.number().int().min(1).max(500).default(20) },
    output: { episodes: z.array(episodeOutput) },
    annotations: readOnly,
    async handle(c, a) {
      return { episodes: c.store.episodes(c.readGroups(toScope(a), false), a.limit).map(toEpisode) };
    },
  }),
  defineTool({
    name: 'context_status',
    title: 'Knowledge graph status',
    description: "How many episodes are queued, processing, processed and failed, and how many entities and facts a frame's groups hold.",
    input: scope,
    output: {
      groupIds: z.array(z.string()),
      episodes: z.object({ queued: z.number(), processing: z.number(), processed: z.number(), failed: z.number() }),
      entities: z.number(),
      facts: z.number(),
      currentFacts: z.number(),
      backend: z.literal('embedded'),
    },
    annotations: readOnly,
    async handle(c, a) {
      const groupIds = c.readGroups(toScope(a), false);
      return { groupIds, ...c.store.status(groupIds), backend: 'embedded' as const };
    },
  }),
];
