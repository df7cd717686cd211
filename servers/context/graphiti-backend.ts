import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type {
  ContextBackend,
  EpisodeSearch,
  FactSearch,
  FoundEpisodes,
  NewEpisode,
  NodeSearch,
  Removed,
} from './backend.js';
import type { Entity, Episode, Fact } from './model.js';
import {
  toEntity,
  toFact,
  toStored,
  type GraphitiEpisode,
  type GraphitiFact,
  type GraphitiNode,
  type Stored,
} from './graphiti-wire.js';
import { mmr, rrf, wordOverlap } from './rerankers.js';
import { sleep } from '../shared/sleep.js';

/** Our operations and the Graphiti MCP tool names that serve them, newest name first. */
const TOOL_NAMES = {
  add: ['add_memory', 'add_episode'],
  facts: ['search_memory_facts', 'search_facts'],
  nodes: ['search_nodes', 'search_memory_nodes'],
  episodes: ['get_episodes'],
  deleteEpisode: ['delete_episode'],
  clear: ['clear_graph'],
  status: ['get_status'],
} as const;
type Operation = keyof typeof TOOL_NAMES;

/** How long `wait` (and git ingestion) waits for Graphiti to show a queued episode. */
const PROCESS_TIMEOUT_MS = 120_000;
const POLL_MS = 500;
/** Graphiti's get_episodes limits before it sorts (by uuid), so reads ask for everything and sort here. */
const ALL = 100_000;
/** Graphiti stamps created_at when it processes; an episode older than its add (less clock slack) is not it. */
const CLOCK_SLACK_MS = 60_000;
/** Episodes a Graphiti episode search reads to rank (its server searches facts and nodes only). */
const EPISODE_SCAN = 500;
interface Watcher {
  episode: Episode;
  since: number;
  deadline: number;
  resolve(e: Episode): void;
}

/** Graphiti's fact filter, applied here: its search returns invalidated facts too. */
const seen = (f: Fact, s: FactSearch) =>
  s.asOf !== undefined
    ? (f.validAt === null || f.validAt <= s.asOf) && (f.invalidAt === null || f.invalidAt > s.asOf)
    : !s.currentOnly || (f.invalidAt === null && f.expiredAt === null);

/**
 * The context backend as an MCP client of a Graphiti MCP server (getzep/graphiti mcp_server):
 * our operations mapped onto its tools, by their current names or the older ones. What Graphiti
 * lacks we add on this side: stale facts filtered out unless asked for, processing outcomes
 * watched for (Graphiti's queue reports none), dedup keys, and MMR.
 */
export class GraphitiBackend implements ContextBackend {
  readonly kind = 'graphiti' as const;
  private connection?: Promise<{ client: Client; tools: Map<Operation, { name: string; params: Set<string> }> }>;
  /** Per group: dedup key → episode, read from Graphiti once, then kept up to date here. */
  private readonly keys = new Map<string, Promise<Map<string, Episode>>>();
  /** Per group: adds waiting for Graphiti to show them, served by one poller. */
  private readonly watchers = new Map<string, Watcher[]>();
  /** Graphiti uuids already matched to an add, so a repeated name and content is matched once. */
  private readonly claimed = new Set<string>();

  constructor(private readonly config: { url: string; token_env?: string | undefined }) {}

