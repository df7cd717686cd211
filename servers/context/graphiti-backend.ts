import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ContextBackend, FactSearch, NewEpisode, NodeSearch, Removed } from './backend.js';
import type { Entity, Episode, Fact } from './model.js';
import { mmr, rrf, wordOverlap } from './rerankers.js';

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

interface GraphitiFact {
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

interface GraphitiNode {
  uuid: string;
  name: string;
  labels?: string[];
  created_at?: string | null;
  summary?: string | null;
  group_id?: string;
  attributes?: Record<string, unknown>;
}

interface GraphitiEpisode {
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

const toFact = (f: GraphitiFact): Fact => ({
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

const toEntity = (n: GraphitiNode): Entity => ({
  uuid: n.uuid,
  groupId: n.group_id ?? '',
  name: n.name,
  summary: n.summary ?? '',
  labels: (n.labels ?? []).filter((l) => l !== 'Entity'),
  attributes: n.attributes ?? {},
  createdAt: ms(n.created_at) ?? 0,
});

const toEpisode = (e: GraphitiEpisode): Episode => ({
  uuid: e.uuid,
  groupId: e.group_id ?? '',
  name: e.name,
  content: e.content,
  source: e.source === 'json' || e.source === 'message' ? e.source : 'text',
  sourceDescription: e.source_description ?? '',
  validAt: ms(e.valid_at) ?? ms(e.created_at) ?? 0,
  createdAt: ms(e.created_at) ?? 0,
  // Graphiti shows an episode only once it has processed it.
  status: 'processed',
  error: null,
});

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
  private connection?: Promise<{ client: Client; tools: Map<Operation, string> }>;
  /** Episodes added here and not yet seen in Graphiti. */
  private readonly pending = new Map<string, Episode>();
  /** Episode names known per group, for dedup keys (Graphiti has none; names carry them). */
  private readonly names = new Map<string, Set<string>>();

  constructor(private readonly config: { url: string; token_env?: string | undefined }) {}

  private connect() {
    this.connection ??= (async () => {
      const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
        import('@modelcontextprotocol/sdk/client/index.js'),
        import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
      ]);
      const token = this.config.token_env ? process.env[this.config.token_env] : undefined;
      const transport = new StreamableHTTPClientTransport(new URL(this.config.url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
      const client = new Client({ name: 'optagon-context', version: '0.1.0' });
      try {
        await client.connect(transport);
      } catch (err) {
        throw new Error(`cannot reach the Graphiti MCP server at ${this.config.url} (${(err as Error).message}); start it, or fix context.graphiti.url in config.yaml`);
      }
      const offered = new Set((await client.listTools()).tools.map((t) => t.name));
      const tools = new Map<Operation, string>();
      for (const [op, names] of Object.entries(TOOL_NAMES) as Array<[Operation, readonly string[]]>) {
        const name = names.find((n) => offered.has(n));
        if (name) tools.set(op, name);
      }
      return { client, tools };
    })();
    this.connection.catch(() => (this.connection = undefined)); // try again on the next call
    return this.connection;
  }

  /** Calls the tool for `op`; Graphiti reports errors as `{error}` values, which become thrown errors here. */
  private async call(op: Operation, args: (tool: string) => Record<string, unknown>): Promise<unknown> {
    const { client, tools } = await this.connect();
    const tool = tools.get(op);
    if (!tool) throw new Error(`the Graphiti server at ${this.config.url} has no ${TOOL_NAMES[op].join(' or ')} tool; upgrade Graphiti's MCP server`);
    const result = (await client.callTool({ name: tool, arguments: args(tool) })) as { isError?: boolean; content?: Array<{ type: string; text?: string }> };
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
   * Episodes of the groups, one call per group: servers before late 2025 take a single `group_id`
   * and `last_n`, newer ones `group_ids` and `max_episodes` (each ignores the other's arguments).
   */
  private async groupEpisodes(groupIds: string[], limit: number): Promise<Episode[]> {
    const lists = await Promise.all(
      groupIds.map(async (group) => {
        const value = await this.call('episodes', () => ({ group_ids: [group], max_episodes: limit, group_id: group, last_n: limit }));
        const list = Array.isArray(value) ? value : ((value as { episodes?: GraphitiEpisode[] }).episodes ?? []);
        return (list as GraphitiEpisode[]).map((e) => ({ ...toEpisode(e), groupId: e.group_id ?? group }));
      }),
    );
    return lists.flat();
  }

  async addEpisode(groupId: string, input: NewEpisode) {
    if (input.dedupKey) {
      let names = this.names.get(groupId);
      if (!names) {
        names = new Set((await this.groupEpisodes([groupId], 100_000)).map((e) => e.name));
        this.names.set(groupId, names);
      }
      if (names.has(input.name)) {
        const episode: Episode = { ...this.draft(groupId, input), status: 'processed' };
        return { episode, duplicate: true, processed: Promise.resolve(episode) };
      }
      names.add(input.name);
    }
    const episode = this.draft(groupId, input);
    await this.call('add', (tool) => ({
      name: input.name,
      episode_body: input.content,
      group_id: groupId,
      source: input.source,
      source_description: input.sourceDescription,
      ...(tool === 'add_memory' ? { uuid: episode.uuid, reference_time: new Date(episode.validAt).toISOString() } : {}),
    }));
    this.pending.set(episode.uuid, episode);
    return { episode, duplicate: false, processed: this.watch(episode) };
  }

  private draft(groupId: string, input: NewEpisode): Episode {
    const now = Date.now();
    return { uuid: randomUUID(), groupId, name: input.name, content: input.content, source: input.source, sourceDescription: input.sourceDescription, validAt: input.validAt ?? now, createdAt: now, status: 'queued', error: null };
  }

  /** Waits for Graphiti to show the episode (by uuid, else by name); never rejects. */
  private async watch(episode: Episode): Promise<Episode> {
    const deadline = Date.now() + PROCESS_TIMEOUT_MS;
    try {
      while (Date.now() < deadline) {
        const found = (await this.groupEpisodes([episode.groupId], 50)).find((e) => e.uuid === episode.uuid || e.name === episode.name);
        if (found) return { ...episode, ...found, groupId: episode.groupId };
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      return { ...episode, status: 'failed', error: `Graphiti did not show the episode within ${PROCESS_TIMEOUT_MS / 1000} s; its queue reports no reason (see the Graphiti server's log)` };
    } catch (err) {
      return { ...episode, status: 'failed', error: (err as Error).message };
    } finally {
      this.pending.delete(episode.uuid);
    }
  }

  async episodes(groupIds: string[], limit: number): Promise<Episode[]> {
    const stored = await this.groupEpisodes(groupIds, limit);
    const queued = [...this.pending.values()].filter((e) => groupIds.includes(e.groupId) && !stored.some((s) => s.uuid === e.uuid));
    return [...queued, ...stored].sort((a, b) => b.validAt - a.validAt || b.createdAt - a.createdAt).slice(0, limit);
  }

  private async nodeUuid(groupIds: string[], name: string): Promise<string> {
    const nodes = await this.searchNodes(groupIds, { query: name, limit: 10 });
    const node = nodes.find((n) => n.uuid === name || n.name.toLowerCase() === name.toLowerCase());
    if (!node) throw new Error(`node_distance needs center_node, the name or uuid of an entity in these groups (no '${name}'); context_search_nodes finds names`);
    return node.uuid;
  }

  async searchFacts(groupIds: string[], s: FactSearch): Promise<Fact[]> {
    if (s.reranker === 'node_distance' && !s.centerNode) throw new Error('node_distance needs center_node, the name or uuid of an entity; context_search_nodes finds names');
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
      facts = mmr(rrf([facts.map((f) => f.uuid)]), (a, b) => wordOverlap(byId.get(a)!.fact, byId.get(b)!.fact)).map((r) => byId.get(r.id)!);
    }
    return facts.slice(0, s.limit);
  }

  async searchNodes(groupIds: string[], s: NodeSearch): Promise<Entity[]> {
    const value = (await this.call('nodes', (tool) => ({
      query: s.query,
      group_ids: groupIds,
      max_nodes: s.limit,
      ...(s.labels?.length ? (tool === 'search_nodes' ? { entity_types: s.labels } : { entity: s.labels[0] }) : {}),
    }))) as { nodes?: GraphitiNode[] };
    return (value.nodes ?? []).map(toEntity).slice(0, s.limit);
  }

  async deleteEpisode(groupIds: string[], uuid: string): Promise<Removed | false> {
    // Graphiti deletes by uuid alone: check the episode is in these groups first.
    const mine = (await this.groupEpisodes(groupIds, 100_000)).find((e) => e.uuid === uuid);
    if (!mine) return false;
    await this.call('deleteEpisode', () => ({ uuid }));
    this.names.get(mine.groupId)?.delete(mine.name);
    return { episodes: 1 };
  }

  async clearGroup(groupId: string): Promise<Removed> {
    const count = (await this.groupEpisodes([groupId], 100_000)).length;
    await this.call('clear', () => ({ group_ids: [groupId] }));
    this.names.delete(groupId);
    return { episodes: count };
  }

  async status(groupIds: string[]) {
    const health = (await this.call('status', () => ({}))) as { status?: string; message?: string };
    if (health.status && health.status !== 'ok') throw new Error(`Graphiti: ${health.message ?? health.status}`);
    const stored = await this.groupEpisodes(groupIds, 100_000);
    const queued = [...this.pending.values()].filter((e) => groupIds.includes(e.groupId)).length;
    return { episodes: { queued, processing: 0, processed: stored.length, failed: 0 }, ...(health.message ? { message: health.message } : {}) };
  }

  recover(): number {
    return 0; // Graphiti keeps its own queue
  }

  async idle(): Promise<void> {
    while (this.pending.size) await new Promise((r) => setTimeout(r, POLL_MS));
  }

  async close(): Promise<void> {
    const c = await this.connection?.catch(() => undefined);
    await c?.client.close();
  }
}
