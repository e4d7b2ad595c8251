//! API keys in the store (issue 14, the foundation): the same operations on
//! every backend, no raw secret in the MySQL table (PostgreSQL's:
//! `postgres_store.rs`), and databases
//! written by the previous migrations upgrading in place.

use std::path::Path;

use sqlx::migrate::Migrator;
use sqlx::{MySqlPool, SqlitePool};

use crate::support::mariadb;
use shortlink::domain::{Code, NewLink, TargetUrl};
use shortlink::keys::{verify, ApiKey, KeyId, KeyRecord, Role, Scope, ID_LEN, PREFIX};
use shortlink::store::{MemoryStore, MySqlStore, SqliteStore, Store, StoreError};

/// Create, find, verify, list, revoke, on any backend.
pub(crate) async fn exercise(store: &dyn Store) -> ApiKey {
    let admin = ApiKey::generate();
    let author = ApiKey::generate();
    store
        .create_key(&KeyRecord::new(&admin, "ops", Role::Admin, 100))
        .await
        .unwrap();
    store
        .create_key(&KeyRecord::new(&author, "blog", Role::Author, 101))
        .await
        .unwrap();
    let dup = store
        .create_key(&KeyRecord::new(&admin, "again", Role::Author, 102))
        .await;
    assert!(matches!(dup, Err(StoreError::CodeTaken)), "{dup:?}");

    let found = store.find_key(&author.id).await.unwrap();
    assert_eq!(verify(&author, found.as_ref()), Some(Role::Author));
    let forged = ApiKey {
        id: author.id.clone(),
        secret: ApiKey::generate().secret,
    };
    assert_eq!(verify(&forged, found.as_ref()), None);
    let unknown = KeyId::parse("000000000000").unwrap();
    assert!(store.find_key(&unknown).await.unwrap().is_none());

    let listed = store.list_keys().await.unwrap();
    let names: Vec<_> = listed.iter().map(|k| (k.name.as_str(), k.role)).collect();
    assert_eq!(names, [("ops", Role::Admin), ("blog", Role::Author)]);

    assert!(store.revoke_key(&author.id, 200).await.unwrap());
    assert!(
        !store.revoke_key(&author.id, 300).await.unwrap(),
        "revoked twice"
    );
    assert!(!store.revoke_key(&unknown, 300).await.unwrap());
    let found = store.find_key(&author.id).await.unwrap().unwrap();
    assert_eq!(found.revoked_at, Some(200), "the first revocation is kept");
    assert_eq!(verify(&author, Some(&found)), None);
    let admin_found = store.find_key(&admin.id).await.unwrap();
    assert_eq!(verify(&admin, admin_found.as_ref()), Some(Role::Admin));
    admin
}

/// The secret part of a revealed key, by position: base64url secrets may
/// themselves contain `_`, so splitting at the last `_` can yield a short
/// tail that occurs anywhere by chance.
pub(crate) fn secret_of(raw: &str) -> &str {
    let secret = &raw[PREFIX.len() + ID_LEN + 1..];
    assert_eq!(secret.len(), 43, "{} is not a whole secret", secret.len());
    secret
}

async fn sqlite_pool(path: &Path) -> SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    SqlitePool::connect_with(options).await.unwrap()
}

#[tokio::test]
async fn keys_on_memory() {
    exercise(&MemoryStore::new()).await;
}

#[tokio::test]
async fn keys_on_sqlite_leave_no_secret_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let store = SqliteStore::new(sqlite_pool(&db).await).await.unwrap();
    let admin = exercise(&store).await;
    store.close().await;
    let raw = admin.reveal();
    let secret = secret_of(&raw);
    // The database file and its WAL, whichever holds the rows now.
    let mut ids_seen = 0;
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(secret), "raw secret found on disk");
        ids_seen += text.matches(admin.id.as_str()).count();
    }
    assert!(ids_seen > 0, "the files read do not hold the keys at all");
}

#[tokio::test]
async fn keys_on_mysql_leave_no_secret_in_the_table() {
    let url = mariadb::fresh_database().await;
    let pool = MySqlPool::connect(&url).await.unwrap();
    let store = MySqlStore::new(pool.clone()).await.unwrap();
    let admin = exercise(&store).await;
    // Every column of every row, as text.
    let rows: Vec<(String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, name, role, HEX(secret_sha256), created_at, revoked_at FROM api_keys",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT secret_sha256 FROM api_keys WHERE id = ?")
            .bind(admin.id.as_str())
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_key_table_keeps_no_secret(&admin, &rows, &stored);
    store.close().await;
}