  private connect() {
    this.connection ??= (async () => {
      const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
        import('@modelcontextprotocol/sdk/client/index.js'),
        import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
      ]);
      const token = this.config.token_env ? process.env[this.config.token_env] : undefined;
      const transport = new StreamableHTTPClientTransport(
        new URL(this.config.url),
        token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
      );
      const client = new Client({ name: 'optagon-context', version: '0.1.0' });
      try {
        await client.connect(transport);
      } catch (err) {
        throw new Error(
          `cannot reach the Graphiti MCP server at ${this.config.url} (${(err as Error).message}); start it, or fix context.graphiti.url in config.yaml`,
        );
      }
      const offered = new Map(
        (await client.listTools()).tools.map((t) => [t.name, new Set(Object.keys(t.inputSchema.properties ?? {}))]),
      );
      const tools = new Map<Operation, { name: string; params: Set<string> }>();
      for (const [op, names] of Object.entries(TOOL_NAMES) as Array<[Operation, readonly string[]]>) {
        const name = names.find((n) => offered.has(n));
        if (name) tools.set(op, { name, params: offered.get(name)! });
      }
      return { client, tools };
    })();
    this.connection.catch(() => (this.connection = undefined)); // try again on the next call
    return this.connection;
  }

  /** Calls the tool for `op`; Graphiti reports errors as `{error}` values, which become thrown errors here. */
  private async call(
    op: Operation,
    args: (tool: string, params: Set<string>) => Record<string, unknown>,
  ): Promise<unknown> {
    const { client, tools } = await this.connect();
    const found = tools.get(op);
    if (!found)
      throw new Error(
        `the Graphiti server at ${this.config.url} has no ${TOOL_NAMES[op].join(' or ')} tool; upgrade Graphiti's MCP server`,
      );
    const tool = found.name;
    const result = (await client.callTool({ name: tool, arguments: args(tool, found.params) })) as {
      isError?: boolean;
      content?: Array<{ type: string; text?: string }>;
    };
    const texts = (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text ?? '');
    const values = texts.map((t) => {
      try {
        return JSON.parse(t) as unknown;
      } catch {
        return t;
      }
    });
    // Older servers send a returned list as one text item per element.
    const value = values.length === 1 ? values[0] : values;
    const error = result.isError ? texts.join(' ') : (value as { error?: string } | null)?.error;
    if (error) throw new Error(`Graphiti ${tool}: ${error}`);
    return value;
  }

  /**
   * Every episode of the groups, one call per group: servers before late 2025 take a single
   * `group_id` and `last_n`, newer ones `group_ids` and `max_episodes` (each ignores the other's).
   */
  private async stored(groupIds: string[]): Promise<Stored[]> {
    const lists = await Promise.all(
      groupIds.map(async (group) => {
        const value = await this.call('episodes', () => ({
          group_ids: [group],
          max_episodes: ALL,
          group_id: group,
          last_n: ALL,
        }));
        // Older servers send a list as one text item per element, so a list of one arrives as the element.
        const list = Array.isArray(value)
          ? value
          : value && typeof value === 'object' && 'uuid' in value
            ? [value]
            : ((value as { episodes?: GraphitiEpisode[] } | null)?.episodes ?? []);
        return (list as GraphitiEpisode[]).map((e) => toStored(e, group));
      }),
    );
    return lists.flat();
  }

  /** The group's dedup keys, loaded once (the promise is cached, so concurrent first calls share it). */
  private groupKeys(groupId: string): Promise<Map<string, Episode>> {
    let keys = this.keys.get(groupId);
    if (!keys) {
      keys = this.stored([groupId]).then(
        (all) => new Map(all.flatMap((s) => (s.dedupKey ? [[s.dedupKey, s.episode] as const] : []))),
      );
      keys.catch(() => this.keys.delete(groupId));
      this.keys.set(groupId, keys);
    }
    return keys;
  }

  async addEpisode(groupId: string, input: NewEpisode) {
    const key = input.dedupKey;
    const keys = key ? await this.groupKeys(groupId) : undefined;
    const known = key && keys!.get(key);
    if (known) return { episode: known, duplicate: true, processed: Promise.resolve(known) };
    const episode = this.draft(groupId, input);
    if (key) keys!.set(key, episode); // held while the add is under way, so a second add of the key is a duplicate
    try {
      await this.call('add', (tool) => ({
        name: input.name,
        episode_body: input.content,
        group_id: groupId,
        source: input.source,
        source_description: `${input.sourceDescription}${key ? ` [dedup:${key}]` : ''}`,
        // No uuid: Graphiti reads one as an existing episode to process again.
        ...(tool === 'add_memory' ? { reference_time: new Date(episode.validAt).toISOString() } : {}),
      }));
    } catch (err) {
      if (key) keys!.delete(key);
      throw err;
    }
    const processed = this.watch(episode).then((done) => {
      if (key) {
        if (done.status === 'failed') keys!.delete(key);
        else keys!.set(key, done);
      }
      return done;
    });
    return { episode, duplicate: false, processed };
  }

  /** Episodes added here that Graphiti does not show yet. */
  private waiting(groupIds: string[]): Episode[] {
    return groupIds.flatMap((g) => (this.watchers.get(g) ?? []).map((w) => w.episode));
  }

  private draft(groupId: string, input: NewEpisode): Episode {
    const now = Date.now();
    return {
      uuid: randomUUID(),
      groupId,
      name: input.name,
      content: input.content,
      source: input.source,
      sourceDescription: input.sourceDescription,
      validAt: input.validAt ?? now,
      createdAt: now,
      status: 'queued',
      error: null,
    };
  }

  /** Resolves (never rejects) once Graphiti shows the episode, or with failed after the timeout. */
  private watch(episode: Episode): Promise<Episode> {
    return new Promise((resolve) => {
      const list = this.watchers.get(episode.groupId) ?? [];
      list.push({
        episode,
        since: episode.createdAt - CLOCK_SLACK_MS,
        deadline: Date.now() + PROCESS_TIMEOUT_MS,
        resolve,
      });
      this.watchers.set(episode.groupId, list);
      if (list.length === 1) void this.poll(episode.groupId);
    });
  }

  /**
   * One poller per group while adds wait: Graphiti chooses its own uuids, so an add is matched by
   * name and content among episodes processed since it was made, each Graphiti episode once.
   */
  private async poll(groupId: string): Promise<void> {
    const list = this.watchers.get(groupId)!;
    while (list.length) {
      await sleep(POLL_MS);
      let stored: Stored[];
      try {
        stored = await this.stored([groupId]);
      } catch (err) {
        for (const w of list.splice(0)) w.resolve({ ...w.episode, status: 'failed', error: (err as Error).message });
        break;
      }
      for (const w of [...list]) {
        const found = stored.find(
          (s) =>
            !this.claimed.has(s.episode.uuid) &&
            s.episode.name === w.episode.name &&
            s.episode.content === w.episode.content &&
            s.episode.createdAt >= w.since,
        );
        if (found) {
          this.claimed.add(found.episode.uuid);
          w.resolve({
            ...w.episode,
            uuid: found.episode.uuid,
            createdAt: found.episode.createdAt,
            validAt: found.dated ? found.episode.validAt : w.episode.validAt,
            status: 'processed',
          });
        } else if (Date.now() > w.deadline) {
          w.resolve({
            ...w.episode,
            status: 'failed',
            error: `Graphiti did not show the episode within ${PROCESS_TIMEOUT_MS / 1000} s; its queue reports no reason (see the Graphiti server's log)`,
          });
        } else continue;
        list.splice(list.indexOf(w), 1);
      }
    }
    this.watchers.delete(groupId);
  }

  async episodes(groupIds: string[], limit: number, before?: string): Promise<Episode[]> {
    const stored = (await this.stored(groupIds)).map((s) => s.episode);
    const all = [...this.waiting(groupIds), ...stored].sort(
      (a, b) => b.validAt - a.validAt || b.createdAt - a.createdAt || (a.uuid < b.uuid ? 1 : -1),
    );
    const from = before ? all.findIndex((e) => e.uuid === before) + 1 : 0;
    return before && !from ? [] : all.slice(from, from + limit);
  }

  /**
   * Graphiti searches no episodes: the stored ones (as many as `episodes` lists) ranked here by
   * the words they share with the query; no files are voted for.
   */
  async searchEpisodes(groupIds: string[], s: EpisodeSearch): Promise<FoundEpisodes> {
    const scored = (await this.episodes(groupIds, EPISODE_SCAN))
      .map((e) => ({ e, score: wordOverlap(s.query, `${e.name}\n${e.content}`) }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score);
    return { episodes: scored.slice(0, s.limit).map((x) => x.e), files: [] };
  }

  private async nodeUuid(groupIds: string[], name: string): Promise<string> {
    const nodes = await this.searchNodes(groupIds, { query: name, limit: 10 });
    const node = nodes.find((n) => n.uuid === name || n.name.toLowerCase() === name.toLowerCase());
    if (!node)
      throw new Error(
        `node_distance needs center_node, the name or uuid of an entity in these groups (no '${name}'); context_search_nodes finds names`,
      );
    return node.uuid;
  }

  async searchFacts(groupIds: string[], s: FactSearch): Promise<Fact[]> {
    if (s.reranker === 'node_distance' && !s.centerNode)
      throw new Error(
        'node_distance needs center_node, the name or uuid of an entity; context_search_nodes finds names',
      );
    const center = s.reranker === 'node_distance' ? await this.nodeUuid(groupIds, s.centerNode!) : undefined;
    const value = (await this.call('facts', () => ({
      query: s.query,
      group_ids: groupIds,
      // Ask for more: facts that are not current are dropped here.
      max_facts: Math.min(s.limit * 3, 100),
      ...(center ? { center_node_uuid: center } : {}),
    }))) as { facts?: GraphitiFact[] };
    let facts = (value.facts ?? []).map(toFact).filter((f) => seen(f, s));
    if (s.reranker === 'mmr') {
      const byId = new Map(facts.map((f) => [f.uuid, f]));
      facts = mmr(rrf([facts.map((f) => f.uuid)]), (a, b) => wordOverlap(byId.get(a)!.fact, byId.get(b)!.fact)).map(
        (r) => byId.get(r.id)!,
      );
    }
    return facts.slice(0, s.limit);
  }

  async searchNodes(groupIds: string[], s: NodeSearch): Promise<Entity[]> {
    const nodesTool = (await this.connect()).tools.get('nodes');
    if (s.labels && s.labels.length > 1 && nodesTool && !nodesTool.params.has('entity_types')) {
      throw new Error(
        `the Graphiti server at ${this.config.url} filters nodes by one label only; pass one label, or upgrade its MCP server`,
      );
    }
    const value = (await this.call('nodes', (_tool, params) => ({
      query: s.query,
      group_ids: groupIds,
      max_nodes: s.limit,
      // Servers before 1.0 filter by one label, `entity`.
      ...(s.labels?.length ? (params.has('entity_types') ? { entity_types: s.labels } : { entity: s.labels[0] }) : {}),
    }))) as { nodes?: GraphitiNode[] };
    return (value.nodes ?? []).map(toEntity).slice(0, s.limit);
  }

  async deleteEpisode(groupIds: string[], uuid: string): Promise<Removed | false> {
    // Graphiti deletes by uuid alone: check the episode is in these groups first.
    const mine = (await this.stored(groupIds)).find((s) => s.episode.uuid === uuid);
    if (!mine) return false;
    await this.call('deleteEpisode', () => ({ uuid }));
    if (mine.dedupKey) (await this.keys.get(mine.episode.groupId))?.delete(mine.dedupKey);
    return { episodes: 1 };
  }

  async clearGroup(groupId: string): Promise<Removed> {
    const { tools } = await this.connect();
    if (tools.get('clear') && !tools.get('clear')!.params.has('group_ids')) {
      throw new Error(
        `the Graphiti server at ${this.config.url} can only clear every group at once (its clear_graph takes no group_ids); upgrade its MCP server to 1.0 or later to clear one frame's group`,
      );
    }
    const count = (await this.stored([groupId])).length;
    await this.call('clear', () => ({ group_ids: [groupId] }));
    this.keys.delete(groupId);
    return { episodes: count };
  }

  async status(groupIds: string[]) {
    const health = await this.health();
    if (health.status && health.status !== 'ok') throw new Error(`Graphiti: ${health.message ?? health.status}`);
    const stored = await this.stored(groupIds);
    const queued = this.waiting(groupIds).length;
    return {
      episodes: { queued, processing: 0, processed: stored.length, failed: 0 },
      ...(health.message ? { message: health.message } : {}),
    };
  }

  /** get_status, or on servers before 1.0 the resource http://graphiti/status. */
  private async health(): Promise<{ status?: string; message?: string }> {
    const { client, tools } = await this.connect();
    if (tools.has('status')) return (await this.call('status', () => ({}))) as { status?: string; message?: string };
    try {
      const { contents } = await client.readResource({ uri: 'http://graphiti/status' });
      const text = contents[0] && 'text' in contents[0] ? String(contents[0].text) : '{}';
      return JSON.parse(text) as { status?: string; message?: string };
    } catch (err) {
      throw new Error(
        `the Graphiti server at ${this.config.url} has neither a get_status tool nor the status resource (${(err as Error).message}); upgrade Graphiti's MCP server`,
      );
    }
  }

  recover(): number {
    return 0; // Graphiti keeps its own queue
  }

  async idle(): Promise<void> {
    while (this.watchers.size) await sleep(POLL_MS);
  }

  async close(): Promise<void> {
    const c = await this.connection?.catch(() => undefined);
    await c?.client.close();
  }
}
