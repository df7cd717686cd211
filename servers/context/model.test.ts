import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ftsQuery, queryTerms, tokens } from './model.js';

describe('query words', () => {
  it('are the tokens SQLite indexes: porter stems, accents and case folded, non-ASCII letters included', () => {
    const text = `The API uses REST; it used "retries" and fixed parse_config.
      Caféteria données naïves straße größes ошибки 日本語 http2s a1s 8.11.3 sses ies
      ${'x'.repeat(70)}s internationalizations relational conditional hopefulness`;
    const db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2');
             CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);`);
    db.prepare('INSERT INTO t (rowid, text) VALUES (1, ?)').run(text);
    const indexed = db.prepare('SELECT term FROM v ORDER BY "offset"').pluck().all() as string[];
    db.close();
    expect(tokens(text)).toEqual(indexed);
    expect(indexed).toContain('us'); // "uses" and "used" meet "use"
  });

  it('leave out stop words and single letters, keep single digits, one per index term', () => {
    const terms = (text: string) => queryTerms(text).map((t) => t.term);
    expect(terms('What does the Checkout service use? It uses a queue.')).toEqual([
      'checkout',
      'servic',
      'us',
      'queue',
    ]);
    expect(terms('Bump undici to 8.11.3')).toEqual(['bump', 'undici', '8', '11', '3']);
    expect(terms('who wrote it?')).toEqual(['wrote', 'author']); // and the relation's own word
    // FTS5 stems a MATCH query itself, so the query carries the words as written.
    expect(ftsQuery('Speed up `serializeInvoice`')).toBe('"speed" OR "up" OR "serializeinvoice"');
  });
});
