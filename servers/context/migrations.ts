/**
 * The context graph's schema (its own SQLite file, `$OPTAGON_HOME/data/context.db`), in Graphiti's
 * model: episodes, entities, facts (entity→entity edges with validity times) and the mentions
 * that tie episodes to entities. Every row carries its group (`frame_<id>`, `shared_global`).
 * Append only, like the frames migrations; times are epoch milliseconds.
 */
export const contextMigrations: readonly string[] = [
  `
  CREATE TABLE episodes (
    uuid TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('message','text','json')),
    source_description TEXT NOT NULL DEFAULT '',
    valid_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','processing','processed','failed')),
    error TEXT,
    processed_at INTEGER,
    dedup_key TEXT
  );
  CREATE INDEX episodes_group_time ON episodes(group_id, valid_at DESC);
  CREATE UNIQUE INDEX episodes_dedup ON episodes(group_id, dedup_key) WHERE dedup_key IS NOT NULL;

  CREATE TABLE entities (
    uuid TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    name TEXT NOT NULL,
    norm_name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    labels TEXT NOT NULL DEFAULT '[]',
    attributes TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    embedding BLOB
  );
  CREATE UNIQUE INDEX entities_norm ON entities(group_id, norm_name);

  CREATE TABLE facts (
    uuid TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    source_uuid TEXT NOT NULL REFERENCES entities(uuid) ON DELETE CASCADE,
    target_uuid TEXT NOT NULL REFERENCES entities(uuid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    fact TEXT NOT NULL,
    episodes TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    expired_at INTEGER,
    valid_at INTEGER,
    invalid_at INTEGER,
    embedding BLOB
  );
  CREATE INDEX facts_source ON facts(group_id, source_uuid, name);
  CREATE INDEX facts_target ON facts(group_id, target_uuid);

  CREATE TABLE mentions (
    episode_uuid TEXT NOT NULL REFERENCES episodes(uuid) ON DELETE CASCADE,
    entity_uuid TEXT NOT NULL REFERENCES entities(uuid) ON DELETE CASCADE,
    PRIMARY KEY (episode_uuid, entity_uuid)
  );
  CREATE INDEX mentions_entity ON mentions(entity_uuid);

  -- BM25 over what people search for; uuid and group ride along unindexed.
  CREATE VIRTUAL TABLE facts_fts USING fts5(uuid UNINDEXED, group_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE entities_fts USING fts5(uuid UNINDEXED, group_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE episodes_fts USING fts5(uuid UNINDEXED, group_id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2');
  `,
  // FTS rows keyed by their table's rowid, so updating or deleting one is a lookup, not a scan.
  // Deleting an episode gives back the facts it invalidated (invalidated_by). Embeddings record
  // their model, so vectors from a changed model are never compared with the new ones.
  `
  DROP TABLE facts_fts;
  DROP TABLE entities_fts;
  DROP TABLE episodes_fts;
  CREATE VIRTUAL TABLE facts_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE entities_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE episodes_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
  INSERT INTO facts_fts (rowid, text) SELECT rowid, fact || char(10) || replace(name, '_', ' ') FROM facts;
  INSERT INTO entities_fts (rowid, text) SELECT rowid, name || char(10) || summary FROM entities;
  INSERT INTO episodes_fts (rowid, text) SELECT rowid, name || char(10) || content FROM episodes;

  ALTER TABLE facts ADD COLUMN invalidated_by TEXT;
  CREATE INDEX facts_invalidated_by ON facts(invalidated_by) WHERE invalidated_by IS NOT NULL;
  ALTER TABLE facts ADD COLUMN embedding_model TEXT;
  ALTER TABLE entities ADD COLUMN embedding_model TEXT;
  CREATE INDEX entities_group ON entities(group_id, created_at);
  -- Filled by ContextStore for rows from before (it is computed in TypeScript).
  ALTER TABLE entities ADD COLUMN fuzzy_key TEXT;
  CREATE INDEX entities_fuzzy ON entities(group_id, fuzzy_key);
  `,
  // Facts looked up by their ends alone (entity uuids are unique across groups): a write matches
  // both ends and the relation (an author with thousands of commits made each new AUTHORED fact
  // scan all the others), and graph walks step from an entity in either direction.
  `
  CREATE INDEX facts_ends ON facts(source_uuid, target_uuid, name);
  CREATE INDEX facts_by_target ON facts(target_uuid);
  `,
  // How many rows hold each term, so search can leave out terms nearly every row has.
  `
  CREATE VIRTUAL TABLE facts_vocab USING fts5vocab(facts_fts, row);
  CREATE VIRTUAL TABLE entities_vocab USING fts5vocab(entities_fts, row);
  `,
  // A walk takes each entity's newest facts first, straight from these (a hub has thousands).
  `
  DROP INDEX IF EXISTS facts_by_target;
  CREATE INDEX facts_from ON facts(source_uuid, valid_at);
  CREATE INDEX facts_to ON facts(target_uuid, valid_at);
  `,
  // The ends-first indexes serve every lookup by entity the group-first ones did, and each index
  // is one more write per fact at ingest; counts and clears by group keep a narrow one.
  `
  DROP INDEX facts_source;
  DROP INDEX facts_target;
  CREATE INDEX facts_group ON facts(group_id, invalid_at);
  `,
  // Porter stemming, so "use" finds "uses" and "fixed" finds "fixes" (model.ts stems query terms the same way).
  `
  DROP TABLE facts_vocab;
  DROP TABLE entities_vocab;
  DROP TABLE facts_fts;
  DROP TABLE entities_fts;
  DROP TABLE episodes_fts;
  CREATE VIRTUAL TABLE facts_fts USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE entities_fts USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE episodes_fts USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2');
  INSERT INTO facts_fts (rowid, text) SELECT rowid, fact || char(10) || replace(name, '_', ' ') FROM facts;
  INSERT INTO entities_fts (rowid, text) SELECT rowid, name || char(10) || summary FROM entities;
  INSERT INTO episodes_fts (rowid, text) SELECT rowid, name || char(10) || content FROM episodes;
  CREATE VIRTUAL TABLE facts_vocab USING fts5vocab(facts_fts, row);
  CREATE VIRTUAL TABLE entities_vocab USING fts5vocab(entities_fts, row);
  `,
  // Identifiers split into their parts in every index (camelCase: model.ts searchable), which SQL
  // cannot compute: the indexes are emptied here and ContextStore fills them again on open.
  // Episodes get a vocabulary too, since search ranks them as well.
  `
  DELETE FROM facts_fts;
  DELETE FROM entities_fts;
  DELETE FROM episodes_fts;
  CREATE VIRTUAL TABLE episodes_vocab USING fts5vocab(episodes_fts, row);
  `,
];
