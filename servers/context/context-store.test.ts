import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextStore } from './context-store.js';
import { extractHeuristic, type EpisodeInput } from './heuristic-extractor.js';

const A = 'frame_aaaaaaaaaaaa';
const B = 'frame_bbbbbbbbbbbb';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe('context store (embedded backend)', () => {
  let store: ContextStore;
  const ingest = (group: string, input: EpisodeInput, validAt: number) => {
    const { episode } = store.addEpisode(group, { ...input, validAt });
    const counts = store.applyExtraction(episode, extractHeuristic(input));
    store.setEpisodeStatus(episode.uuid, 'processed');
    return { episode, counts };
  };
  const text = (content: string): EpisodeInput => ({ name: 'note', content, source: 'text', sourceDescription: 'test' });

  beforeEach(() => (store = new ContextStore(':memory:')));
  afterEach(() => store.close());

  it('a later contradiction invalidates the earlier fact; as_of still answers with it; unrelated facts stay', () => {
    ingest(A, text('The API uses REST for every endpoint.'), T0);
    ingest(A, text('The Worker uses Redis.'), T0 + DAY);
    const moved = ingest(A, text('The API moved to gRPC last week.'), T0 + 10 * DAY);
    expect(moved.counts.invalidated).toBe(1);

    const current = store.searchFacts({ groupIds: [A], query: 'API uses', limit: 5, currentOnly: true });
    expect(current.map((f) => f.fact)).toContain('API uses gRPC');
    expect(current.map((f) => f.fact)).not.toContain('API uses REST');

    const then = store.searchFacts({ groupIds: [A], query: 'API uses', limit: 5, currentOnly: true, asOf: T0 + 5 * DAY }).map((f) => f.fact);
    expect(then).toContain('API uses REST');
    expect(then).not.toContain('API uses gRPC');

    const rest = store.searchFacts({ groupIds: [A], query: 'REST', limit: 5, currentOnly: false })[0]!;
    expect(rest).toMatchObject({ invalidAt: T0 + 10 * DAY, source: 'API', target: 'REST' });
    expect(rest.expiredAt).toBeGreaterThan(0);
    expect(store.searchFacts({ groupIds: [A], query: 'Redis', limit: 5, currentOnly: true }).map((f) => f.fact)).toEqual(['Worker uses Redis']);
  });

  it('a commit yields its author, files and the errors it fixes', () => {
    const commit = { type: 'commit', hash: '4794b74c0ffee', subject: 'Fix TypeError in `parseConfig`', author: 'Ada', files: ['src/config.ts', 'README.md'] };
    const { counts } = ingest(A, { name: 'commit 4794b74', content: JSON.stringify(commit), source: 'json', sourceDescription: 'git' }, T0);
    expect(counts.facts).toBe(4); // authored, modifies ×2, fixes
    const found = store.searchFacts({ groupIds: [A], query: 'parseConfig TypeError', limit: 10, currentOnly: true });
    expect(found.map((f) => f.name).sort()).toEqual(['AUTHORED', 'FIXES', 'MODIFIES', 'MODIFIES']);
    expect(found.find((f) => f.name === 'FIXES')).toMatchObject({ target: 'TypeError' });
  });

  it('groups are isolated; the same episode key is ingested once', () => {
    ingest(A, text('The API uses REST.'), T0);
    expect(store.searchFacts({ groupIds: [B], query: 'API REST', limit: 5, currentOnly: true })).toEqual([]);
    expect(store.searchFacts({ groupIds: [A, B], query: 'API REST', limit: 5, currentOnly: true })).toHaveLength(1);
    const first = store.addEpisode(A, { ...text('x'), dedupKey: 'commit:abc' });
    const again = store.addEpisode(A, { ...text('x'), dedupKey: 'commit:abc' });
    expect(again).toMatchObject({ duplicate: true, episode: { uuid: first.episode.uuid } });
    expect(store.status([A]).episodes).toMatchObject({ processed: 1, queued: 1 });
  });
});
