//! Probes that can block in the kernel run in a child process, so a dead NFS server or a
//! pulled USB disk cannot block the collector: `pvelint __probe` reads one task per line
//! on standard input and answers one JSON line per task. The parent waits a bounded time
//! for each answer; when one does not come, the task is recorded as hung, the child is
//! killed and abandoned (a process in D state may not die; it is not waited for), and a
//! new child takes the remaining tasks. Each hung task costs one timeout, no more.
//!
//! Tasks: `P <path>` examines a path (`stat`; a directory or FIFO is also opened, which
//! is what blocks on a dead mount, and free space is read with `statvfs`); `C <path>`
//! reads a process's `cmdline` (which blocks while that process holds its memory lock).

use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One thing to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// Examine a path (already below `--root`).
    Path(PathBuf),
    /// Read `/proc/<pid>/cmdline` (already below `--root`).
    Cmdline(PathBuf),
}

impl Task {
    fn line(&self) -> Option<String> {
        let (tag, p) = match self {
            Task::Path(p) => ('P', p),
            Task::Cmdline(p) => ('C', p),
        };
        // A path with a newline cannot be sent on one line: it is answered as an error.
        let s = p.to_str()?;
        (!s.contains('\n')).then(|| format!("{tag} {s}\n"))
    }
}

/// A child's answer to one task.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// `present`, `missing` or `error`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_dir: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmdline: Option<String>,
}

/// What became of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done(Reply),
    /// No answer within the bound.
    Hung,
    /// The child could not be started or answered garbage.
    Failed(String),
}

/// How to start the child: normally this executable with `__probe`.
#[derive(Clone, Debug)]
pub struct Prober {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub timeout: Duration,
}

impl Prober {
    /// This executable, `__probe`.
    pub fn current(timeout: Duration) -> std::io::Result<Self> {
        Ok(Prober { program: std::env::current_exe()?, args: vec!["__probe".into()], timeout })
    }

    /// Runs every task; the outcomes come in task order.
    pub fn run(&self, tasks: &[Task]) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = Vec::with_capacity(tasks.len());
        while out.len() < tasks.len() {
            let rest = &tasks[out.len()..];
            let before = out.len();
            self.run_child(rest, &mut out);
            if out.len() == before {
                // The child answered nothing at all: give up on the first task.
                out.push(Outcome::Failed("the probe process did not answer".into()));
            }
        }
        out
    }

    /// One child for `tasks`, until it finishes, hangs or fails.
    fn run_child(&self, tasks: &[Task], out: &mut Vec<Outcome>) {
        let mut child = match Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_clear()
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                out.extend(tasks.iter().map(|_| Outcome::Failed(format!("cannot start the probe process: {e}"))));
                return;
            }
        };
        let mut input = String::new();
        for t in tasks {
            input.push_str(&t.line().unwrap_or_else(|| "X\n".to_string()));
        }
        // Writing happens on its own thread: a child blocked on its first task stops
        // reading, and a large task list would then fill the pipe.
        if let Some(mut stdin) = child.stdin.take() {
            std::thread::spawn(move || {
                let _ = stdin.write_all(input.as_bytes());
            });
        }
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return;
        };
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        for _ in tasks {
            match rx.recv_timeout(self.timeout) {
                Ok(line) => match serde_json::from_str::<Reply>(&line) {
                    Ok(r) => out.push(Outcome::Done(r)),
                    Err(_) => out.push(Outcome::Failed("the probe process answered garbage".into())),
                },
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    out.push(Outcome::Hung);
                    let _ = child.kill();
                    // Not waited for: a child in D state may never be reaped. The reader
                    // thread ends when the pipe closes, or with the process.
                    return;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = child.wait();
                    return;
                }
            }
        }
        let _ = child.wait();
    }
}

/// The child: answers the tasks on standard input, one JSON line each, flushing after
/// each so that the parent sees every answer before a later task blocks.
pub fn serve(input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        let reply = match line.split_once(' ') {
            Some(("P", p)) => probe_path(Path::new(p)),
            Some(("C", p)) => read_cmdline(Path::new(p)),
            _ => Reply { state: "error".into(), ..Reply::default() },
        };
        serde_json::to_writer(&mut output, &reply)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

fn probe_path(path: &Path) -> Reply {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Reply { state: "missing".into(), ..Reply::default() };
        }
        Err(_) => return Reply { state: "error".into(), ..Reply::default() },
    };
    let ft = meta.file_type();
    let mut reply = Reply { state: "present".into(), is_dir: Some(ft.is_dir()), ..Reply::default() };
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_dir() || ft.is_fifo() {
            // Opening is what blocks on a dead mount; a FIFO without a writer blocks the
            // same way, which is how the tests stand in for a hung path.
            if std::fs::File::open(path).is_err() {
                reply.state = "error".into();
                return reply;
            }
        }
        if ft.is_dir() {
            reply.free = free_bytes(path);
        }
    }
    reply
}

#[cfg(unix)]
fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a writable statvfs.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| (st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}

fn read_cmdline(path: &Path) -> Reply {
    let mut buf = Vec::new();
    match std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut buf)) {
        Ok(_) => Reply { state: "present".into(), cmdline: Some(super::sources::cmdline(&buf)), ..Reply::default() },
        Err(_) => Reply { state: "error".into(), ..Reply::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_answers_each_task_on_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cmdline"), b"zfs\0list\0").unwrap();
        let input = format!("P {0}\nP {0}/missing\nC {0}/cmdline\nbogus\n", dir.path().display());
        let mut out = Vec::new();
        serve(input.as_bytes(), &mut out).unwrap();
        let replies: Vec<Reply> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(replies.len(), 4);
        assert_eq!(replies[0].state, "present");
        assert_eq!(replies[0].is_dir, Some(true));
        assert!(replies[0].free.is_some());
        assert_eq!(replies[1].state, "missing");
        assert_eq!(replies[2].cmdline.as_deref(), Some("zfs list"));
        assert_eq!(replies[3].state, "error");
    }

    #[test]
    fn a_child_that_cannot_start_fails_every_task() {
        let p = Prober { program: "/nonexistent/probe".into(), args: vec![], timeout: Duration::from_millis(200) };
        let out = p.run(&[Task::Path("/".into()), Task::Path("/tmp".into())]);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|o| matches!(o, Outcome::Failed(_))));
    }

    #[test]
    fn a_silent_child_is_abandoned_after_the_bound() {
        // `sleep` reads nothing and answers nothing: every task costs one timeout.
        let p = Prober { program: "/bin/sleep".into(), args: vec!["30".into()], timeout: Duration::from_millis(150) };
        let t = std::time::Instant::now();
        let out = p.run(&[Task::Path("/".into()), Task::Path("/tmp".into())]);
        assert_eq!(out, vec![Outcome::Hung, Outcome::Hung]);
        assert!(t.elapsed() < Duration::from_secs(10));
    }
}
