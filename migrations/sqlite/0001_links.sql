-- AUTOINCREMENT: ids are never reused, so a cursor never lands on a newer link.
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
