//! Where log lines go: appended to one shared buffer that a thread of its
//! own writes to stdout every few milliseconds.
//!
//! Hand-written rather than tracing-appender's non-blocking writer, which
//! hands every line to its thread through a channel: when that thread is
//! parked (it is, between lines), each line costs a futex wake-up and a
//! context switch, and on two cores shared with the load generator that
//! was 15-19 % of `GET /healthz` (scripts/bench, info against warn). Here a
//! line is a `memcpy` under an uncontended mutex; nothing wakes the writer
//! thread until its tick or a full buffer.
//!
//! Not lossy: a writer that finds the buffer full waits for the thread to
//! drain it. The guard writes what is left when dropped; a SIGKILL loses
//! the lines of the last tick at most.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait in the buffer.
const TICK: Duration = Duration::from_millis(20);
/// Past this the writer thread is woken before its tick.
const WAKE_AT: usize = 256 * 1024;
/// Past this, request threads wait for the writer thread: memory stays bounded.
const FULL_AT: usize = 4 * 1024 * 1024;

struct Shared {
    state: Mutex<State>,
    /// The writer thread waits here for its tick, a full buffer or the end.
    filled: Condvar,
    /// Request threads wait here while the buffer is full.
    drained: Condvar,
}

struct State {
    lines: Vec<u8>,
    closed: bool,
}

/// A handle that appends whole lines; cheap to clone, one per event.
#[derive(Clone)]
pub struct LineBuffer {
    shared: Arc<Shared>,
}

/// Stops the writer thread after it wrote everything buffered.
pub struct Guard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl LineBuffer {
    /// Starts the writer thread, which writes to `out`.
    pub fn start(out: impl Write + Send + 'static) -> (LineBuffer, Guard) {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                lines: Vec::with_capacity(WAKE_AT),
                closed: false,
            }),
            filled: Condvar::new(),
            drained: Condvar::new(),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("shortlink-log".into())
            .spawn(move || drain(&worker, out))
            .expect("spawn the log writer thread");
        let guard = Guard {
            shared: shared.clone(),
            thread: Some(thread),
        };
        (LineBuffer { shared }, guard)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while appending left whole lines or none.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn drain(shared: &Shared, mut out: impl Write) {
    let mut spare = Vec::with_capacity(WAKE_AT);
    loop {
        let closed = {
            let mut state = shared.lock();
            if state.lines.len() < WAKE_AT && !state.closed {
                state = shared
                    .filled
                    .wait_timeout(state, TICK)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            std::mem::swap(&mut state.lines, &mut spare);
            state.closed
        };
        shared.drained.notify_all();
        if !spare.is_empty() {
            // Nowhere to report a failed write of the log itself.
            let _ = out.write_all(&spare).and_then(|()| out.flush());
            spare.clear();
        }
        if closed && shared.lock().lines.is_empty() {
            return;
        }
    }
}

impl Write for LineBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut state = self.shared.lock();
        while state.lines.len() >= FULL_AT && !state.closed {
            state = self
                .shared
                .drained
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        state.lines.extend_from_slice(buf);
        if state.lines.len() >= WAKE_AT {
            self.shared.filled.notify_one();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LineBuffer {
    type Writer = LineBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.filled.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Write` the test can read back after the writer thread is done.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Several threads, far more than the full mark: every line arrives
    /// whole and once, and dropping the guard writes the rest.
    #[test]
    fn every_line_arrives_whole_and_once() {
        let sink = Sink::default();
        let (lines, guard) = LineBuffer::start(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut w = lines.clone();
                std::thread::spawn(move || {
                    for i in 0..50_000 {
                        let line = format!("thread {t} line {i:06} {}\n", "x".repeat(40));
                        w.write_all(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        drop(guard);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let mut seen: Vec<&str> = out.lines().collect();
        assert_eq!(seen.len(), 200_000);
        assert!(seen.iter().all(|l| l.len() == 61), "a torn line");
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 200_000, "a line written twice");
    }

    /// A quiet service's line still goes out within a tick or so.
    #[test]
    fn a_lone_line_is_written_without_more_traffic() {
        let sink = Sink::default();
        let (mut lines, _guard) = LineBuffer::start(sink.clone());
        lines.write_all(b"one\n").unwrap();
        std::thread::sleep(TICK * 10);
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"one\n");
    }
}
