//! What /proc says about a process (CPU time, peak RSS) and about the
//! machine (cores, memory, CPU model, load average, kernel).

use serde::{Deserialize, Serialize};

/// User + system CPU time of `pid` in milliseconds (fields 14 and 15 of
/// /proc/PID/stat), or `None` once the process is gone.
pub fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses; the
    // fields after its closing parenthesis are plain.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so utime (14) and stime (15) are at 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some((utime + stime) as f64 * 1000.0 / ticks)
}

/// CPU time of a process tree in milliseconds: `pid`'s own and its reaped
/// children's (cutime, cstime), plus the same of each live descendant. A
/// PostgreSQL server is such a tree: a session is a child of the
/// postmaster, and its CPU moves to the postmaster's cutime when it ends,
/// so the sum never drops.
pub fn tree_cpu_ms(pid: u32) -> Option<f64> {
    let mut total = 0.0;
    for p in std::iter::once(pid).chain(descendants(pid)) {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok();
        let Some(stat) = stat else {
            // A descendant that ended between the listing and the read: its
            // time is its parent's cutime by now, or at the next sample.
            if p == pid {
                return None;
            }
            continue;
        };
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime, stime, cutime, cstime: fields 14 to 17.
        for i in 11..=14 {
            total += fields.get(i)?.parse::<f64>().ok()?;
        }
    }
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Some(total * 1000.0 / ticks)
}

/// Memory of a process tree in KiB, now: the sum of each process's
/// proportional set size (Pss, /proc/PID/smaps_rollup), so the shared
/// buffers every PostgreSQL process maps count once, not once per process.
pub fn tree_pss_kib(pid: u32) -> Option<u64> {
    let own = status_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")?;
    Some(
        own + descendants(pid)
            .filter_map(|p| status_kib(&format!("/proc/{p}/smaps_rollup"), "Pss:"))
            .sum::<u64>(),
    )
}

/// Every live process below `pid`, from each process's parent in /proc.
fn descendants(pid: u32) -> impl Iterator<Item = u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
            let ppid = stat[stat.rfind(')')? + 2..]
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((p, ppid))
        })
        .collect();
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(p, pp) in &parents {
            if pp == parent {
                found.push(p);
                frontier.push(p);
            }
        }
    }
    found.into_iter()
}

/// Peak resident set size of `pid` (VmHWM) in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(&format!("/proc/{pid}/status"), "VmHWM:")
}

/// Resets `pid`'s VmHWM to its current RSS, so a long-lived process (the one
/// MariaDB of a whole comparison) can report a per-cell peak. Best effort:
/// older kernels lack it, and then the peak is the run's so far.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// The 1-minute load average.
pub fn loadavg_1m() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn status_kib(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The machine the comparison ran on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
    pub mem_total_mib: u64,
    pub kernel: String,
    /// /proc/loadavg when the run started: other work on the machine skews
    /// every number, and this says how much there was.
    pub loadavg_start: String,
    pub loadavg_end: String,
}

impl Machine {
    pub fn probe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Machine {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model: cpuinfo
                .lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string()),
            mem_total_mib: status_kib("/proc/meminfo", "MemTotal:").unwrap_or(0) / 1024,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or_else(|_| "unknown".to_string(), |s| s.trim().to_string()),
            loadavg_start: loadavg_text(),
            loadavg_end: String::new(),
        }
    }
}

pub fn loadavg_text() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tree_tests {
    #[test]
    fn a_tree_counts_its_children() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("spawn sleep");
        let me = std::process::id();
        assert!(super::descendants(me).any(|p| p == child.id()));
        // Own time first: it only grows, so the tree read after it is never less.
        let own = super::cpu_ms(me).unwrap();
        assert!(super::tree_cpu_ms(me).unwrap() >= own);
        assert!(super::tree_pss_kib(me).unwrap() > 0);
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[cfg(test)]
mod tests {
    //! The parser reads this very process.
    use super::*;

    #[test]
    fn reads_own_cpu_and_rss() {
        let pid = std::process::id();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(cpu_ms(pid).is_some());
        assert!(peak_rss_kib(pid).is_some_and(|k| k > 0));
        assert!(cpu_ms(u32::MAX).is_none());
    }
}
