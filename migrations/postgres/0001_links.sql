-- COLLATE "C": codes are ASCII and compared byte by byte, case-sensitive
-- ("abc" and "ABC" are two links), whatever the cluster's locale.
-- GENERATED ALWAYS AS IDENTITY never reuses an id, so a deleted link's cursor
-- never lands on a newer link created in the same second.
CREATE TABLE links (
    id          BIGINT        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        VARCHAR(32)   COLLATE "C" NOT NULL,
    url         VARCHAR(2048) COLLATE "C" NOT NULL,
    hits        BIGINT        NOT NULL DEFAULT 0,
    created_at  BIGINT        NOT NULL,
    last_hit_at BIGINT        NULL,
    expires_at  BIGINT        NULL,
    CONSTRAINT links_code UNIQUE (code)
);

CREATE INDEX links_by_created ON links (created_at DESC, id DESC);
CREATE INDEX links_by_hits ON links (hits DESC, id DESC);
