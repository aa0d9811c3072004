//! What a run keeps in DST besides the outputs: the lock that keeps a second run out,
//! and the temporary files of outputs being written (left by a killed run, removed by the
//! next one).

use std::path::{Path, PathBuf};

use crate::deid;

/// The prefix and suffix of the temporary files outputs are written to.
pub const TEMP_PREFIX: &str = ".dcmanon-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// Removes the temporary files (`.dcmanon-*.tmp`) that a killed run left under `dst`;
/// returns how many, and the ones that could not be removed. Links are not followed.
pub fn remove_stale_temp_files(dst: &Path) -> (usize, Vec<String>) {
    let mut removed = 0;
    let mut errors = Vec::new();
    if !dst.is_dir() {
        return (0, errors);
    }
    for entry in walkdir::WalkDir::new(dst)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file()
            && name.starts_with(TEMP_PREFIX)
            && name.ends_with(TEMP_SUFFIX)
        {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) => errors.push(format!(
                    "cannot remove the temporary file `{}`: {e}",
                    crate::path_text::shown(entry.path())
                )),
            }
        }
    }
    (removed, errors)
}

/// Keeps two runs out of one DST: a file `.dcmanon.lock` (`.dcmanon-K-of-N.lock` for a
/// shard, so that shards can share DST) holding the process id, created when the run
/// starts and removed when it ends. A lock whose process is gone (a killed run) is
/// taken over.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock of `dst` (created if needed); `Err` names the holder.
    pub fn acquire(dst: &Path, shard: Option<(u32, u32)>) -> Result<RunLock, String> {
        let name = match shard {
            Some((k, n)) => format!(".dcmanon-{k}-of-{n}.lock"),
            None => ".dcmanon.lock".to_string(),
        };
        deid::create_dir(dst)?;
        let path = dst.join(name);
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write as _;
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    let alive = holder.is_none_or(|pid| {
                        !cfg!(target_os = "linux") || Path::new(&format!("/proc/{pid}")).exists()
                    });
                    if alive {
                        return Err(format!(
                            "another run (process {}) is writing into `{}`; wait for it, or remove `{}` if no run is",
                            holder.map_or_else(|| "?".to_string(), |p| p.to_string()),
                            crate::path_text::shown(dst),
                            crate::path_text::shown(&path)
                        ));
                    }
                    // its process is gone: a killed run
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => {
                    return Err(format!(
                        "cannot create the lock `{}`: {e}",
                        crate::path_text::shown(&path)
                    ));
                }
            }
        }
        Err(format!(
            "cannot take the lock `{}`",
            crate::path_text::shown(&path)
        ))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
