import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { listenOutsideFramePorts } from './listen.js';
import { sleep } from '../../servers/shared/sleep.js';

/**
 * A stand-in for getzep/graphiti's MCP server (mcp_server/src/graphiti_mcp_server.py), served over
 * stateful Streamable HTTP on 127.0.0.1, so GraphitiBackend can be tested over the real protocol
 * without Neo4j or a model. Its tools answer in Graphiti's shapes: one JSON text item, errors as
 * `{"error": ...}` values (never isError). Instead of an LLM, a trivial extractor reads sentences
 * "X uses Y" / "X moved to Y" / "X switched to Y".
 *
 * `names: 'new'` is the MCP server since v1.0 (Oct 2025); `names: 'old'` the one before, whose
 * differences matter to a client: add_episode, search_facts, search_memory_nodes (one `entity`
 * label), get_episodes(group_id, last_n) answering with a bare list (FastMCP sends each element as
 * its own text item), clear_graph without arguments that wipes every group, and status only as the
 * resource http://graphiti/status, no get_status tool.
 */
export interface MockGraphitiOptions {
  names: 'new' | 'old';
  /**
   * What add_memory/add_episode do with a `uuid` argument. Graphiti (graphiti_core
   * Graphiti.add_episode, since Dec 2024) reads it as an existing episode to process again, so an
   * unknown uuid makes the queued processing fail (only its log says so): 'existing', the default.
   * 'new' takes it as the new episode's uuid instead, which is what GraphitiBackend assumes.
   */
  uuidMeans?: 'existing' | 'new';
  /** How long the queue takes per episode (default 100 ms). */
  processMs?: number;
}

export interface MockGraphiti {
  url: string;
  /** Every tool call, in order, with its arguments as the tool got them: defaults filled in, unknown ones kept. */
  calls: Array<{ tool: string; args: any }>;
  /** What Graphiti would only log: queued episodes whose processing failed. */
  errors: string[];
  /** Resolves once every queued episode has been processed (or has failed). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface StoredEpisode {
  uuid: string;
  name: string;
  content: string;
  source: string;
  source_description: string;
  group_id: string;
  created_at: string;
  valid_at: string;
}

interface StoredNode {
  uuid: string;
  name: string;
  labels: string[];
  summary: string;
  group_id: string;
  created_at: string;
  attributes: Record<string, unknown>;
}

interface StoredEdge {
  uuid: string;
  group_id: string;
  source_node_uuid: string;
  target_node_uuid: string;
  created_at: string;
  name: string;
  fact: string;
  episodes: string[];
  expired_at: string | null;
  valid_at: string | null;
  invalid_at: string | null;
  attributes: Record<string, unknown>;
}

/** Graphiti's default group when a call names none. */
const DEFAULT_GROUP = 'main';
const SENTENCE = /^(?:the\s+)?(.+?)\s+(uses|moved to|switched to)\s+(?:the\s+)?(.+?)[.!?]*$/i;
const STOPWORDS = new Set(['the', 'a', 'an', 'of', 'to', 'is', 'what', 'does', 'do', 'use', 'uses']);

const words = (s: string) => new Set((s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOPWORDS.has(w)));
const overlap = (query: string, text: string) => {
  const t = words(text);
  return [...words(query)].filter((w) => t.has(w)).length;
};
const now = () => new Date().toISOString();
/** Like the server's coerce_group_ids: one id or a list; none means the default group. */
const groupList = (g: string | string[] | null | undefined) =>
  g == null ? [DEFAULT_GROUP] : typeof g === 'string' ? [g] : g;
const json = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value) }] });
/** graphiti_core's NodeNotFoundError text. */
const notFound = (uuid: string) => `node ${uuid} not found`;

// Loose objects: the client sends old and new argument names together, and Graphiti's FastMCP
// (pydantic, extra='ignore') accepts unknown ones. McpServer would strip them from a plain shape
// (z.object), but it must not reject them, and `calls` should show them: so passthrough.
const groupIds = z.union([z.string(), z.array(z.string())]).nullish();

