//! The tests that need what only a process has: signals, an exit status, its
//! own memory and log. Each starts `target/<profile>/shortlink` as a child
//! process; the comparison's quick run starts it once per backend.

#[path = "../support/binary.rs"]
mod binary;

mod compare_quick;
mod hits_buffered;
mod keys;
mod reliability_abuse;
mod reliability_restart;
mod startup;
