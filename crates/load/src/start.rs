//! `--start-at`: load hosts of one merged run start their users at one
//! wall-clock instant, each once its own set-up (key check, hits read,
//! Prometheus mark) is done, so every host's hits-before read precedes every
//! host's first request.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::bail;

/// How late a host may be and still count as starting together: goose's own
/// start (its users' clients) takes longer than this.
const LATE_ALLOWED: Duration = Duration::from_secs(1);

/// Sleeps until `start_at` (Unix seconds). A host whose set-up ended after
/// it would run beside hosts already loading the target, its hits read
/// after theirs began: refused, with how late it was.
pub async fn wait_until(start_at: u64) -> anyhow::Result<()> {
    let start = UNIX_EPOCH + Duration::from_secs(start_at);
    match start.duration_since(SystemTime::now()) {
        Ok(wait) => {
            tokio::time::sleep(wait).await;
            Ok(())
        }
        Err(late) if late.duration() <= LATE_ALLOWED => Ok(()),
        Err(late) => bail!(
            "--start-at {start_at} passed {:.1} s before this host's set-up was done: \
             give the hosts more time (a start further ahead)",
            late.duration().as_secs_f64()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
    }

    #[tokio::test]
    async fn waits_for_a_future_start_and_refuses_a_passed_one() {
        let before = std::time::Instant::now();
        let start = now() + 2;
        wait_until(start).await.expect("a start ahead");
        assert!(now() >= start, "woke before the start");
        assert!(before.elapsed() <= Duration::from_secs(3));

        let err = wait_until(now() - 10).await.unwrap_err().to_string();
        assert!(err.contains("passed"), "{err}");
    }
}