export async function startMockGraphiti(opts: MockGraphitiOptions): Promise<MockGraphiti> {
  const old = opts.names === 'old';
  const processMs = opts.processMs ?? 100;
  const calls: MockGraphiti['calls'] = [];
  const errors: string[] = [];
  let episodes: StoredEpisode[] = [];
  let nodes: StoredNode[] = [];
  let edges: StoredEdge[] = [];
  /** One queue per group, processed one episode after another (Graphiti's QueueService). */
  const queues = new Map<string, Promise<void>>();
  const waiting = new Map<string, number>();

  const nodeNamed = (group: string, name: string, summary: string) => {
    let node = nodes.find((n) => n.group_id === group && n.name.toLowerCase() === name.toLowerCase());
    if (!node) {
      node = {
        uuid: randomUUID(),
        name,
        labels: ['Entity'],
        summary: '',
        group_id: group,
        created_at: now(),
        attributes: {},
      };
      nodes.push(node);
    }
    node.summary = node.summary ? `${node.summary} ${summary}` : summary;
    return node;
  };

  /** The extraction: entities and USES facts; "moved/switched to" ends the subject's other USES facts. */
  const extract = (ep: StoredEpisode) => {
    for (const sentence of ep.content.split(/(?<=[.!?])\s+|\n+/)) {
      const m = SENTENCE.exec(sentence.trim());
      if (!m) continue;
      const [, x, verb, y] = m as unknown as [string, string, string, string];
      const fact = `${x} uses ${y}`;
      const src = nodeNamed(ep.group_id, x, `${fact}.`);
      const dst = nodeNamed(ep.group_id, y, `${fact}.`);
      if (verb.toLowerCase() !== 'uses') {
        // Like Graphiti's edge invalidation: the older contradicted facts stay, with invalid_at set
        // to when the new one became true and expired_at to when we learnt it.
        for (const e of edges) {
          const older = e.valid_at === null || Date.parse(e.valid_at) <= Date.parse(ep.valid_at);
          if (
            e.group_id === ep.group_id &&
            e.name === 'USES' &&
            e.source_node_uuid === src.uuid &&
            e.target_node_uuid !== dst.uuid &&
            e.invalid_at === null &&
            older
          ) {
            e.invalid_at = ep.valid_at;
            e.expired_at = now();
          }
        }
      }
      const same = edges.find(
        (e) =>
          e.group_id === ep.group_id &&
          e.name === 'USES' &&
          e.source_node_uuid === src.uuid &&
          e.target_node_uuid === dst.uuid &&
          e.invalid_at === null,
      );
      if (same) {
        if (!same.episodes.includes(ep.uuid)) same.episodes.push(ep.uuid);
        continue;
      }
      edges.push({
        uuid: randomUUID(),
        group_id: ep.group_id,
        source_node_uuid: src.uuid,
        target_node_uuid: dst.uuid,
        created_at: now(),
        name: 'USES',
        fact,
        episodes: [ep.uuid],
        expired_at: null,
        valid_at: ep.valid_at,
        invalid_at: null,
        attributes: {},
      });
    }
  };

  /** add_memory/add_episode: queue, answer at once; the episode shows in get_episodes only once processed. */
  const enqueue = (a: {
    name: string;
    episode_body: string;
    group_id?: string | null;
    source?: string;
    source_description?: string;
    uuid?: string | null;
    reference_time?: string | null;
  }) => {
    const group = a.group_id || DEFAULT_GROUP;
    // The old server always used the processing time; the new one takes reference_time.
    const referenceTime = !old && a.reference_time ? new Date(a.reference_time).toISOString() : undefined;
    const process = () => {
      if (a.uuid && opts.uuidMeans !== 'new') {
        // Graphiti.add_episode(uuid=...) = EpisodicNode.get_by_uuid(uuid): process that episode again.
        const existing = episodes.find((e) => e.uuid === a.uuid);
        if (!existing) throw new Error(notFound(a.uuid));
        return extract(existing);
      }
      const at = now();
      const source = ['text', 'json', 'message'].includes(a.source?.toLowerCase() ?? '')
        ? a.source!.toLowerCase()
        : 'text';
      const ep: StoredEpisode = {
        uuid: a.uuid || randomUUID(),
        name: a.name,
        content: a.episode_body,
        source,
        source_description: a.source_description ?? '',
        group_id: group,
        created_at: at,
        valid_at: referenceTime ?? at,
      };
      episodes.push(ep);
      extract(ep);
    };
    const next = (queues.get(group) ?? Promise.resolve())
      .then(() => sleep(processMs))
      .then(process)
      .catch(
        (err: Error) =>
          void errors.push(`Failed to process episode ${a.uuid ?? a.name} for group ${group}: ${err.message}`),
      )
      .finally(() => waiting.set(group, waiting.get(group)! - 1));
    queues.set(group, next);
    waiting.set(group, (waiting.get(group) ?? 0) + 1);
    return { group, position: waiting.get(group)! };
  };

  const searchFacts = (a: {
    query: string;
    group_ids?: string | string[] | null;
    max_facts?: number;
    center_node_uuid?: string | null;
  }) => {
    const max = a.max_facts ?? 10;
    if (max <= 0) return { error: 'max_facts must be a positive integer' };
    const groups = groupList(a.group_ids);
    // Invalidated facts are returned too: Graphiti's search does not filter on validity.
    const facts = edges
      .filter((e) => groups.includes(e.group_id))
      .map((e) => ({
        e,
        score:
          overlap(a.query, e.fact) +
          (a.center_node_uuid && [e.source_node_uuid, e.target_node_uuid].includes(a.center_node_uuid) ? 100 : 0),
      }))
      .filter((s) => s.score > 0)
      .sort((x, y) => y.score - x.score || y.e.created_at.localeCompare(x.e.created_at))
      .slice(0, max)
      .map((s) => ({ ...s.e, episodes: [...s.e.episodes] }));
    return facts.length
      ? { message: 'Facts retrieved successfully', facts }
      : { message: 'No relevant facts found', facts: [] };
  };

  const searchNodes = (
    a: { query: string; group_ids?: string | string[] | null; max_nodes?: number },
    labels: string[] | undefined,
  ) => {
    const groups = groupList(a.group_ids);
    const found = nodes
      .filter((n) => groups.includes(n.group_id) && (!labels?.length || n.labels.some((l) => labels.includes(l))))
      // A match on the name counts more than one in the summary (which names the related entities too).
      .map((n) => ({ n, score: 2 * overlap(a.query, n.name) + overlap(a.query, n.summary) }))
      .filter((s) => s.score > 0)
      .sort((x, y) => y.score - x.score || x.n.created_at.localeCompare(y.n.created_at))
      .slice(0, a.max_nodes ?? 10)
      .map(({ n }) => ({
        uuid: n.uuid,
        name: n.name,
        labels: [...n.labels],
        created_at: n.created_at,
        summary: n.summary,
        group_id: n.group_id,
        attributes: { ...n.attributes },
      }));
    return found.length
      ? { message: 'Nodes retrieved successfully', nodes: found }
      : { message: 'No relevant nodes found', nodes: [] };
  };

  const deleteEpisode = (uuid: string) => {
    const ep = episodes.find((e) => e.uuid === uuid);
    if (!ep) return { error: `Error deleting episode: ${notFound(uuid)}` };
    episodes = episodes.filter((e) => e !== ep);
    if (!old) {
      // remove_episode (new server) cascades: facts only this episode supported go, and then
      // entities no fact mentions. The old server deleted the episode node alone.
      for (const e of edges) e.episodes = e.episodes.filter((u) => u !== uuid);
      edges = edges.filter((e) => e.episodes.length > 0);
      nodes = nodes.filter((n) => edges.some((e) => e.source_node_uuid === n.uuid || e.target_node_uuid === n.uuid));
    }
    return { message: `Episode with UUID ${uuid} deleted successfully` };
  };

  const clear = (groups: string[] | null) => {
    const keep = <T extends { group_id: string }>(rows: T[]) =>
      groups ? rows.filter((r) => !groups.includes(r.group_id)) : [];
    episodes = keep(episodes);
    nodes = keep(nodes);
    edges = keep(edges);
  };

  const status = { status: 'ok', message: 'Graphiti MCP server is running and connected to mock database' };

  /** A fresh McpServer per session, over the one store (as the real server has one database). */
  const mcpServer = () => {
    const server = new McpServer({ name: 'Graphiti Agent Memory', version: old ? '0.4.0' : '1.0.0' });
    const tool = <S extends z.ZodRawShape>(name: string, shape: S, run: (a: z.infer<z.ZodObject<S>>) => unknown) =>
      server.registerTool(name, { inputSchema: z.looseObject(shape) }, async (args: any) => {
        calls.push({ tool: name, args });
        const value = run(args);
        // The old get_episodes returned a Python list: FastMCP sends one text item per element.
        return Array.isArray(value) ? { content: value.map((v) => json(v).content[0]!) } : json(value);
      });

    const add = {
      name: z.string(),
      episode_body: z.string(),
      group_id: z.string().nullish(),
      source: z.string().default('text'),
      source_description: z.string().default(''),
      uuid: z.string().nullish(),
    };
    if (old) {
      tool('add_episode', add, (a) => {
        const { position } = enqueue(a);
        return { message: `Episode '${a.name}' queued for processing (position: ${position})` };
      });
    } else {
      tool('add_memory', { ...add, reference_time: z.string().nullish() }, (a) => {
        if (a.reference_time && Number.isNaN(Date.parse(a.reference_time)))
          return { error: `Invalid reference_time: ${a.reference_time}` };
        const { group } = enqueue(a);
        return { message: `Episode '${a.name}' queued for processing in group '${group}'` };
      });
    }

    const factArgs = {
      query: z.string(),
      group_ids: groupIds,
      max_facts: z.number().int().default(10),
      center_node_uuid: z.string().nullish(),
    };
    tool(old ? 'search_facts' : 'search_memory_facts', factArgs, searchFacts);

    const nodeArgs = {
      query: z.string(),
      group_ids: groupIds,
      max_nodes: z.number().int().default(10),
      center_node_uuid: z.string().nullish(),
    };
    if (old)
      tool('search_memory_nodes', { ...nodeArgs, entity: z.string().default('') }, (a) =>
        searchNodes(a, a.entity ? [a.entity] : undefined),
      );
    else
      tool('search_nodes', { ...nodeArgs, entity_types: z.array(z.string()).nullish() }, (a) =>
        searchNodes(a, a.entity_types ?? undefined),
      );

    if (old) {
      tool('get_episodes', { group_id: z.string().nullish(), last_n: z.number().int().default(10) }, (a) => {
        const group = a.group_id ?? DEFAULT_GROUP;
        // retrieve_episodes(reference_time=now, last_n): the newest by valid_at, returned oldest first.
        const found = episodes
          .filter((e) => e.group_id === group && Date.parse(e.valid_at) <= Date.now())
          .sort((x, y) => y.valid_at.localeCompare(x.valid_at))
          .slice(0, a.last_n)
          .reverse();
        if (!found.length) return { message: `No episodes found for group ${group}`, episodes: [] };
        return found.map((e) => ({
          ...e,
          labels: [],
          entity_edges: edges.filter((d) => d.episodes.includes(e.uuid)).map((d) => d.uuid),
        }));
      });
    } else {
      tool('get_episodes', { group_ids: groupIds, max_episodes: z.number().int().default(10) }, (a) => {
        const groups = groupList(a.group_ids);
        // EpisodicNode.get_by_group_ids: ORDER BY uuid DESC LIMIT max_episodes, not by time. No valid_at.
        const found = episodes
          .filter((e) => groups.includes(e.group_id))
          .sort((x, y) => y.uuid.localeCompare(x.uuid))
          .slice(0, a.max_episodes)
          .map(({ valid_at: _, ...e }) => e);
        return found.length
          ? { message: 'Episodes retrieved successfully', episodes: found }
          : { message: 'No episodes found', episodes: [] };
      });
    }

    tool('delete_episode', { uuid: z.string() }, (a) => deleteEpisode(a.uuid));

    if (old) {
      // clear_data(driver) with no group filter: the whole graph, whatever group_ids says.
      tool('clear_graph', {}, () => {
        clear(null);
        return { message: 'Graph cleared successfully and indices rebuilt' };
      });
      server.registerResource('status', 'http://graphiti/status', { mimeType: 'application/json' }, (uri) => ({
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(status) }],
      }));
    } else {
      tool('clear_graph', { group_ids: groupIds }, (a) => {
        const groups = groupList(a.group_ids);
        clear(groups);
        return { message: `Graph data cleared successfully for group IDs: ${groups.join(', ')}` };
      });
      tool('get_status', {}, () => status);
    }
    return server;
  };

  // Stateful Streamable HTTP sessions, as in the SDK's example and host/daemon/mcp-sessions.ts.
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();
  const fail = (res: ServerResponse, status: number, message: string) => {
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
  };
  const http = createServer((req, res) => {
    void (async () => {
      const id = req.headers['mcp-session-id'];
      if (typeof id === 'string') {
        const session = sessions.get(id);
        if (!session) return fail(res, 404, 'unknown MCP session');
        return session.transport.handleRequest(req, res);
      }
      if (req.method !== 'POST') return fail(res, 400, 'no MCP session: send initialize first');
      const server = mcpServer();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, { transport, server }),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res);
      if (!transport.sessionId) await server.close(); // not an initialize: nothing to keep
    })().catch((err: Error) => {
      if (!res.headersSent) fail(res, 500, err.message);
    });
  });
  const port = await listenOutsideFramePorts(http, '127.0.0.1');

  const settled = async () => {
    // A queue can grow while we wait for it: wait until a pass finds nothing new.
    for (;;) {
      const pending = [...queues.values()];
      await Promise.all(pending);
      const now = [...queues.values()];
      if (now.length === pending.length && now.every((p, i) => p === pending[i])) return;
    }
  };

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    errors,
    settled,
    async close() {
      await settled();
      await Promise.all([...sessions.values()].map((s) => s.server.close().catch(() => {})));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
