import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FactSearch } from './backend.js';
import { ContextStore } from './context-store.js';
import { curate } from './curate.js';
import { EmbeddedBackend } from './embedded-backend.js';
import { commitEpisode } from './git-history.js';
import { extractHeuristic, type EpisodeInput, type Extraction } from './heuristic-extractor.js';
import type { Episode } from './model.js';

const A = 'frame_aaaaaaaaaaaa';
const B = 'frame_bbbbbbbbbbbb';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe('embedded context backend', () => {
  let backend: EmbeddedBackend;
  const ingest = async (group: string, input: EpisodeInput, validAt: number) => {
    const { processed } = await backend.addEpisode(group, { ...input, validAt });
    const episode = await processed;
    expect(episode).toMatchObject({ status: 'processed', error: null });
    return episode;
  };
  const text = (content: string, name = 'note'): EpisodeInput => ({
    name,
    content,
    source: 'text',
    sourceDescription: 'test',
  });
  const search = async (groups: string[], query: string, more: Partial<FactSearch> = {}) =>
    (await backend.searchFacts(groups, { query, limit: 10, currentOnly: true, reranker: 'rrf', ...more })).map(
      (f) => f.fact,
    );

  beforeEach(() => (backend = new EmbeddedBackend(new ContextStore(':memory:'), (e) => extractHeuristic(e))));
  afterEach(() => backend.close());

  it('a later contradiction invalidates the earlier fact; as_of still answers with it; unrelated facts stay', async () => {
    await ingest(A, text('The API uses REST for every endpoint.'), T0);
    await ingest(A, text('The Worker uses Redis.'), T0 + DAY);
    await ingest(A, text('The API moved to gRPC last week.'), T0 + 10 * DAY);

    expect(await search([A], 'API uses')).toContain('API uses gRPC');
    expect(await search([A], 'API uses')).not.toContain('API uses REST');
    const then = await search([A], 'API uses', { asOf: T0 + 5 * DAY });
    expect(then).toContain('API uses REST');
    expect(then).not.toContain('API uses gRPC');

    const [rest] = await backend.searchFacts([A], { query: 'REST', limit: 1, currentOnly: false, reranker: 'rrf' });
    expect(rest).toMatchObject({ invalidAt: T0 + 10 * DAY, source: 'API', target: 'REST' });
    expect(rest!.expiredAt).toBeGreaterThan(0);
    expect(await search([A], 'Redis')).toEqual(['Worker uses Redis']);
  });

  it('a commit yields its author, files and the errors it fixes', async () => {
    const commit = {
      type: 'commit',
      hash: '4794b74c0ffee',
      subject: 'Fix TypeError in `parseConfig`',
      author: 'Ada',
      files: ['src/config.ts', 'README.md'],
    };
    await ingest(
      A,
      { name: 'commit 4794b74', content: JSON.stringify(commit), source: 'json', sourceDescription: 'git' },
      T0,
    );
    const found = await backend.searchFacts([A], {
      query: 'parseConfig TypeError',
      limit: 10,
      currentOnly: true,
      reranker: 'rrf',
    });
    expect(found.map((f) => f.name).sort()).toEqual(['AUTHORED', 'FIXES', 'MODIFIES', 'MODIFIES']);
    expect(found.find((f) => f.name === 'FIXES')).toMatchObject({ target: 'TypeError' });
  });

  it('groups are isolated; the same episode key is ingested once', async () => {
    await ingest(A, text('The API uses REST.'), T0);
    expect(await search([B], 'API REST')).toEqual([]);
    expect(await search([A, B], 'API REST')).toHaveLength(1);
    const first = await backend.addEpisode(A, { ...text('x'), dedupKey: 'commit:abc' });
    const again = await backend.addEpisode(A, { ...text('x'), dedupKey: 'commit:abc' });
    expect(again).toMatchObject({ duplicate: true, episode: { uuid: first.episode.uuid } });
    await backend.idle();
    expect((await backend.status([A])).episodes).toMatchObject({ processed: 2, queued: 0 });
  });

  it('graph walks find facts the query words do not match, nearest first', async () => {
    await ingest(A, text('The Checkout service uses Stripe.'), T0);
    await ingest(A, text('Stripe runs on Kubernetes.'), T0);
    await ingest(A, text('The Search service uses Elastic.'), T0);
    // "Checkout" matches one fact by BM25; the walk from Checkout reaches Stripe, then Kubernetes.
    const found = await search([A], 'Checkout');
    expect(found.slice(0, 2)).toEqual(['Checkout uses Stripe', 'Stripe runs on Kubernetes']);
    expect(found).not.toContain('Search uses Elastic');
  });

  it('node_distance puts facts near the centre first; mmr spreads the results over subjects', async () => {
    await ingest(A, text('The Billing service uses Postgres.'), T0);
    await ingest(A, text('The Reports service uses Postgres.'), T0);
    await ingest(A, text('Postgres runs on Debian.'), T0);
    const near = await search([A], 'Postgres', { reranker: 'node_distance', centerNode: 'Reports' });
    expect(near[0]).toBe('Reports uses Postgres');
    expect((await search([A], 'Postgres', { reranker: 'node_distance', centerNode: 'Billing' }))[0]).toBe(
      'Billing uses Postgres',
    );
    await expect(search([A], 'Postgres', { reranker: 'node_distance', centerNode: 'Nowhere' })).rejects.toThrow(
      /center_node.*context_search_nodes/,
    );

    const rrfOrder = await search([A], 'Billing Reports uses Postgres');
    const mmrOrder = await search([A], 'Billing Reports uses Postgres', { reranker: 'mmr' });
    expect(new Set(mmrOrder)).toEqual(new Set(rrfOrder)); // reordered, never filtered (rerankers.test.ts checks the order)
  });

  it('entities are merged by normalised and fuzzy names, files never by similarity', async () => {
    await ingest(A, text('The Frontend uses Node.js.'), T0);
    await ingest(A, text('The Backend uses NodeJS.'), T0);
    await ingest(A, text('The Gateway uses `nodejs`.'), T0);
    await ingest(A, text('The Docs site uses Elasticsearch and the Logs service uses ElasticSearch.'), T0);
    const nodes = await backend.searchNodes([A], { query: 'node js nodejs', limit: 10 });
    expect(nodes.map((n) => n.name)).toEqual(['Node.js']);
    await ingest(A, text('Touched src/a-b.ts and src/a_b.ts today.'), T0);
    const files = await backend.searchNodes([A], { query: 'src', limit: 10, labels: ['File'] });
    expect(files.map((n) => n.name).sort()).toEqual(['src/a-b.ts', 'src/a_b.ts']);
    expect((await backend.searchNodes([A], { query: 'Node', limit: 10, labels: ['File'] })).length).toBe(0);
  });

  it('deleting an episode removes what only it produced and gives back what it invalidated', async () => {
    const rest = await ingest(A, text('The API uses REST. See `openapi.yaml`.'), T0);
    const grpc = await ingest(A, text('The API moved to gRPC.'), T0 + DAY);
    await ingest(A, text('The Worker uses gRPC.'), T0 + 2 * DAY);
    expect(await search([A], 'API')).toEqual(['API uses gRPC', 'Worker uses gRPC']); // the second by a walk via gRPC

    expect(await backend.deleteEpisode([B], grpc.uuid)).toBe(false); // not in that group
    expect(await backend.deleteEpisode([A], grpc.uuid)).toEqual({ episodes: 1, facts: 1, entities: 0, restored: 1 });
    expect(await search([A], 'API')).toEqual(['API uses REST']); // and gRPC is no longer reached from API
    expect(await search([A], 'gRPC')).toEqual(['Worker uses gRPC']); // gRPC stays: another episode names it

    const before = await backend.status([A]);
    expect(await backend.deleteEpisode([A], rest.uuid)).toMatchObject({ facts: 1 });
    const after = await backend.status([A]);
    // API, REST and openapi.yaml were only in that episode.
    expect(before.entities! - after.entities!).toBe(3);
    expect((await backend.searchNodes([A], { query: 'openapi', limit: 5 })).length).toBe(0);
  });

  it('clearing a group deletes only that group', async () => {
    await ingest(A, text('The API uses REST.'), T0);
    await ingest(B, text('The API uses SOAP.'), T0);
    expect(await backend.clearGroup(A)).toMatchObject({ episodes: 1, facts: 1, entities: 2 });
    expect(await backend.status([A])).toMatchObject({ entities: 0, facts: 0, episodes: { processed: 0 } });
    expect(await search([B], 'API')).toEqual(['API uses SOAP']);
  });

  it('curation packs related past work, facts and entities into the budget without duplicates', async () => {
    for (let i = 0; i < 40; i++)
      await ingest(
        A,
        text(`The Service${i} module uses Library${i} for the payments flow.`, `payments note ${i}`),
        T0 + i * DAY,
      );
    await ingest(A, text('The Service3 module uses Library3 for the payments flow.', 'repeat'), T0 + 50 * DAY);
    const big = await curate(backend, [A], 'payments flow Service3', 8000, 'frame test');
    // Notes name no files: the block opens with the past work the task's words find.
    expect(big.text).toMatch(/^# What Optagon knows for this task \(frame test\)\n\n## Related past work\n- /);
    expect(big.text).toContain('## Facts (current)');
    expect(big.facts.filter((f) => f.fact === 'Service3 uses Library3')).toHaveLength(1);
    expect(big.tokens).toBeLessThanOrEqual(8000);

    const small = await curate(backend, [A], 'payments flow Service3', 200, 'frame test');
    expect(small.tokens).toBeLessThanOrEqual(200);
    expect(small.truncated).toBe(true);
    expect(small.facts.length).toBeGreaterThan(0);
    expect(small.episodes.length).toBeGreaterThan(0); // every section gets its share
    expect(await curate(backend, [A], 'payments', 0, 'frame test')).toMatchObject({ text: '', tokens: 0 });
  });

  it('curation lists the likely files a line per folder, in shell brace form, and names each in its files', async () => {
    const commit = (i: number, subject: string, files: string[]) =>
      backend.addEpisode(
        A,
        commitEpisode({
          hash: `${i}`.padEnd(40, '0'),
          author: 'Ada',
          date: T0 + i * DAY,
          subject,
          body: '',
          files,
          deleted: [],
        }),
      );
    await commit(1, 'retry budget for billing webhooks', [
      'src/billing/retry.ts',
      'src/billing/webhook.ts',
      'README.md',
    ]);
    await commit(2, 'billing webhooks verify signatures', ['src/billing/webhook.ts', 'src/billing/{odd},name.ts']);
    await backend.idle();
    const block = await curate(backend, [A], 'billing webhooks retry', 2000, 'frame test');
    const section = block.text.split('## Files likely involved\n')[1]!.split('\n\n')[0]!.split('\n');
    expect(block.files).toEqual(
      expect.arrayContaining(['src/billing/retry.ts', 'src/billing/webhook.ts', 'README.md']),
    );
    // One line for the folder, its files in the order of their likelihood; a name with braces or a comma alone.
    const folder = section.find((l) => l.startsWith('- src/billing/{'))!;
    const names = folder.slice('- src/billing/{'.length, -1).split(',');
    expect(names.map((n) => `src/billing/${n}`)).toEqual(
      block.files.filter((f) => f.startsWith('src/billing/') && !f.includes('{')),
    );
    expect(section).toContain('- src/billing/{odd},name.ts');
    expect(section).toContain('- README.md');
    expect(section).toHaveLength(3);
  });

  it('a burst is written in batches: a failing write is rolled back alone, an awaited extraction keeps its place', async () => {
    const order: string[] = [];
    const extract = (e: Episode): Extraction | Promise<Extraction> => {
      order.push(e.name);
      // A fact without a sentence breaks the write after its entities went in: the savepoint must take them back.
      if (e.name === 'broken')
        return {
          entities: [{ name: 'Orphan', labels: [] }],
          facts: [{ source: 'Orphan', target: 'Nowhere', name: 'USES', fact: null as unknown as string }],
        };
      if (e.name === 'slow') return new Promise((resolve) => setTimeout(() => resolve(extractHeuristic(e)), 20));
      return extractHeuristic(e);
    };
    backend = new EmbeddedBackend(new ContextStore(':memory:'), extract);
    const names = ['a', 'broken', 'b', 'slow', 'c', ...Array.from({ length: 150 }, (_, i) => `n${i}`)];
    const added = await Promise.all(
      names.map((name, i) =>
        backend.addEpisode(A, { ...text(`The Api${i} service uses Db${i}.`, name), validAt: T0 + i }),
      ),
    );
    const outcomes = await Promise.all(added.map((a) => a.processed));
    expect([...new Set(order)]).toEqual(names);
    // It broke a batch, whose episodes up to it were extracted again and written one by one.
    expect(order.slice(0, 5)).toEqual(['a', 'broken', 'a', 'broken', 'b']);
    expect(outcomes.map((o) => o.status)).toEqual(names.map((n) => (n === 'broken' ? 'failed' : 'processed')));
    expect(outcomes[1]!.error).toMatch(/NOT NULL/);
    expect(await backend.searchNodes([A], { query: 'Orphan', limit: 5 })).toEqual([]);
    expect(await search([A], 'Api3')).toEqual(['Api3 uses Db3']); // the awaited one
    expect(await backend.status([A])).toMatchObject({
      facts: names.length - 1,
      episodes: { processed: names.length - 1, failed: 1, queued: 0, processing: 0 },
    });
  });

  it('a database from before stemming is re-indexed on open: "use" finds "uses"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optagon-context-'));
    const file = join(dir, 'context.db');
    try {
      backend = new EmbeddedBackend(new ContextStore(file), (e) => extractHeuristic(e));
      await ingest(A, text('The API uses REST.'), T0);
      await backend.close();
      // Schema 6 as it was: FTS without the porter step.
      const old = new Database(file);
      old.exec(`DROP TABLE episodes_vocab; DROP TABLE facts_vocab; DROP TABLE facts_fts;
        CREATE VIRTUAL TABLE facts_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
        INSERT INTO facts_fts (rowid, text) SELECT rowid, fact FROM facts;
        CREATE VIRTUAL TABLE facts_vocab USING fts5vocab(facts_fts, row);
        PRAGMA user_version = 6;`);
      old.close();
      backend = new EmbeddedBackend(new ContextStore(file), (e) => extractHeuristic(e));
      expect(await search([A], 'use')).toEqual(['API uses REST']);
    } finally {
      await backend.close();
      backend = new EmbeddedBackend(new ContextStore(':memory:'), (e) => extractHeuristic(e)); // for afterEach
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('identifiers are split into words on both sides: "allow methods" finds allowMethods', async () => {
    await ingest(A, text('The `allowMethods` option of cors moved to `CorsOptions`.', 'cors note'), T0);
    await ingest(A, text('The router matches paths.', 'router note'), T0 + DAY);
    const found = await backend.searchEpisodes([A], { query: 'allow methods', limit: 5 });
    expect(found.episodes.map((e) => e.name)).toEqual(['cors note']);
    expect(await backend.searchNodes([A], { query: 'cors options', limit: 5 })).toMatchObject([
      { name: 'CorsOptions' },
    ]);
    // Written as one word in the query, it still finds the parts, and the whole.
    expect((await backend.searchEpisodes([A], { query: 'allowMethods', limit: 5 })).episodes[0]?.name).toBe(
      'cors note',
    );
  });

  it("an agent's turn gives what it modified and the errors it met, and ranks as past work", async () => {
    const turn = {
      type: 'agent_turn',
      agent: 'claude-1',
      prompt: 'Fix the token parser',
      reply: 'Fixed the unicode case.',
      files: ['/workspace/src/parser.ts'],
      commands: ['npm test'],
      errors: ['TypeError: cannot read x'],
    };
    await ingest(
      A,
      {
        name: 'agent claude-1 turn: Fix the token parser',
        content: JSON.stringify(turn),
        source: 'json',
        sourceDescription: 'turn',
      },
      T0,
    );
    expect(await search([A], 'parser.ts')).toContain(
      'agent claude-1 modified /workspace/src/parser.ts (asked: Fix the token parser)',
    );
    expect((await search([A], 'TypeError'))[0]).toBe('agent claude-1 ran into TypeError (asked: Fix the token parser)');
    const found = await backend.searchEpisodes([A], { query: 'token parser unicode', limit: 5 });
    expect(found.episodes.map((e) => e.name)).toEqual(['agent claude-1 turn: Fix the token parser']);
    expect(found.files.map((f) => f.name)).toEqual(['/workspace/src/parser.ts']);
  });

  it('a word of Object.prototype in a query is a word like any other', async () => {
    await ingest(A, text('The Parser constructor takes options.', 'parser note'), T0);
    expect((await backend.searchEpisodes([A], { query: 'constructor', limit: 5 })).episodes[0]?.name).toBe(
      'parser note',
    );
    expect(
      await backend.searchFacts([A], { query: 'toString valueOf', limit: 5, currentOnly: true, reranker: 'rrf' }),
    ).toEqual([]);
  });

  it('a database from before identifiers were split is indexed again on open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optagon-context-'));
    const file = join(dir, 'context.db');
    try {
      backend = new EmbeddedBackend(new ContextStore(file), (e) => extractHeuristic(e));
      await ingest(A, text('The `allowMethods` option of cors is checked.', 'cors note'), T0);
      await backend.close();
      // Schema 7 as it was: rows indexed as written, no episode vocabulary.
      const old = new Database(file);
      old.exec(`DROP TABLE episodes_vocab;
        DELETE FROM episodes_fts; INSERT INTO episodes_fts (rowid, text) SELECT rowid, name || char(10) || content FROM episodes;
        PRAGMA user_version = 7;`);
      old.close();
      backend = new EmbeddedBackend(new ContextStore(file), (e) => extractHeuristic(e));
      expect((await backend.searchEpisodes([A], { query: 'allow methods', limit: 5 })).episodes[0]?.name).toBe(
        'cors note',
      );
    } finally {
      await backend.close();
      backend = new EmbeddedBackend(new ContextStore(':memory:'), (e) => extractHeuristic(e)); // for afterEach
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
