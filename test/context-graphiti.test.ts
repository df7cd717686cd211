import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { FactSearch, NewEpisode } from '../servers/context/backend.js';
import { GraphitiBackend } from '../servers/context/graphiti-backend.js';
import type { Episode } from '../servers/context/model.js';
import { listenOutsideFramePorts } from './support/listen.js';
import { startMockGraphiti, type MockGraphiti, type MockGraphitiOptions } from './support/mock-graphiti.js';

// GraphitiBackend against a local imitation of Graphiti's MCP server, over real Streamable HTTP.

const G = 'frame_aaaaaaaaaaaa';
const OTHER = 'frame_bbbbbbbbbbbb';
const JAN = Date.parse('2026-01-01T00:00:00Z');
const FEB = Date.parse('2026-02-01T00:00:00Z');
const MAR = Date.parse('2026-03-01T00:00:00Z');
const APR = Date.parse('2026-04-01T00:00:00Z');

const note = (name: string, content: string, more: Partial<NewEpisode> = {}): NewEpisode => ({
  name,
  content,
  source: 'text',
  sourceDescription: 'test',
  ...more,
});

let mocks: MockGraphiti[] = [];
let backends: GraphitiBackend[] = [];

async function start(opts: MockGraphitiOptions) {
  const mock = await startMockGraphiti(opts);
  mocks.push(mock);
  return { mock, backend: backendFor(mock.url) };
}

/** A backend of its own: a new process, as it were, with no pending episodes and no name cache. */
function backendFor(url: string) {
  const backend = new GraphitiBackend({ url });
  backends.push(backend);
  return backend;
}

afterEach(async () => {
  // Backends first: closing one ends its watchers (their next call fails, so they resolve).
  await Promise.all(backends.map((b) => b.close()));
  await Promise.all(mocks.map((m) => m.close()));
  backends = [];
  mocks = [];
});

/** Adds the episodes one after another, then waits until all are processed. */
async function ingest(backend: GraphitiBackend, group: string, ...inputs: NewEpisode[]): Promise<Episode[]> {
  const processed: Array<Promise<Episode>> = [];
  for (const input of inputs) processed.push((await backend.addEpisode(group, input)).processed);
  const done = await Promise.all(processed);
  for (const e of done) expect(e).toMatchObject({ status: 'processed', error: null, groupId: group });
  return done;
}

const facts = async (backend: GraphitiBackend, query: string, more: Partial<FactSearch> = {}) =>
  (await backend.searchFacts([G], { query, limit: 10, currentOnly: true, reranker: 'rrf', ...more }))
    .map((f) => f.fact)
    .sort();

const toolCalls = (mock: MockGraphiti, tool: string) => mock.calls.filter((c) => c.tool === tool);

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listenOutsideFramePorts(server, '127.0.0.1');
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// The mock reads a uuid given to add_memory as Graphiti does (an existing episode), so sending one would lose the episode.
const NEW: MockGraphitiOptions = { names: 'new' };
const OLD: MockGraphitiOptions = { names: 'old' };

