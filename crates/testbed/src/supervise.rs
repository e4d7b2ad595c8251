//! Supervised child processes: they cannot outlive the process that started
//! them, and they are stopped by their own PID.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// A running child process started by [`Supervised::spawn`].
#[derive(Debug)]
pub struct Supervised {
    pid: u32,
    name: String,
    /// Fires (or disconnects) once the child has exited and been reaped.
    exited: mpsc::Receiver<()>,
    stopped: bool,
}

impl Supervised {
    /// Spawns `cmd` on a thread that then waits for it. The child gets
    /// `PR_SET_PDEATHSIG(SIGTERM)`, which the kernel fires when the *thread*
    /// that forked it ends; that thread lives exactly as long as the child,
    /// so the child ends when this process ends, even by panic or SIGKILL,
    /// and not before. The child is always reaped (no zombies).
    pub fn spawn(mut cmd: Command, name: &str) -> Result<Supervised, String> {
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let (started_tx, started_rx) = mpsc::channel();
        let (exited_tx, exited_rx) = mpsc::channel();
        let label = name.to_owned();
        std::thread::Builder::new()
            .name(format!("supervise-{name}"))
            .spawn(move || match cmd.spawn() {
                Ok(mut child) => {
                    let _ = started_tx.send(Ok(child.id()));
                    let _ = child.wait();
                    let _ = exited_tx.send(());
                }
                Err(e) => {
                    let _ = started_tx.send(Err(format!("cannot start {label}: {e}")));
                }
            })
            .map_err(|e| format!("cannot start a supervisor thread for {name}: {e}"))?;
        let pid = started_rx
            .recv()
            .map_err(|_| format!("{name} supervisor thread died"))??;
        Ok(Supervised {
            pid,
            name: name.to_owned(),
            exited: exited_rx,
            stopped: false,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// True once the child has exited (it is then reaped).
    pub fn has_exited(&self) -> bool {
        !matches!(self.exited.try_recv(), Err(mpsc::TryRecvError::Empty))
    }

    /// Waits up to `timeout` for the exit; a disconnected channel means the
    /// supervisor thread has reaped the child and ended.
    fn wait_exit(&self, timeout: Duration) -> bool {
        !matches!(
            self.exited.recv_timeout(timeout),
            Err(mpsc::RecvTimeoutError::Timeout)
        )
    }

    /// SIGTERM to this child's PID, then waits up to `grace` for it to exit;
    /// SIGKILL if it has not, and a bounded wait for that too.
    pub fn stop(&mut self, grace: Duration) -> Result<(), String> {
        if !self.begin_stop() {
            return Ok(());
        }
        // The child is unreaped until the supervisor thread says so, so the
        // PID cannot have been reused by another process yet.
        unsafe { libc::kill(self.pid as i32, libc::SIGTERM) };
        if self.wait_exit(grace) {
            return Ok(());
        }
        self.kill_and_wait()?;
        Err(format!(
            "{} (pid {}) ignored SIGTERM for {grace:?}; killed",
            self.name, self.pid
        ))
    }

    /// SIGKILL, as a crash: no shutdown of its own. Waits (bounded) for the
    /// exit.
    pub fn kill(&mut self) -> Result<(), String> {
        match self.begin_stop() {
            true => self.kill_and_wait(),
            false => Ok(()),
        }
    }

    /// Marks the child stopped, so it is signalled once whichever of
    /// [`stop`](Self::stop), [`kill`](Self::kill) or drop comes first; true
    /// when it still runs.
    fn begin_stop(&mut self) -> bool {
        let running = !self.stopped && !self.has_exited();
        self.stopped = true;
        running
    }

    /// Bounded, so a child stuck in the kernel (D state) fails its caller
    /// instead of hanging it.
    fn kill_and_wait(&self) -> Result<(), String> {
        // Unreaped until `wait_exit` says otherwise: the PID is still ours.
        unsafe { libc::kill(self.pid as i32, libc::SIGKILL) };
        match self.wait_exit(Duration::from_secs(10)) {
            true => Ok(()),
            false => Err(format!("{} (pid {}) survived SIGKILL", self.name, self.pid)),
        }
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        let _ = self.stop(Duration::from_secs(30));
    }
}
