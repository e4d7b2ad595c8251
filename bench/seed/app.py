"""The seed's stack, kept for scale: Flask + gunicorn + SQLite serving the
same redirect as shortlink's contract (`GET /{code}`: 302 to the stored URL,
one hit counted, 404 unknown, 410 expired).

It is the yardstick of `scripts/bench`, not a second implementation: one
route, no API. Durability matches shortlink's SQLite default (WAL,
synchronous=FULL): the hit is committed before the 302 leaves.

    SEED_DB=seed.db python3 app.py init bench1 https://example.org/x
    SEED_DB=seed.db gunicorn -w 2 -b 127.0.0.1:8001 app:app
"""

import os
import sqlite3
import sys
import time

from flask import Flask, abort, redirect

DB = os.environ.get("SEED_DB", "seed.db")

app = Flask(__name__)


def connect():
    conn = sqlite3.connect(DB, timeout=5, isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    return conn


@app.get("/<code>")
def follow(code):
    now = int(time.time())
    conn = connect()
    try:
        # One write transaction: read and count under the same lock, as a
        # naive `clicks = clicks + 1` shortener does.
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "SELECT url, expires_at FROM links WHERE code = ?", (code,)
        ).fetchone()
        if row is None:
            conn.execute("ROLLBACK")
            abort(404)
        url, expires_at = row
        if expires_at is not None and expires_at <= now:
            conn.execute("ROLLBACK")
            abort(410)
        conn.execute(
            "UPDATE links SET hits = hits + 1, last_hit_at = ? WHERE code = ?",
            (now, code),
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return redirect(url, code=302)


def init(code, url):
    conn = connect()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS links (code TEXT PRIMARY KEY, url TEXT NOT NULL, "
        "hits INTEGER NOT NULL DEFAULT 0, last_hit_at INTEGER, expires_at INTEGER)"
    )
    conn.execute("INSERT OR REPLACE INTO links (code, url) VALUES (?, ?)", (code, url))
    conn.close()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "init":
        init(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
