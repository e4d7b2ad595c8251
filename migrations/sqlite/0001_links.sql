-- AUTOINCREMENT: ids are never reused, so a deleted link's cursor never
-- lands on a newer link created in the same second.
CREATE TABLE links (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT    NOT NULL UNIQUE,
    url         TEXT    NOT NULL,
    hits        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    last_hit_at INTEGER NULL,
    expires_at  INTEGER NULL
);

CREATE INDEX links_by_hits ON links (hits DESC, id DESC);
-- The listing order, newest first; ids break ties within a second.
CREATE INDEX links_by_created ON links (created_at DESC, id DESC);
