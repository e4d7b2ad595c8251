//! The group-commit writer against a real SQLite file.

use std::time::Duration;

use futures::future::join_all;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{ConnectOptions, SqlitePool};

use crate::domain::TargetUrl;

use super::*;

/// A migrated database in WAL mode, its writer, and a pool to look with.
async fn open(dir: &tempfile::TempDir, busy: Duration) -> (GroupCommit, SqlitePool) {
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("t.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(busy);
    let readers = SqlitePoolOptions::new()
        .connect_with(options.clone())
        .await
        .unwrap();
    sqlx::migrate!("migrations/sqlite")
        .run(&readers)
        .await
        .unwrap();
    let writer = options.connect().await.unwrap();
    (GroupCommit::start(writer), readers)
}

fn new_link(url: &str) -> NewLink {
    NewLink {
        code: None,
        url: TargetUrl::from_store(url.to_owned()),
        created_at: 1_700_000_000_000,
        expires_at: None,
        owner: None,
    }
}

fn code(s: &str) -> Code {
    Code::from_store(s.to_owned())
}

async fn hits(readers: &SqlitePool) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT code, hits FROM links ORDER BY code")
        .fetch_all(readers)
        .await
        .unwrap()
}

// On the current-thread runtime the writer cannot run until every write
// below is queued, so they all land in one group.
#[tokio::test]
async fn concurrent_writes_share_one_transaction_and_a_taken_code_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (writes, readers) = open(&dir, Duration::from_secs(5)).await;
    let inserts = ["aaaa", "bbbb", "aaaa", "cccc"].map(|c| {
        writes.write(move |reply| Job::Insert(code(c), new_link("https://example.com/"), reply))
    });
    let results = join_all(inserts).await;
    assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok());
    assert!(
        matches!(results[2], Err(StoreError::CodeTaken)),
        "{:?}",
        results[2]
    );
    assert_eq!(
        writes.stats(),
        WriteGroups {
            groups: 1,
            writes: 4
        }
    );

    let now = 1_700_000_000_001;
    let redirects = (0..50).map(|_| writes.write(|reply| Job::Hit(code("bbbb"), now, reply)));
    let missing = writes.write(|reply| Job::Hit(code("zzzz"), now, reply));
    let (redirects, missing) = tokio::join!(join_all(redirects), missing);
    assert!(redirects.iter().all(|h| matches!(h, Ok(Hit::Redirect(_)))));
    assert_eq!(missing.unwrap(), Hit::NotFound);
    assert_eq!(
        writes.stats(),
        WriteGroups {
            groups: 2,
            writes: 55
        }
    );
    assert_eq!(
        hits(&readers).await,
        [("aaaa".into(), 0), ("bbbb".into(), 50), ("cccc".into(), 0)]
    );
}

#[tokio::test]
async fn a_group_that_cannot_commit_writes_nothing_and_every_caller_hears_it() {
    let dir = tempfile::tempdir().unwrap();
    let (writes, readers) = open(&dir, Duration::from_millis(200)).await;
    writes
        .write(|reply| Job::Insert(code("keep"), new_link("https://example.com/"), reply))
        .await
        .unwrap();

    // Another process's writer: SQLite's lock, held past the busy timeout.
    let mut other = readers.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *other)
        .await
        .unwrap();
    let (inserted, hit) = tokio::join!(
        writes.write(|reply| Job::Insert(code("lost"), new_link("https://example.org/"), reply)),
        writes.write(|reply| Job::Hit(code("keep"), 1, reply)),
    );
    let deleted = writes
        .write(|reply| Job::Delete(code("keep"), Scope::All, reply))
        .await;
    sqlx::query("ROLLBACK").execute(&mut *other).await.unwrap();
    drop(other);

    assert!(
        matches!(inserted, Err(StoreError::Unavailable(_))),
        "{inserted:?}"
    );
    assert!(matches!(hit, Err(StoreError::Unavailable(_))), "{hit:?}");
    assert!(
        matches!(deleted, Err(StoreError::Unavailable(_))),
        "{deleted:?}"
    );
    assert_eq!(hits(&readers).await, [("keep".into(), 0)]);
    assert_eq!(
        writes.stats(),
        WriteGroups {
            groups: 1,
            writes: 1
        }
    );

    // The writer goes on once the lock is free.
    let hit = writes.write(|reply| Job::Hit(code("keep"), 1, reply)).await;
    assert!(matches!(hit, Ok(Hit::Redirect(_))), "{hit:?}");
}

/// A writer that died (a panic ends its task) is seen as such, and a write
/// gets 503's error at once instead of waiting on a queue nobody reads.
#[tokio::test]
async fn a_dead_writer_is_reported_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (writes, readers) = open(&dir, Duration::from_secs(5)).await;
    assert!(writes.is_running());
    writes.kill();
    for _ in 0..100 {
        if !writes.is_running() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(
        !writes.is_running(),
        "the killed writer still counts as running"
    );
    let written = writes
        .write(|reply| Job::Insert(code("dddd"), new_link("https://example.com/"), reply))
        .await;
    assert!(
        matches!(written, Err(StoreError::Unavailable(_))),
        "{written:?}"
    );
    assert!(hits(&readers).await.is_empty());
}
