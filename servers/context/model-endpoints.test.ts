import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../../test/support/fake-openai.js';
import { globalConfigSchema } from '../shared/global-config.js';
import { OptagonHome } from '../shared/optagon-home.js';
import type { ContextBackend } from './backend.js';
import { createProvider } from '../../host/llm/create-provider.js';
import { createContextBackend } from './create-backend.js';
import type { EmbeddedBackend } from './embedded-backend.js';

const G = 'frame_aaaaaaaaaaaa';
const note = (content: string, name = 'note') => ({
  name,
  content,
  source: 'text' as const,
  sourceDescription: 'test',
});

/**
 * The llm extraction path and embeddings, through the real openai and ollama SDKs, against a local
 * fake of their wire formats (no model API is reachable here).
 */
describe('context with a model endpoint (llm extraction, embeddings)', () => {
  let fake: FakeOpenAI;
  let replies: string[] = [];
  let root: string;
  let backend: ContextBackend | undefined;
  const open = (context: Record<string, unknown>) => {
    backend = createContextBackend(
      new OptagonHome(mkdtempSync(join(root, 'home-'))),
      globalConfigSchema.parse({ context }),
      createProvider,
    );
    return backend;
  };
  const add = async (b: ContextBackend, content: string, validAt?: number) =>
    await (
      await b.addEpisode(G, { ...note(content), ...(validAt ? { validAt } : {}) })
    ).processed;
  const facts = async (b: ContextBackend, query: string) =>
    (await b.searchFacts([G], { query, limit: 5, currentOnly: true, reranker: 'rrf' })).map((f) => f.fact);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'optagon-endpoints-'));
    fake = await new FakeOpenAI((_req, i) => replies[i] ?? '{"entities":[],"facts":[]}').start();
  });
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
    fake.chats.length = 0;
    fake.embeddingStatus = undefined;
    replies = [];
  });
  afterAll(async () => {
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const provider of ['openai', 'ollama'] as const) {
    it(`embeddings (${provider}) let search find what no query word names, stored as float32 blobs`, async () => {
      const base_url = provider === 'openai' ? `${fake.url}/v1` : fake.url;
      const b = open({ embeddings: { provider, model: 'embed-small', base_url } });
      await add(b, 'The Billing service uses Postgres.');
      await add(b, 'The Search service uses Elastic.');
      expect((await facts(b, 'which database'))[0]).toBe('Billing uses Postgres');
      const row = (b as EmbeddedBackend).store.db
        .prepare(
          "SELECT length(embedding) AS bytes, embedding_model AS model FROM facts WHERE fact = 'Billing uses Postgres'",
        )
        .get();
      expect(row).toEqual({ bytes: 64 * 4, model: `${provider}:embed-small` });

      const plain = open({});
      await add(plain, 'The Billing service uses Postgres.');
      expect(await facts(plain, 'which database')).toEqual([]); // BM25 and the graph alone cannot
    });
  }

  it('a failing embedding endpoint fails the episode with the reason; its facts are still found by BM25', async () => {
    const b = open({ embeddings: { provider: 'openai', model: 'embed-small', base_url: `${fake.url}/v1` } });
    fake.embeddingStatus = 400;
    const episode = await add(b, 'The Billing service uses Postgres.');
    expect(episode.status).toBe('failed');
    expect(episode.error).toMatch(/embedding with openai embed-small at .* failed: 400.*BM25/);
    expect(await facts(b, 'Postgres')).toEqual(['Billing uses Postgres']);
  });

  const llm = { extraction: 'llm', llm: { provider: 'openai', model: 'extractor-1' } };
  const extraction = (facts: Array<Record<string, unknown>>, entities: Array<Record<string, unknown>> = []) =>
    JSON.stringify({ entities, facts });

  it('llm extraction: one JSON call per episode, checked, resolved; contradictions invalidate', async () => {
    const b = open({ ...llm, llm: { ...llm.llm, base_url: `${fake.url}/v1` } });
    replies = [
      extraction(
        [{ source: 'Payments API', target: 'REST', name: 'USES', fact: 'The Payments API uses REST' }],
        [{ name: 'Payments API', labels: ['Component'], summary: 'Takes card payments' }],
      ),
      extraction([
        { source: 'payments api', target: 'gRPC', name: 'USES', fact: 'The Payments API uses gRPC', replaces: true },
      ]),
    ];
    expect((await add(b, 'We built the Payments API on REST.', Date.UTC(2026, 0, 1))).status).toBe('processed');
    expect((await add(b, 'Payments API is gRPC now.', Date.UTC(2026, 2, 1))).status).toBe('processed');
    expect(fake.chats).toHaveLength(2);
    expect(fake.chats[0]).toMatchObject({ model: 'extractor-1', response_format: { type: 'json_object' } });
    expect(fake.chats[0]!.messages[0]!.content).toMatch(/SCREAMING_SNAKE_CASE/);
    expect(fake.chats[1]!.messages[1]!.content).toMatch(/Known entities: .*Payments API/); // told what the group knows
    expect(await facts(b, 'Payments API')).toEqual(['The Payments API uses gRPC']);
    const nodes = await b.searchNodes([G], { query: 'payments', limit: 5 });
    expect(nodes.filter((n) => n.name === 'Payments API')).toMatchObject([
      { labels: ['Component'], summary: 'Takes card payments' },
    ]);
  });

  it('llm extraction retries once on invalid JSON, then fails the episode with the reason', async () => {
    const b = open({ ...llm, llm: { ...llm.llm, base_url: `${fake.url}/v1` } });
    replies = [
      'Sure! Here it is: {',
      extraction([{ source: 'Worker', target: 'Redis', name: 'USES', fact: 'Worker uses Redis' }]),
    ];
    expect((await add(b, 'The worker uses Redis.')).status).toBe('processed');
    // The retry carries the rejected answer and what was wrong with it.
    expect(fake.chats[1]!.messages.slice(2)).toMatchObject([
      { role: 'assistant', content: 'Sure! Here it is: {' },
      { role: 'user', content: expect.stringMatching(/answer was rejected: not JSON/) },
    ]);

    replies.push('[]', extraction([{ source: 'a', target: 'b', name: 'uses', fact: 'a uses b' }]));
    const failed = await add(b, 'Something else.');
    expect(failed).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/no valid JSON twice.*SCREAMING_SNAKE_CASE/),
    });
    expect(fake.chats).toHaveLength(4);
    expect(await facts(b, 'Redis')).toEqual(['Worker uses Redis']); // the queue went on
  });

  it('a missing API key is an error naming the setting', () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      expect(() => open(llm)).toThrow(
        /context\.llm: no API key for openai; set OPENAI_API_KEY in the daemon's environment, or llm\.openai\.api_key in config\.yaml/,
      );
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
    expect(() => globalConfigSchema.parse({ context: { extraction: 'llm' } })).toThrow(/set context\.llm/);
  });
});
