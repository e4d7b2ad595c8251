//! The open-file limit a test process needs.
//!
//! A fresh Debian login gets systemd's default soft limit of 1024 files, while
//! the tests run a server, its database pool, nginx connections and two
//! hundred concurrent clients in one process: past 1024 they fail with "Too
//! many open files". The hard limit (524288 by default) is the operator's
//! real ceiling, so the soft one is raised to it, never beyond.

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit (children
/// started afterwards inherit it). Returns the soft limit now in force.
pub fn raise_fd_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur;
            }
        }
    }
    limit.rlim_cur
}

#[cfg(test)]
mod tests {
    /// After the call the soft limit is the hard one.
    #[test]
    fn the_soft_limit_reaches_the_hard_one() {
        let now = super::raise_fd_limit();
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: as above.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(limit.rlim_cur, limit.rlim_max);
        assert_eq!(now, limit.rlim_cur);
    }
}