/// What a key table may hold after `exercise`: two rows, none of whose
/// columns (every column read as text) shows the admin key or its secret,
/// and the secret's hash as the admin row's `stored` bytes.
pub(crate) fn assert_key_table_keeps_no_secret<Row: std::fmt::Debug>(
    admin: &ApiKey,
    rows: &[Row],
    stored: &[Vec<u8>],
) {
    let raw = admin.reveal();
    let secret = secret_of(&raw);
    assert_eq!(rows.len(), 2);
    let rows_dump = format!("{rows:?}");
    assert!(
        !rows_dump.contains(secret) && !rows_dump.contains(raw.as_str()),
        "{rows_dump}"
    );
    assert_eq!(stored, [admin.secret.hash().to_vec()]);
    assert!(!String::from_utf8_lossy(&stored[0]).contains(secret));
}

/// A migrator holding only the migrations of the previous release (0001),
/// read from copies of the very files the binary embeds, so their checksums
/// match and the current migrator continues from them.
pub(crate) async fn previous_release(backend: &str) -> (tempfile::TempDir, Migrator) {
    let dir = tempfile::tempdir().unwrap();
    let name = "0001_links.sql";
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
        .join(name);
    std::fs::copy(src, dir.path().join(name)).unwrap();
    let migrator = Migrator::new(dir.path()).await.unwrap();
    assert_eq!(migrator.iter().count(), 1);
    (dir, migrator)
}

pub(crate) const OLD_LINK: &str =
    "INSERT INTO links (code, url, hits, created_at, expires_at) VALUES ('old1', 'https://example.org/old', 7, 1000, NULL)";

#[tokio::test]
async fn sqlite_database_of_the_previous_release_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let (_keep, old) = previous_release("sqlite").await;
    let pool = sqlite_pool(&db).await;
    old.run(&pool).await.unwrap();
    sqlx::query(OLD_LINK).execute(&pool).await.unwrap();
    pool.close().await;

    let pool = sqlite_pool(&db).await;
    let store = SqliteStore::new(pool.clone()).await.unwrap();
    the_old_link_survives_owned_by_nobody(&store).await;
    let owners: Vec<Option<String>> =
        sqlx::query_scalar("SELECT owner_key_id FROM links WHERE code = 'old1'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(owners, [None]);
    // The upgraded database works: keys and new links.
    exercise(&store).await;
    new_link_still_works(&store).await;
    store.close().await;
}

#[tokio::test]
async fn mysql_database_of_the_previous_release_upgrades_in_place() {
    let url = mariadb::fresh_database().await;
    let (_keep, old) = previous_release("mysql").await;
    let pool = MySqlPool::connect(&url).await.unwrap();
    old.run(&pool).await.unwrap();
    sqlx::query(OLD_LINK).execute(&pool).await.unwrap();

    let store = MySqlStore::new(pool.clone()).await.unwrap();
    the_old_link_survives_owned_by_nobody(&store).await;
    let owners: Vec<Option<String>> =
        sqlx::query_scalar("SELECT owner_key_id FROM links WHERE code = 'old1'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(owners, [None]);
    exercise(&store).await;
    new_link_still_works(&store).await;
    store.close().await;
}

/// `OLD_LINK` as the current store reads it: intact, and no author's.
pub(crate) async fn the_old_link_survives_owned_by_nobody(store: &dyn Store) {
    let code = Code::parse("old1").unwrap();
    let link = store
        .get(&code, &Scope::All)
        .await
        .unwrap()
        .expect("the old link survives");
    assert_eq!(link.owner, None);
    let author = Scope::Owner(KeyId::parse("0123456789ab").unwrap());
    assert_eq!(
        store.get(&code, &author).await.unwrap(),
        None,
        "a link from before keys belongs to no author"
    );
    assert_eq!(link.url.as_str(), "https://example.org/old");
    assert_eq!((link.hits, link.created_at), (7, 1000));
}

pub(crate) async fn new_link_still_works(store: &dyn Store) {
    let new = NewLink {
        code: None,
        url: TargetUrl::parse("https://example.org/new").unwrap(),
        created_at: 2000,
        expires_at: None,
        owner: KeyId::parse("0123456789ab"),
    };
    let link = shortlink::store::create(store, &new).await.unwrap();
    let author = Scope::Owner(new.owner.clone().unwrap());
    let read = store.get(&link.code, &author).await.unwrap();
    assert_eq!(read.and_then(|l| l.owner), new.owner);
}
