-- ascii_bin: codes are ASCII and case-sensitive ("abc" and "ABC" are two links).
CREATE TABLE links (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code        VARCHAR(32)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    url         VARCHAR(2048) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    hits        BIGINT        NOT NULL DEFAULT 0,
    created_at  BIGINT        NOT NULL,
    last_hit_at BIGINT        NULL,
    expires_at  BIGINT        NULL,
    UNIQUE KEY links_code (code),
    KEY links_by_created (created_at, id),
    KEY links_by_hits (hits, id)
) ENGINE = InnoDB;