describe('GraphitiBackend against the current Graphiti MCP server (new tool names)', () => {
  it('queues an episode; processed resolves once Graphiti shows it', async () => {
    // A slower queue, so the episode is surely still queued while we look.
    const { mock, backend } = await start({ ...NEW, processMs: 300 });
    const { episode, duplicate, processed } = await backend.addEpisode(G, note('stack', 'The API uses REST.'));
    expect(duplicate).toBe(false);
    expect(episode).toMatchObject({ status: 'queued', groupId: G, name: 'stack', content: 'The API uses REST.' });
    const add = toolCalls(mock, 'add_memory');
    expect(add).toHaveLength(1);
    expect(add[0]!.args).toMatchObject({
      name: 'stack',
      episode_body: 'The API uses REST.',
      group_id: G,
      source: 'text',
      source_description: 'test',
    });
    expect(add[0]!.args.uuid).toBeUndefined();
    expect(Date.parse(add[0]!.args.reference_time)).toBe(episode.validAt);

    // Not processed before the mock's queue has had it.
    const early = await Promise.race([
      processed.then(() => 'resolved'),
      new Promise((r) => setTimeout(() => r('pending'), 50)),
    ]);
    expect(early).toBe('pending');
    const queued = await backend.episodes([G], 10);
    expect(queued.map((e) => [e.uuid, e.status])).toEqual([[episode.uuid, 'queued']]);

    const done = await processed;
    // Graphiti chose the uuid; the time we gave is kept (its get_episodes has no valid_at).
    expect(done).toMatchObject({
      status: 'processed',
      error: null,
      groupId: G,
      name: 'stack',
      validAt: episode.validAt,
    });
    expect(done.uuid).not.toBe(episode.uuid);
    expect(mock.errors).toEqual([]);
    expect(toolCalls(mock, 'get_episodes').length).toBeGreaterThan(0);
    expect((await backend.episodes([G], 10)).map((e) => [e.uuid, e.status])).toEqual([[done.uuid, 'processed']]);
  });

  it('keeps stale facts out unless asked: current only, all, and as of a time', async () => {
    const { mock, backend } = await start(NEW);
    await ingest(
      backend,
      G,
      note('rest', 'The API uses REST.', { validAt: JAN }),
      note('grpc', 'The API moved to gRPC.', { validAt: MAR }),
    );

    expect(await facts(backend, 'API')).toEqual(['API uses gRPC']);
    // Graphiti itself returned both: the filter is ours, and we asked for more than the limit.
    expect(toolCalls(mock, 'search_memory_facts').at(-1)!.args).toMatchObject({
      query: 'API',
      group_ids: [G],
      max_facts: 30,
    });
    expect(await facts(backend, 'API', { currentOnly: false })).toEqual(['API uses REST', 'API uses gRPC']);
    expect(await facts(backend, 'API', { asOf: FEB })).toEqual(['API uses REST']);
    expect(await facts(backend, 'API', { asOf: APR })).toEqual(['API uses gRPC']);
    expect(await facts(backend, 'API', { asOf: Date.parse('2025-12-01T00:00:00Z') })).toEqual([]);

    const rest = (
      await backend.searchFacts([G], { query: 'REST', limit: 10, currentOnly: false, reranker: 'rrf' })
    ).find((f) => f.fact === 'API uses REST')!;
    expect(rest).toMatchObject({ groupId: G, name: 'USES', validAt: JAN, invalidAt: MAR });
    expect(rest.expiredAt).toEqual(expect.any(Number));
    expect(rest.sourceUuid).toBe(rest.source);
    // Another group's question sees nothing of G.
    expect(
      await backend.searchFacts([OTHER], { query: 'API', limit: 10, currentOnly: false, reranker: 'rrf' }),
    ).toEqual([]);
  });

  it('searches nodes, with a label filter passed as entity_types', async () => {
    const { mock, backend } = await start(NEW);
    await ingest(backend, G, note('grpc', 'The API moved to gRPC.'));
    const found = await backend.searchNodes([G], { query: 'gRPC', limit: 5 });
    // gRPC by its name first, then API, whose summary mentions gRPC.
    expect(found.map((n) => n.name)).toEqual(['gRPC', 'API']);
    expect(found[0]).toMatchObject({ groupId: G, labels: [], summary: expect.stringContaining('API uses gRPC') });
    expect(await backend.searchNodes([G], { query: 'gRPC', limit: 5, labels: ['Preference'] })).toEqual([]);
    expect(toolCalls(mock, 'search_nodes').at(-1)!.args).toMatchObject({ entity_types: ['Preference'], max_nodes: 5 });
  });

  it('lists episodes newest first', async () => {
    const { backend } = await start(NEW);
    await ingest(backend, G, note('first', 'one'), note('second', 'two'), note('third', 'three'));
    expect((await backend.episodes([G], 10)).map((e) => e.name)).toEqual(['third', 'second', 'first']);
  });

  it('adds an episode with a dedup key once, in this process and the next', async () => {
    const { mock, backend } = await start(NEW);
    const first = await backend.addEpisode(G, note('commit abc123', 'fix', { dedupKey: 'commit:abc123' }));
    expect(first.duplicate).toBe(false);
    const again = await backend.addEpisode(G, note('commit abc123', 'fix', { dedupKey: 'commit:abc123' }));
    expect(again.duplicate).toBe(true);
    expect(toolCalls(mock, 'add_memory')).toHaveLength(1);
    await first.processed;

    // Another backend learns the names from Graphiti.
    const later = await backendFor(mock.url).addEpisode(G, note('commit abc123', 'fix', { dedupKey: 'commit:abc123' }));
    expect(later.duplicate).toBe(true);
    expect(toolCalls(mock, 'add_memory')).toHaveLength(1);
    // Without a dedup key the same name is added again.
    expect((await backend.addEpisode(G, note('commit abc123', 'fix'))).duplicate).toBe(false);
    expect(toolCalls(mock, 'add_memory')).toHaveLength(2);
  });

  it('deletes an episode only within the given groups', async () => {
    const { mock, backend } = await start(NEW);
    const [theirs] = await ingest(backend, OTHER, note('theirs', 'The Worker uses Redis.'));
    expect(await backend.deleteEpisode([G], theirs!.uuid)).toBe(false);
    expect(toolCalls(mock, 'delete_episode')).toHaveLength(0);
    expect(await backend.deleteEpisode([G, OTHER], theirs!.uuid)).toEqual({ episodes: 1 });
    expect(toolCalls(mock, 'delete_episode').map((c) => c.args)).toEqual([{ uuid: theirs!.uuid }]);
    expect(await backend.episodes([OTHER], 10)).toEqual([]);
    expect(await backend.deleteEpisode([OTHER], theirs!.uuid)).toBe(false);
  });

  it('clears one group and leaves the others', async () => {
    const { mock, backend } = await start(NEW);
    await ingest(backend, G, note('a', 'The API uses REST.'), note('b', 'The Worker uses Redis.'));
    await ingest(backend, OTHER, note('c', 'The CLI uses Node.'));
    expect(await backend.clearGroup(G)).toEqual({ episodes: 2 });
    expect(toolCalls(mock, 'clear_graph').map((c) => c.args)).toEqual([{ group_ids: [G] }]);
    expect(await backend.episodes([G], 10)).toEqual([]);
    expect(await facts(backend, 'API', { currentOnly: false })).toEqual([]);
    expect((await backend.episodes([OTHER], 10)).map((e) => e.name)).toEqual(['c']);
  });

  it("reports Graphiti's status and the episode counts", async () => {
    const { backend } = await start(NEW);
    await ingest(backend, G, note('a', 'one'), note('b', 'two'));
    expect(await backend.status([G])).toEqual({
      episodes: { queued: 0, processing: 0, processed: 2, failed: 0 },
      message: 'Graphiti MCP server is running and connected to mock database',
    });
  });
});

