/**
 * How ranked lists become one ranking, as in Graphiti's search: reciprocal rank fusion, then
 * optionally maximal marginal relevance (diversity) or distance from a centre node.
 */

/** Reciprocal rank fusion: each list adds weight/(rank+1) for the items it holds (rank from 0; weight 1 unless given). */
export function rrf(lists: string[][], weights: number[] = []): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  lists.forEach((list, i) =>
    list.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + (weights[i] ?? 1) / (rank + 1))),
  );
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/**
 * Maximal marginal relevance: picks, one at a time, the item with the best
 * λ·relevance − (1−λ)·(its greatest similarity to an item already picked). Relevance is the fused
 * score scaled to [0, 1]; `similarity` compares two items (cosine of embeddings, or word overlap).
 * Each item's greatest similarity so far is kept and compared only with the item just picked, so
 * n items cost n²/2 comparisons (asking every picked item again each round cost n³/6: 5 s for 240
 * facts with word overlap).
 */
export function mmr<T extends { id: string; score: number }>(
  ranked: T[],
  similarity: (a: string, b: string) => number,
  lambda = 0.5,
): T[] {
  const top = ranked[0]?.score || 1;
  const rest = ranked.map((item) => ({ item, maxSim: 0 }));
  const picked: T[] = [];
  while (rest.length) {
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < rest.length; i++) {
      const value = lambda * (rest[i]!.item.score / top) - (1 - lambda) * rest[i]!.maxSim;
      if (value > bestValue) [best, bestValue] = [i, value];
    }
    const chosen = rest.splice(best, 1)[0]!.item;
    picked.push(chosen);
    for (const r of rest) r.maxSim = Math.max(r.maxSim, similarity(r.item.id, chosen.id));
  }
  return picked;
}

/** Stable sort by graph distance from the centre (unreached last); equal distances keep their order. */
export function byDistance<T extends { id: string }>(ranked: T[], distance: (id: string) => number): T[] {
  return ranked
    .map((item, i) => ({ item, i, d: distance(item.id) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.item);
}

/** Word-set overlap (Jaccard), the similarity MMR falls back to when there are no embeddings. */
export function wordOverlap(a: string, b: string): number {
  return setOverlap(wordSet(a), wordSet(b));
}

/** The words wordOverlap compares, to be made once per item when items are compared many times. */
export const wordSet = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);

/** Jaccard similarity of two word sets. */
export function setOverlap(x: ReadonlySet<string>, y: ReadonlySet<string>): number {
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  return x.size + y.size - shared ? shared / (x.size + y.size - shared) : 0;
}
