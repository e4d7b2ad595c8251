//! The in-process suite: each test starts the server inside the test process
//! (a real Rocket on a free loopback port, a real database) and talks HTTP to
//! it. One binary, one module per area, as in zero2prod's `tests/api/`.
//!
//! The contract runner (`tests/contract.rs`) and the tests that need the real
//! binary's process (`tests/binary/`) are the other two test binaries.

#[path = "../support/mod.rs"]
mod support;

mod auth;
mod consistency;
mod docs_api;
mod durability;
mod galera;
mod harness_auth_cleanup;
mod harness_auth_discrimination;
mod harness_auth_output;
mod harness_coverage;
mod harness_discrimination;
mod harness_nginx;
mod harness_shared_instance;
mod hits;
mod hits_hot;
mod keys_store;
mod lifecycle;
mod load_auth;
mod load_backends;
mod load_discrimination;
mod load_merge;
mod load_prometheus;
mod openapi;
mod outage;
mod ownership;
mod parser_edges;
mod parsers;
mod postgres_store;
mod reliability_redirect;
mod reliability_sqlite_lock;