describe('GraphitiBackend against a Graphiti MCP server before v1.0 (old tool names)', () => {
  // Each group here holds at least two episodes: see 'known bugs' for a group of one.

  it('adds, finds facts and nodes, and lists episodes newest first', async () => {
    const { mock, backend } = await start(OLD);
    const [a, b, c] = await ingest(
      backend,
      G,
      note('first', 'The API uses REST.'),
      note('second', 'The Worker uses Redis.'),
      note('third', 'The CLI uses Node.'),
    );
    // add_episode takes no reference_time; the backend sends no uuid to it either.
    expect(toolCalls(mock, 'add_episode').map((x) => Object.keys(x.args).sort())).toEqual(
      Array(3).fill(['episode_body', 'group_id', 'name', 'source', 'source_description']),
    );
    expect(toolCalls(mock, 'get_episodes').at(-1)!.args).toMatchObject({ group_id: G, last_n: 100_000 });
    // Graphiti chose the uuids; processed reports them.
    expect(new Set([a!.uuid, b!.uuid, c!.uuid]).size).toBe(3);

    expect((await backend.episodes([G], 10)).map((e) => e.name)).toEqual(['third', 'second', 'first']);
    expect((await backend.episodes([G], 10)).map((e) => e.uuid)).toEqual([c!.uuid, b!.uuid, a!.uuid]);
    expect(await facts(backend, 'API Worker')).toEqual(['API uses REST', 'Worker uses Redis']);
    expect(toolCalls(mock, 'search_facts')).toHaveLength(1);
    expect((await backend.searchNodes([G], { query: 'Redis', limit: 5 })).map((n) => n.name)).toEqual([
      'Redis',
      'Worker',
    ]);
    expect((await backend.searchNodes([G], { query: 'Redis', limit: 1 })).map((n) => n.name)).toEqual(['Redis']);
    expect(await backend.searchNodes([G], { query: 'Redis', limit: 5, labels: ['Preference'] })).toEqual([]);
    expect(toolCalls(mock, 'search_memory_nodes').at(-1)!.args).toMatchObject({ entity: 'Preference' });
  });

  it('still drops facts a later episode invalidated', async () => {
    const { backend } = await start(OLD);
    // The old server dates every episode by when it processes it, so only the order is ours.
    await ingest(backend, G, note('rest', 'The API uses REST.'), note('grpc', 'The API moved to gRPC.'));
    expect(await facts(backend, 'API')).toEqual(['API uses gRPC']);
    expect(await facts(backend, 'API', { currentOnly: false })).toEqual(['API uses REST', 'API uses gRPC']);
  });

  it('dedup keys, and deletion only within the given groups', async () => {
    const { mock, backend } = await start(OLD);
    const done = await ingest(
      backend,
      OTHER,
      note('x', 'one', { dedupKey: 'k:x' }),
      note('y', 'two'),
      note('z', 'three'),
    );
    expect((await backend.addEpisode(OTHER, note('x', 'one', { dedupKey: 'k:x' }))).duplicate).toBe(true);
    expect(toolCalls(mock, 'add_episode')).toHaveLength(3);

    const x = done[0]!;
    expect(await backend.deleteEpisode([G], x.uuid)).toBe(false);
    expect(toolCalls(mock, 'delete_episode')).toHaveLength(0);
    expect(await backend.deleteEpisode([OTHER], x.uuid)).toEqual({ episodes: 1 });
    expect((await backend.episodes([OTHER], 10)).map((e) => e.name)).toEqual(['z', 'y']);
    // Deleting forgets the name: the key may be added again.
    expect((await backend.addEpisode(OTHER, note('x', 'one', { dedupKey: 'k:x' }))).duplicate).toBe(false);
  });

  it('reads status from the status resource (no get_status tool before 1.0)', async () => {
    const { backend } = await start(OLD);
    await ingest(backend, G, note('a', 'one'));
    expect(await backend.status([G])).toMatchObject({
      episodes: { processed: 1, queued: 0 },
      message: expect.stringMatching(/running/),
    });
  });
});

