import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer, createServices, type OptagonServices } from '../../host/registry.js';
import { OptagonHome } from '../shared/optagon-home.js';

/** The context tools over a real MCP client, on frames that are only registered (no container needed). */
describe('context tools (embedded backend)', () => {
  let root: string;
  let workspaces: string;
  let services: OptagonServices;
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const ok = async <T = Record<string, unknown>>(name: string, args: Record<string, unknown>) => {
    const r = await call(name, args);
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
    return r.structuredContent as T;
  };
  const facts = async (args: Record<string, unknown>) =>
    (await ok<{ facts: Array<{ fact: string }> }>('context_search', args)).facts.map((f) => f.fact);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'optagon-context-'));
    workspaces = mkdtempSync(join(tmpdir(), 'optagon-context-ws-'));
    // This repository is a workspace too (only read: git log).
    writeFileSync(
      join(root, 'config.yaml'),
      `frames:\n  port_range: { start: 33340, end: 33359 }\n  workspace_roots: [${workspaces}, ${process.cwd()}]\n`,
    );
    services = createServices(new OptagonHome(root));
    const server = createMcpServer(services);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    client = new Client({ name: 'context-test', version: '0' });
    await client.connect(b);
    for (const name of ['alpha', 'beta']) {
      mkdirSync(join(workspaces, name));
      await ok('frame_create', { name, workspace: join(workspaces, name) });
    }
  });
  afterAll(async () => {
    await client?.close();
    services?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(workspaces, { recursive: true, force: true });
  });

  it('a failing episode is reported failed with its reason; the next one still processes', async () => {
    const bad = await ok<{ episode: { status: string; error: string } }>('context_add_episode', {
      frame: 'alpha',
      name: 'broken',
      content: '{not json',
      source: 'json',
      wait: true,
    });
    expect(bad.episode).toMatchObject({ status: 'failed', error: expect.stringMatching(/not JSON/) });
    const good = await ok<{ episode: { status: string } }>('context_add_episode', {
      frame: 'alpha',
      name: 'note',
      content: 'The Billing service uses Stripe.',
      wait: true,
    });
    expect(good.episode.status).toBe('processed');
    const status = await ok<{ episodes: Record<string, number>; currentFacts: number }>('context_status', {
      frame: 'alpha',
    });
    expect(status.episodes).toMatchObject({ failed: 1, processed: 1, queued: 0 });
    const { episodes } = await ok<{ episodes: Array<{ name: string }> }>('context_get_episodes', { frame: 'alpha' });
    expect(episodes.map((e) => e.name)).toEqual(['note', 'broken']);
  });

  it('pages through episodes with a cursor, whatever their number', async () => {
    // Five notes of one moment: the order within a tie (added, then uuid) is still one order.
    const at = '2026-01-01T00:00:00.000Z';
    for (const n of [1, 2, 3, 4, 5])
      await ok('context_add_episode', { frame: 'beta', name: `page note ${n}`, content: `note ${n}`, valid_at: at });
    type Page = { episodes: Array<{ name: string; uuid: string }>; next_cursor?: string };
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page: Page = await ok<Page>('context_get_episodes', {
        frame: 'beta',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.episodes.map((e) => e.name));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['page note 1', 'page note 2', 'page note 3', 'page note 4', 'page note 5']);
    const alpha = (await ok<Page>('context_get_episodes', { frame: 'alpha', limit: 1 })).episodes[0]!;
    const wrong = await call('context_get_episodes', { frame: 'beta', cursor: alpha.uuid });
    expect(wrong.isError).toBe(true);
    expect(JSON.stringify(wrong.content)).toMatch(/no episode of these groups; ask again without a cursor/);
  });

  it('answers what is true now and what was true then', async () => {
    await ok('context_add_episode', {
      frame: 'alpha',
      name: 'design',
      content: 'The API uses REST.',
      valid_at: '2026-01-01T00:00:00Z',
      wait: true,
    });
    await ok('context_add_episode', {
      frame: 'alpha',
      name: 'change',
      content: 'The API moved to gRPC.',
      valid_at: '2026-03-01T00:00:00Z',
      wait: true,
    });
    expect((await facts({ frame: 'alpha', query: 'API' }))[0]).toBe('API uses gRPC');
    expect(await facts({ frame: 'alpha', query: 'API' })).not.toContain('API uses REST');
    expect(await facts({ frame: 'alpha', query: 'API', as_of: '2026-02-01T00:00:00Z' })).toEqual(['API uses REST']);
    expect((await facts({ frame: 'alpha', query: 'API', current_only: false })).sort()).toEqual([
      'API uses REST',
      'API uses gRPC',
    ]);
    expect(await facts({ frame: 'alpha', query: 'Stripe' })).toEqual(['Billing uses Stripe']);
  });

  it("ingests this repository's own history once, and a commit's subject words find it and its files", async () => {
    await ok('frame_create', { name: 'repo', workspace: process.cwd() }); // only read: git log
    const log = (await execa('git', ['log', '-1', '--no-merges', '--format=%H%n%s', '--name-only', 'HEAD'])).stdout
      .split('\n')
      .filter(Boolean);
    const [hash, subject, ...files] = log as [string, string, ...string[]];
    const first = await ok<{ commits: number; added: number; skipped: number; failed: number }>('context_ingest_git', {
      frame: 'repo',
    });
    expect(first.commits).toBeGreaterThan(0);
    expect(first).toMatchObject({ added: first.commits, skipped: 0, failed: 0 });
    const again = await ok<{ added: number; skipped: number }>('context_ingest_git', { frame: 'repo' });
    expect(again).toEqual({ commits: first.commits, added: 0, skipped: first.commits, failed: 0 });
    const found = (
      await ok<{ facts: Array<{ name: string; source: string; target: string }> }>('context_search', {
        frame: 'repo',
        query: subject,
        limit: 100,
      })
    ).facts;
    const touched = found
      .filter((f) => f.source === `commit ${hash.slice(0, 12)}` && f.name === 'MODIFIES')
      .map((f) => f.target);
    expect(touched.length).toBeGreaterThan(0);
    for (const file of touched) expect(files).toContain(file);
  });

  it("keeps frames apart unless a frame's config allows cross-frame search", async () => {
    expect(await facts({ frame: 'beta', query: 'Stripe' })).toEqual([]);
    await ok('frame_config_set', { frame: 'beta', values: { context: { cross_frame_search: true } } });
    expect(await facts({ frame: 'beta', query: 'Stripe' })).toEqual(['Billing uses Stripe']);
    expect(await facts({ frame: 'alpha', query: 'Stripe' })).toEqual(['Billing uses Stripe']);
    const err = await call('context_search', { group_ids: ['frame_nothex'], query: 'x' });
    expect(err.isError).toBe(true);
  });

  it('searches entities, deletes an episode, clears a group only with confirm', async () => {
    const { episode } = await ok<{ episode: { uuid: string } }>('context_add_episode', {
      frame: 'beta',
      name: 'cache',
      content: 'The Cache layer uses Memcached. Touched src/cache/store.ts.',
      wait: true,
    });
    const nodes = await ok<{ nodes: Array<{ name: string; labels: string[] }> }>('context_search_nodes', {
      frame: 'beta',
      query: 'cache store',
      labels: ['File'],
    });
    expect(nodes.nodes[0]!.name).toBe('src/cache/store.ts'); // beta sees other frames' files too (cross-frame is on)
    expect(nodes.nodes.every((n) => n.labels.includes('File'))).toBe(true);

    const wrong = await call('context_delete_episode', { frame: 'alpha', uuid: episode.uuid });
    expect(wrong.isError).toBe(true);
    expect(JSON.stringify(wrong.content)).toMatch(
      /no episode .* in group frame_[0-9a-f]{12}; context_get_episodes lists them/,
    );
    expect(await ok('context_delete_episode', { frame: 'beta', uuid: episode.uuid })).toMatchObject({
      episodes: 1,
      facts: 1,
      entities: 3,
    });
    expect(
      (await ok<{ nodes: unknown[] }>('context_search_nodes', { frame: 'beta', query: 'Memcached' })).nodes,
    ).toEqual([]);

    const unconfirmed = await call('context_clear_group', { frame: 'alpha' });
    expect(unconfirmed.isError).toBe(true);
    expect(JSON.stringify(unconfirmed.content)).toMatch(/confirm: true/);
    expect((await ok<{ currentFacts: number }>('context_status', { frame: 'alpha' })).currentFacts).toBeGreaterThan(0);
  });

  it("curates within the frame config's budget, and refuses cross-frame unless the config allows it", async () => {
    const curated = await ok<{ text: string; tokens: number; budgetTokens: number; facts: Array<{ fact: string }> }>(
      'context_curate',
      { frame: 'alpha', task: 'change the API transport' },
    );
    expect(curated.budgetTokens).toBe(8000);
    expect(curated.text).toContain('- API uses gRPC (since 2026-03-01)');
    expect(curated.text).not.toContain('API uses REST');
    await ok('frame_config_set', { frame: 'alpha', values: { context: { context_budget_tokens: 40 } } });
    const small = await ok<{ tokens: number; budgetTokens: number }>('context_curate', {
      frame: 'alpha',
      task: 'change the API transport',
    });
    expect(small.budgetTokens).toBe(40);
    expect(small.tokens).toBeLessThanOrEqual(40);

    const refused = await call('context_curate', { frame: 'alpha', task: 'billing', cross_frame: true });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(/does not allow cross-frame search; set it with frame_config_set/);
  });

  it('clears a group', async () => {
    expect(await ok('context_clear_group', { frame: 'alpha', confirm: true })).toMatchObject({ episodes: 4 });
    expect(await ok('context_status', { frame: 'alpha' })).toMatchObject({
      facts: 0,
      entities: 0,
      backend: 'embedded',
    });
  });
});
