//! The on-disk queue of de-identified instances waiting for the forward destination.
//!
//! Each entry is one Part 10 file `NNNNNNNNNNNNNNNNNNNN.dcm` (a sequence number, so the
//! names sort in arrival order), written like every output: temporary file, `fsync`,
//! rename, `fsync` of the folder. Only then does the sender hear success. A restart lists
//! the folder and resumes; temporary files of an interrupted write are removed. The queue
//! is bounded in bytes: when full, new instances are refused (status A700H) and the
//! senders keep them. An entry the destination refuses for good is moved to `refused/`,
//! never deleted.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Why an instance could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the spool is full ({used} of {limit} bytes)")]
    Full { used: u64, limit: u64 },
    #[error("cannot write to the spool `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<(PathBuf, u64)>,
    bytes: u64,
    next: u64,
}

/// The queue.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    limit: u64,
    state: Mutex<State>,
    wake: Condvar,
}

/// Writes `bytes` to `path` durably: a temporary file in the same folder, `fsync`,
/// rename over `path`, `fsync` of the folder. Nothing is left at `path` or beside it
/// when it fails.
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dcmanon-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// `fsync` of a folder, so that a rename or removal in it survives a crash.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn sequence_of(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".dcm")?;
    (stem.len() == 20 && stem.bytes().all(|b| b.is_ascii_digit()))
        .then(|| stem.parse().ok())
        .flatten()
}

impl Spool {
    /// Opens (or creates) the spool in `dir`, resuming what an earlier run left there.
    pub fn open(dir: &Path, limit: u64) -> std::io::Result<Spool> {
        std::fs::create_dir_all(dir)?;
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(".dcmanon-") && name.ends_with(".tmp") {
                // an interrupted write: the sender was never told it succeeded
                std::fs::remove_file(&path)?;
            } else if let Some(seq) = sequence_of(&name) {
                entries.push((seq, path, entry.metadata()?.len()));
            }
        }
        entries.sort();
        let mut state = State::default();
        for (seq, path, len) in entries {
            state.next = state.next.max(seq + 1);
            state.bytes += len;
            state.queue.push_back((path, len));
        }
        Ok(Spool {
            dir: dir.to_path_buf(),
            limit,
            state: Mutex::new(state),
            wake: Condvar::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Entries waiting.
    pub fn len(&self) -> usize {
        self.state.lock().map(|s| s.queue.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues one instance durably; returns its path.
    pub fn push(&self, bytes: &[u8]) -> Result<PathBuf, SpoolError> {
        let len = bytes.len() as u64;
        let path = {
            let mut s = self.state.lock().map_err(|_| SpoolError::Io {
                path: self.dir.clone(),
                source: std::io::Error::other("the spool state is poisoned"),
            })?;
            if s.bytes + len > self.limit {
                return Err(SpoolError::Full {
                    used: s.bytes,
                    limit: self.limit,
                });
            }
            // reserve the space and the name before the (slow) write
            s.bytes += len;
            let seq = s.next;
            s.next += 1;
            self.dir.join(format!("{seq:020}.dcm"))
        };
        if let Err(source) = write_durably(&path, bytes) {
            if let Ok(mut s) = self.state.lock() {
                s.bytes = s.bytes.saturating_sub(len);
            }
            return Err(SpoolError::Io { path, source });
        }
        if let Ok(mut s) = self.state.lock() {
            // keep the queue in sequence order even when writes finish out of order
            let at = s.queue.partition_point(|(p, _)| p < &path);
            s.queue.insert(at, (path.clone(), len));
        }
        self.wake.notify_all();
        Ok(path)
    }

    /// The oldest entry, waiting up to `wait` for one.
    pub fn front(&self, wait: Duration) -> Option<PathBuf> {
        let s = self.state.lock().ok()?;
        let (s, _) = self
            .wake
            .wait_timeout_while(s, wait, |s| s.queue.is_empty())
            .ok()?;
        s.queue.front().map(|(p, _)| p.clone())
    }

    /// Wakes the sender (a new entry, or shutdown).
    pub fn wake(&self) {
        self.wake.notify_all();
    }

    /// Removes a sent entry.
    pub fn remove(&self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_file(path)?;
        self.forget(path);
        sync_dir(&self.dir)
    }

    /// Moves an entry the destination refused for good to `refused/`.
    pub fn set_aside(&self, path: &Path) -> std::io::Result<PathBuf> {
        let dir = self.dir.join("refused");
        std::fs::create_dir_all(&dir)?;
        let to = dir.join(path.file_name().unwrap_or_default());
        std::fs::rename(path, &to)?;
        self.forget(path);
        sync_dir(&dir)?;
        sync_dir(&self.dir)?;
        Ok(to)
    }

    fn forget(&self, path: &Path) {
        if let Ok(mut s) = self.state.lock() {
            if let Some(i) = s.queue.iter().position(|(p, _)| p == path) {
                if let Some((_, len)) = s.queue.remove(i) {
                    s.bytes = s.bytes.saturating_sub(len);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_restart_in_order_and_the_bound_holds() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), 10).unwrap();
        let a = spool.push(b"aaaa").unwrap();
        let b = spool.push(b"bbbb").unwrap();
        assert!(matches!(
            spool.push(b"cccc"),
            Err(SpoolError::Full { used: 8, .. })
        ));
        std::fs::write(dir.path().join(".dcmanon-x.tmp"), b"partial").unwrap();
        drop(spool);

        let spool = Spool::open(dir.path(), 10).unwrap();
        assert!(!dir.path().join(".dcmanon-x.tmp").exists());
        assert_eq!(spool.len(), 2);
        assert_eq!(spool.front(Duration::ZERO), Some(a.clone()));
        spool.remove(&a).unwrap();
        assert_eq!(spool.front(Duration::ZERO), Some(b.clone()));
        let c = spool.push(b"cccc").unwrap();
        assert!(c > b, "new entries sort after resumed ones");
        let aside = spool.set_aside(&b).unwrap();
        assert_eq!(std::fs::read(aside).unwrap(), b"bbbb");
        assert_eq!(spool.front(Duration::ZERO), Some(c));
    }
}