describe('GraphitiBackend when Graphiti is not there', () => {
  it('says it cannot reach the server and which setting names it', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/mcp`;
    const backend = backendFor(url);
    const search = { query: 'API', limit: 10, currentOnly: true, reranker: 'rrf' } as const;
    await expect(backend.searchFacts([G], search)).rejects.toThrow(
      /cannot reach the Graphiti MCP server.*context\.graphiti\.url/,
    );
    // Not cached: the next call tries again (and fails again the same way).
    await expect(backend.episodes([G], 10)).rejects.toThrow(`cannot reach the Graphiti MCP server at ${url}`);
  });
});

/** Graphiti's own quirks, each met on this side. */
describe('Graphiti quirks', () => {
  it("keeps the time we gave an episode, though the new server's get_episodes has no valid_at", async () => {
    const { backend } = await start(NEW);
    const [done] = await ingest(backend, G, note('rest', 'The API uses REST.', { validAt: JAN }));
    expect(done!.validAt).toBe(JAN);
    expect(done!.createdAt).not.toBe(JAN);
  });

  it('get_episodes is ordered by uuid, so episodes(limit) reads all and returns the newest', async () => {
    const { backend } = await start({ ...NEW, processMs: 20 });
    await ingest(backend, G, ...['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => note(n, n, { validAt: JAN + i * 1000 })));
    const fresh = backendFor((mocks.at(-1) as MockGraphiti).url);
    expect((await fresh.episodes([G], 3)).map((e) => e.name)).toEqual(['f', 'e', 'd']);
  });

  it('old server: a group of one episode (a one-element list arrives as one text item)', async () => {
    const { mock, backend } = await start(OLD);
    await ingest(backend, G, note('only', 'The API uses REST.'));
    const fresh = backendFor(mock.url);
    expect((await fresh.episodes([G], 10)).map((e) => e.name)).toEqual(['only']);
  });

  it('old server: clearGroup refuses, since that clear_graph would wipe every group', async () => {
    const { mock, backend } = await start(OLD);
    await ingest(backend, G, note('a', 'one'), note('b', 'two'));
    await ingest(backend, OTHER, note('c', 'three'));
    await expect(backend.clearGroup(G)).rejects.toThrow(/can only clear every group at once .* upgrade its MCP server/);
    expect(toolCalls(mock, 'clear_graph')).toHaveLength(0);
    expect((await backend.episodes([OTHER], 10)).map((e) => e.name)).toEqual(['c']);
  });

  it('dedup compares keys, not names; the key survives in source_description, hidden from readers', async () => {
    const { mock, backend } = await start(NEW);
    const first = await backend.addEpisode(G, note('same name', 'one', { dedupKey: 'key:1' }));
    const other = await backend.addEpisode(G, note('same name', 'two', { dedupKey: 'key:2' }));
    expect(other.duplicate).toBe(false);
    const renamed = await backend.addEpisode(G, note('another name', 'one', { dedupKey: 'key:1' }));
    expect(renamed).toMatchObject({ duplicate: true, episode: { uuid: first.episode.uuid } });
    expect(toolCalls(mock, 'add_memory').map((c) => c.args.source_description)).toEqual([
      'test [dedup:key:1]',
      'test [dedup:key:2]',
    ]);
    await Promise.all([first.processed, other.processed]);
    expect((await backendFor(mock.url).episodes([G], 10)).map((e) => e.sourceDescription)).toEqual(['test', 'test']);
  });
});
