import { z } from 'zod';
import { frameRef } from '../frames/schemas.js';
import { onFrame, toolsFor, type ActsOn, type AnyTool, type FrameDirectory } from '../shared/define-tool.js';
import { ACTS, ENDS, READS, REMOVES, SETS } from '../shared/tool-annotations.js';
import { SHARED_GROUP, type ContextService, type GroupScope } from './context-service.js';
import { episodeOutput, toEpisode, factOutput, toFact, entityOutput, toEntity, removedOutput } from './schemas.js';

type S = ContextService;
const defineTool = toolsFor<S>();

const groupId = z
  .string()
  .regex(/^(frame_[0-9a-f]{12}|shared_global)$/, 'a group id is frame_<12 hex> (frame_get shows it) or shared_global');
const scope = {
  frame: frameRef.optional().describe('The frame whose knowledge this is (its group, plus shared_global when reading)'),
  group_ids: z.array(groupId).min(1).max(50).optional().describe('Groups to use instead of a frame'),
};
const toScope = (a: { frame?: string | undefined; group_ids?: string[] | undefined }): GroupScope => ({
  ...(a.frame ? { frame: a.frame } : {}),
  ...(a.group_ids ? { groupIds: a.group_ids } : {}),
});

/**
 * What a context call acts on, for permissions: the frame it names (whose group it reads or writes),
 * else the frames whose groups it names. shared_global is every frame's: only a session for every
 * frame names it directly (a frame's session reads it through its frame). `crossFrame`: why the call
 * reads every frame's knowledge, when it does.
 */
function onGroups(
  a: { frame?: string | undefined; group_ids?: string[] | undefined },
  frames: FrameDirectory,
  crossFrame?: string,
): ActsOn {
  if (a.frame) return onFrame(a.frame, crossFrame);
  const groups = a.group_ids ?? [];
  const what = `group${groups.length > 1 ? 's' : ''} ${groups.map((g) => `'${g}'`).join(', ')}`;
  if (groups.includes(SHARED_GROUP))
    return {
      on: 'every',
      why: `names ${SHARED_GROUP}, which is every frame's group: a frame's session reads it through "frame"`,
    };
  const all = frames.list();
  const ids = groups.map((g) => all.find((f) => f.groupId === g)?.id);
  if (!groups.length || ids.some((id) => !id)) return { on: 'frames', what, unresolved: true };
  return { on: 'frames', ids: ids as string[], what };
}

/** Why a search of this frame reads every frame's knowledge (the call asks, or the frame's config turns cross_frame_search on), or undefined. */
function crossFrameOf(frames: FrameDirectory, frame: string | undefined, asked?: boolean): string | undefined {
  if (asked === true) return "cross_frame: true reads every frame's knowledge";
  if (asked === false || frame === undefined || frames.config(frame)?.context?.cross_frame_search !== true)
    return undefined;
  return `frame '${frame}' has context.cross_frame_search on, so this reads every frame's knowledge (context_curate takes cross_frame: false)`;
}

