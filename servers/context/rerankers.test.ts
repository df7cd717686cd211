import { describe, expect, it } from 'vitest';
import { byDistance, mmr, rrf, wordOverlap } from './rerankers.js';

describe('rank fusion and rerankers', () => {
  it('rrf adds 1/(rank+1) from each list', () => {
    const fused = rrf([
      ['a', 'b', 'c'],
      ['c', 'a'],
    ]);
    expect(fused).toEqual([
      { id: 'a', score: 1 + 1 / 2 },
      { id: 'c', score: 1 / 3 + 1 },
      { id: 'b', score: 1 / 2 },
    ]);
  });

  it('mmr moves a near-duplicate of the top item below a different one', () => {
    const text: Record<string, string> = {
      a: 'Billing service uses Postgres database',
      b: 'Billing service uses Postgres database cluster',
      c: 'Deploys run on Kubernetes',
    };
    const ranked = [
      { id: 'a', score: 1 },
      { id: 'b', score: 0.9 },
      { id: 'c', score: 0.7 },
    ];
    expect(mmr(ranked, (x, y) => wordOverlap(text[x]!, text[y]!)).map((r) => r.id)).toEqual(['a', 'c', 'b']);
    // With λ = 1 it is relevance alone.
    expect(mmr(ranked, (x, y) => wordOverlap(text[x]!, text[y]!), 1).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('byDistance is a stable sort with the unreached last', () => {
    const d: Record<string, number> = { a: 2, b: 0, c: 2 };
    expect(
      byDistance([{ id: 'a' }, { id: 'x' }, { id: 'b' }, { id: 'c' }], (id) => d[id] ?? Infinity).map((r) => r.id),
    ).toEqual(['b', 'a', 'c', 'x']);
  });
});
