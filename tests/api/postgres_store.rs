//! The PostgreSQL store below the HTTP layer: API keys with no raw secret in
//! the table, a database of the previous release upgrading in place, the
//! error classes the handlers map to 409 and 503, and exact hits from
//! concurrent redirects of one link and of many.

use std::sync::Arc;

use sqlx::PgPool;

use crate::keys_store::{
    assert_key_table_keeps_no_secret, exercise, new_link_still_works, previous_release,
    the_old_link_survives_owned_by_nobody, OLD_LINK,
};
use crate::support::postgres;
use shortlink::domain::{Code, NewLink, TargetUrl};
use shortlink::keys::Scope;
use shortlink::store::{Hit, PostgresStore, Store, StoreError};

async fn fresh_store() -> (PgPool, PostgresStore) {
    let url = postgres::fresh_database().await;
    let pool = PgPool::connect(&url).await.unwrap();
    let store = PostgresStore::new(pool.clone()).await.unwrap();
    (pool, store)
}

fn new_link(url: &str, expires_at: Option<i64>) -> NewLink {
    NewLink {
        url: TargetUrl::parse(url).unwrap(),
        code: None,
        created_at: 1_000,
        expires_at,
        owner: None,
    }
}

#[tokio::test]
async fn keys_on_postgres_leave_no_secret_in_the_table() {
    let (pool, store) = fresh_store().await;
    let admin = exercise(&store).await;
    let rows: Vec<(String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, role, encode(secret_sha256, 'hex'), created_at, revoked_at FROM api_keys",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT secret_sha256 FROM api_keys WHERE id = $1")
            .bind(admin.id.as_str())
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_key_table_keeps_no_secret(&admin, &rows, &stored);
    store.close().await;
}

#[tokio::test]
async fn postgres_database_of_the_previous_release_upgrades_in_place() {
    let url = postgres::fresh_database().await;
    let (_keep, old) = previous_release("postgres").await;
    let pool = PgPool::connect(&url).await.unwrap();
    old.run(&pool).await.unwrap();
    sqlx::query(OLD_LINK).execute(&pool).await.unwrap();

    let store = PostgresStore::new(pool.clone()).await.unwrap();
    the_old_link_survives_owned_by_nobody(&store).await;
    exercise(&store).await;
    new_link_still_works(&store).await;
    store.close().await;
}

/// A taken code is `CodeTaken` (409), never a 500; codes are case-sensitive.
#[tokio::test]
async fn a_taken_code_is_a_conflict_and_case_matters() {
    let (_pool, store) = fresh_store().await;
    let link = new_link("https://example.org/a", None);
    store
        .insert(Code::parse("Same").unwrap(), &link)
        .await
        .unwrap();
    let again = store.insert(Code::parse("Same").unwrap(), &link).await;
    assert!(matches!(again, Err(StoreError::CodeTaken)), "{again:?}");
    store
        .insert(Code::parse("same").unwrap(), &link)
        .await
        .unwrap();
    store.close().await;
}

/// A database that is gone is `Unavailable` (503), not `Other` (500).
#[tokio::test]
async fn a_closed_pool_is_unavailable() {
    let (pool, store) = fresh_store().await;
    pool.close().await;
    let got = store.get(&Code::parse("gone").unwrap(), &Scope::All).await;
    assert!(matches!(got, Err(StoreError::Unavailable(_))), "{got:?}");
}

/// Concurrent redirects, grouped or not, hot link or many: every one counted
/// exactly once, expired links never counted, missing ones not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_hits_are_exact() {
    let (_pool, store) = fresh_store().await;
    let store = Arc::new(store);
    let codes: Vec<Code> = ["hot", "warm1", "warm2"]
        .iter()
        .map(|c| Code::parse(c).unwrap())
        .collect();
    for code in &codes {
        let link = new_link("https://example.org/h", None);
        store.insert(code.clone(), &link).await.unwrap();
    }
    let expired = Code::parse("old").unwrap();
    let link = new_link("https://example.org/o", Some(2_000));
    store.insert(expired.clone(), &link).await.unwrap();

    let mut tasks = Vec::new();
    for i in 0..400usize {
        let store = store.clone();
        // Four in five on the hot link, the rest spread over the others.
        let code = match i % 5 {
            0 => codes[1 + i % 2].clone(),
            _ => codes[0].clone(),
        };
        let expired = expired.clone();
        tasks.push(tokio::spawn(async move {
            let hit = store.hit(&code, 1_500 + i as i64).await.unwrap();
            assert!(matches!(hit, Hit::Redirect(_)), "{hit:?}");
            // Live until 2 000, expired from then on.
            let at = 1_800 + i as i64;
            let old = store.hit(&expired, at).await.unwrap();
            let want_live = at < 2_000;
            assert_eq!(matches!(old, Hit::Redirect(_)), want_live, "{at}: {old:?}");
            let missing = store.hit(&Code::parse("nope").unwrap(), 0).await.unwrap();
            assert_eq!(missing, Hit::NotFound);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let hits = |code: &Code| {
        let store = store.clone();
        let code = code.clone();
        async move { store.get(&code, &Scope::All).await.unwrap().unwrap() }
    };
    let hot = hits(&codes[0]).await;
    assert_eq!(hot.hits, 320);
    assert_eq!(hot.last_hit_at, Some(1_500 + 399));
    assert_eq!(hits(&codes[1]).await.hits + hits(&codes[2]).await.hits, 80);
    assert_eq!(hits(&expired).await.hits, 200);
    store.close().await;
}