export const contextTools = [
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
      valid_at: z.iso
        .datetime()
        .optional()
        .describe('When it happened (default: now); facts from it are valid from then'),
      dedup_key: z.string().max(200).optional().describe('The same key in the same group is added only once'),
      wait: z.boolean().default(false),
    },
    output: { episode: episodeOutput, duplicate: z.boolean() },
    annotations: ACTS,
    actsOn: (a, _c, frames) => onGroups(a, frames),
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
    annotations: SETS,
    async handle(c, a, ctx) {
      return c.ingestGit(
        a.frame,
        { ...(a.since ? { since: a.since } : {}), ...(a.max ? { max: a.max } : {}) },
        (done, total) => ctx.progress(`${done}/${total} commits processed`, done, total),
      );
    },
  }),
  defineTool({
    name: 'context_search',
    title: 'Search what is known',
    description:
      "Facts from a frame's knowledge graph (its group and shared_global; other frames' when its config allows cross_frame_search), " +
      'found by BM25, embeddings (when configured) and graph walks from the entities the query names, fused by reciprocal rank. ' +
      'By default only facts still true; current_only: false includes the ones that stopped being true; as_of gives what was true at that time. ' +
      'reranker mmr spreads the results over different subjects; node_distance puts facts near center_node first. ' +
      'Beside the facts, the episodes most related to the query (past work such as commits, ranked by their text and by the files they changed; ' +
      'episodes: 0 for none) and the files those point at.',
    input: {
      ...scope,
      query: z.string().min(1).max(1000),
      limit: z.number().int().min(1).max(100).default(10),
      episodes: z
        .number()
        .int()
        .min(0)
        .max(50)
        .default(5)
        .describe('How many related episodes to return beside the facts'),
      current_only: z.boolean().default(true),
      as_of: z.iso.datetime().optional(),
      reranker: z.enum(['rrf', 'mmr', 'node_distance']).default('rrf'),
      center_node: z.string().min(1).max(200).optional().describe('Entity name or uuid, for reranker node_distance'),
    },
    output: {
      groupIds: z.array(z.string()),
      facts: z.array(factOutput),
      episodes: z.array(episodeOutput),
      files: z.array(z.object({ name: z.string(), score: z.number() })),
    },
    annotations: READS,
    actsOn: (a, _c, frames) => onGroups(a, frames, crossFrameOf(frames, a.frame)),
    async handle(c, a) {
      const r = await c.search(
        toScope(a),
        {
          query: a.query,
          limit: a.limit,
          currentOnly: a.current_only,
          reranker: a.reranker,
          ...(a.as_of ? { asOf: Date.parse(a.as_of) } : {}),
          ...(a.center_node ? { centerNode: a.center_node } : {}),
        },
        a.episodes,
      );
      return { groupIds: r.groupIds, facts: r.facts.map(toFact), episodes: r.episodes.map(toEpisode), files: r.files };
    },
  }),
  defineTool({
    name: 'context_search_nodes',
    title: 'Search entities',
    description:
      "Entities (files, components, packages, people, tasks, ...) in a frame's knowledge graph that match the query, best first; labels narrows to some kinds.",
    input: {
      ...scope,
      query: z.string().min(1).max(1000),
      limit: z.number().int().min(1).max(100).default(10),
      labels: z
        .array(z.string().min(1).max(50))
        .max(10)
        .optional()
        .describe('Only entities with one of these labels, e.g. ["File"]'),
    },
    output: { groupIds: z.array(z.string()), nodes: z.array(entityOutput) },
    annotations: READS,
    actsOn: (a, _c, frames) => onGroups(a, frames, crossFrameOf(frames, a.frame)),
    async handle(c, a) {
      const r = await c.searchNodes(toScope(a), {
        query: a.query,
        limit: a.limit,
        ...(a.labels ? { labels: a.labels } : {}),
      });
      return { groupIds: r.groupIds, nodes: r.nodes.map(toEntity) };
    },
  }),
  defineTool({
    name: 'context_curate',
    title: 'Context for a task',
    description:
      'What an agent should know before it starts a task in the frame: the files likely involved, the related past work (episodes such as commits, ranked for the task), the most relevant current facts and entities, ' +
      "without duplicates, packed into budget_tokens (default: the frame config's context_budget_tokens, else 8000; estimated at 4 characters a token). " +
      "Returns a ready-to-use text block and its parts. cross_frame defaults to the frame config's cross_frame_search.",
    input: {
      frame: frameRef,
      task: z.string().min(1).max(20_000),
      budget_tokens: z.number().int().min(0).max(1_000_000).optional(),
      cross_frame: z
        .boolean()
        .optional()
        .describe("Include other frames' knowledge (the frame's config must allow it)"),
    },
    output: {
      groupIds: z.array(z.string()),
      text: z.string(),
      tokens: z.number(),
      budgetTokens: z.number(),
      truncated: z.boolean().describe('Some relevant items did not fit the budget'),
      facts: z.array(factOutput),
      entities: z.array(entityOutput),
      episodes: z.array(episodeOutput),
      files: z.array(z.string()).describe('Files the related past work points at, most likely involved first'),
    },
    annotations: READS,
    actsOn: (a, _c, frames) => onGroups(a, frames, crossFrameOf(frames, a.frame, a.cross_frame)),
    async handle(c, a) {
      const r = await c.curate(a.frame, a.task, {
        ...(a.budget_tokens !== undefined ? { budgetTokens: a.budget_tokens } : {}),
        ...(a.cross_frame !== undefined ? { crossFrame: a.cross_frame } : {}),
      });
      return {
        ...r,
        facts: r.facts.map(toFact),
        entities: r.entities.map(toEntity),
        episodes: r.episodes.map(toEpisode),
      };
    },
  }),
  defineTool({
    name: 'context_get_episodes',
    title: 'Recent episodes',
    description:
      'The episodes of a frame (or groups), newest first, with how their processing went, a page at a time: ' +
      'pass the next_cursor of one answer as cursor to get the next page (no next_cursor: that was the last).',
    input: {
      ...scope,
      limit: z.number().int().min(1).max(500).default(20),
      cursor: z.uuid().optional().describe("The previous page's next_cursor"),
    },
    output: { episodes: z.array(episodeOutput), next_cursor: z.string().optional() },
    annotations: READS,
    actsOn: (a, _c, frames) => onGroups(a, frames),
    async handle(c, a) {
      // One more than asked tells whether another page follows.
      const page = await c.episodes(toScope(a), a.limit + 1, a.cursor);
      const episodes = page.slice(0, a.limit);
      return {
        episodes: episodes.map(toEpisode),
        ...(page.length > a.limit ? { next_cursor: episodes[episodes.length - 1]!.uuid } : {}),
      };
    },
  }),
  defineTool({
    name: 'context_delete_episode',
    title: 'Forget an episode',
    description:
      "Deletes one episode of the frame's own group (or the one group named) with the facts and entities only it produced; " +
      'facts it shares with other episodes stay, and facts it had invalidated become current again.',
    input: {
      ...scope,
      uuid: z.string().min(1).max(100).describe('The episode uuid (context_get_episodes lists them)'),
    },
    output: removedOutput,
    annotations: REMOVES,
    actsOn: (a, _c, frames) => onGroups(a, frames),
    async handle(c, a) {
      return c.deleteEpisode(toScope(a), a.uuid);
    },
  }),
  defineTool({
    name: 'context_clear_group',
    title: "Forget a frame's knowledge",
    description:
      "Deletes every episode, entity and fact of the frame's group (or the one group named). The workspace is not touched. Needs confirm: true.",
    input: {
      ...scope,
      confirm: z.literal(true, { error: 'clearing deletes the whole group; pass confirm: true to do it' }),
    },
    output: removedOutput,
    annotations: ENDS,
    actsOn: (a, _c, frames) => onGroups(a, frames),
    async handle(c, a) {
      return c.clearGroup(toScope(a));
    },
  }),
  defineTool({
    name: 'context_status',
    title: 'Knowledge graph status',
    description:
      "How many episodes are queued, processing, processed and failed, and how many entities and facts a frame's groups hold.",
    input: scope,
    output: {
      groupIds: z.array(z.string()),
      backend: z.enum(['embedded', 'graphiti']),
      episodes: z.object({ queued: z.number(), processing: z.number(), processed: z.number(), failed: z.number() }),
      entities: z.number().optional().describe('Not reported by the graphiti backend'),
      facts: z.number().optional(),
      currentFacts: z.number().optional(),
      message: z.string().optional(),
    },
    annotations: READS,
    actsOn: (a, _c, frames) => onGroups(a, frames),
    async handle(c, a) {
      return c.status(toScope(a));
    },
  }),
] satisfies AnyTool<S>[];
