-- API keys (issue 14). Only the SHA-256 of a key's secret is stored; the id is
-- the key's public prefix, so verification is one primary-key lookup.
-- ascii_bin: ids are base62 and case-sensitive.
CREATE TABLE api_keys (
    id            VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    name          VARCHAR(200) CHARACTER SET utf8mb4 NOT NULL,
    role          VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    secret_sha256 BINARY(32)   NOT NULL,
    created_at    BIGINT       NOT NULL,
    revoked_at    BIGINT       NULL
) ENGINE = InnoDB;

-- The key that created a link. Links from before keys existed keep NULL:
-- they belong to no author, so only an admin will reach them. No foreign key,
-- as on SQLite: a revoked key's row is kept, and the schemas stay equivalent.
ALTER TABLE links
    ADD COLUMN owner_key_id VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD KEY links_by_owner (owner_key_id, created_at, id);
