"""The record store's SQLite tables and indexes (what each holds: :mod:`indexer.backends.embedded_store`)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notices (
    notice_id TEXT PRIMARY KEY,
    source    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    record    TEXT NOT NULL,
    docs_from INTEGER,
    docs_to   INTEGER
);
CREATE INDEX IF NOT EXISTS notices_source ON notices (source, seq);
CREATE TABLE IF NOT EXISTS docs (
    rowid     INTEGER PRIMARY KEY AUTOINCREMENT,
    target    INTEGER NOT NULL,
    doc_id    TEXT NOT NULL,
    notice_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    deleted   INTEGER NOT NULL DEFAULT 0,
    doc       TEXT,
    shared    TEXT,
    keys      TEXT,
    vector    BLOB,
    text_hash BLOB
);
CREATE INDEX IF NOT EXISTS docs_seq ON docs (seq);
CREATE INDEX IF NOT EXISTS docs_id ON docs (target, doc_id) WHERE deleted = 0;
CREATE TABLE IF NOT EXISTS derived (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shared_keys (
    notice_id TEXT NOT NULL,
    target    INTEGER NOT NULL,
    keys      BLOB NOT NULL,
    PRIMARY KEY (notice_id, target)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notice_heads (
    notice_id TEXT PRIMARY KEY,
    head      BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS codecs (
    codec INTEGER PRIMARY KEY,
    zdict BLOB NOT NULL
);
"""
# The embedder's cache of vectors (layout 3): a live vector found by the hash of the text it was
# computed from, so that an unchanged text is not embedded again and no copy is kept elsewhere.
TEXT_INDEX = "CREATE INDEX IF NOT EXISTS docs_text ON docs (text_hash) WHERE vector IS NOT NULL"
