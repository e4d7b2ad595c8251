-- API keys (issue 14). Only the SHA-256 of a key's secret is stored; the id is
-- the key's public prefix, so verification is one primary-key lookup.
CREATE TABLE api_keys (
    id            TEXT    NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'author')),
    secret_sha256 BLOB    NOT NULL CHECK (length(secret_sha256) = 32),
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER NULL
);

-- The key that created a link. Links from before keys existed keep NULL:
-- they belong to no author, so only an admin will reach them. No foreign key:
-- a revoked key's row is kept, and SQLite cannot add one with ALTER TABLE.
ALTER TABLE links ADD COLUMN owner_key_id TEXT NULL;
-- An author's listing and stats will filter on it.
CREATE INDEX links_by_owner ON links (owner_key_id, created_at DESC, id DESC);
