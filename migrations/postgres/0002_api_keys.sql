-- API keys (issue 14). Only the SHA-256 of a key's secret is stored; the id is
-- the key's public prefix, so verification is one primary-key lookup.
CREATE TABLE api_keys (
    id            VARCHAR(16)  COLLATE "C" NOT NULL PRIMARY KEY,
    name          VARCHAR(200) NOT NULL,
    role          VARCHAR(16)  COLLATE "C" NOT NULL,
    secret_sha256 BYTEA        NOT NULL CHECK (octet_length(secret_sha256) = 32),
    created_at    BIGINT       NOT NULL,
    revoked_at    BIGINT       NULL
);

-- The key that created a link; NULL for links from before keys existed. No
-- foreign key, as on SQLite and MySQL: a revoked key's row is kept.
ALTER TABLE links ADD COLUMN owner_key_id VARCHAR(16) COLLATE "C" NULL;
CREATE INDEX links_by_owner ON links (owner_key_id, created_at DESC, id DESC);
