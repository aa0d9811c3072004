//! Putting an output in place: its folder, a temporary file next to it, the rename.

use std::path::Path;

use super::Instance;
use crate::io::FileHashes;

/// The folder an output goes into.
pub(crate) fn parent_of(out: &Path) -> &Path {
    out.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), String> {
    create_dir_new(dir).map(|_| ())
}

/// Creates `dir` (and its parents) if needed; true when this call made `dir` itself, so
/// that it was empty a moment ago: no output of an earlier run can be in it.
pub(crate) fn create_dir_new(dir: &Path) -> Result<bool, String> {
    let failed = |e: std::io::Error| format!("cannot create the folder `{}`: {e}", dir.display());
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => Ok(true),
        // there already (made before, or by another worker a moment ago)
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(false),
        Err(e) => Err(failed(e)),
    }
}

/// Why [`persist`] wrote nothing under the output's name.
#[derive(Debug)]
pub(crate) enum PersistError {
    /// Without `overwrite`: the output is already there (found by the rename, which never
    /// replaces it; no check before it).
    Exists,
    /// The reason, for the report.
    Failed(String),
}

impl From<String> for PersistError {
    fn from(why: String) -> Self {
        PersistError::Failed(why)
    }
}

/// Writes `instance` to a temporary file next to `out` and renames it to `out` (replacing
/// an existing `out` only with `overwrite`). `ensure_dir(dir, again)` creates the folder;
/// `again` is true when the folder vanished after a first call. Returns the bytes written
/// and, with `hash`, the sha256 of source and output taken on the way
/// ([`crate::io::write_hashing`]).
pub(crate) fn persist(
    instance: Instance,
    out: &Path,
    overwrite: bool,
    hash: bool,
    ensure_dir: &dyn Fn(&Path, bool) -> Result<(), String>,
) -> Result<(u64, FileHashes), PersistError> {
    let dir = parent_of(out);
    ensure_dir(dir, false)?;
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(crate::batch::TEMP_PREFIX)
        .suffix(crate::batch::TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = match builder.tempfile_in(dir) {
        // the folder was removed since this run created it
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            ensure_dir(dir, true)?;
            builder.tempfile_in(dir)
        }
        other => other,
    }
    .map_err(|e| format!("cannot create a file in `{}`: {e}", dir.display()))?;
    let written = instance
        .write_hashing_to(tmp.as_file_mut(), hash)
        .map_err(|e| e.reason().to_string())?;
    let persisted = if overwrite {
        tmp.persist(out).map(|_| ())
    } else {
        tmp.persist_noclobber(out).map(|_| ())
    };
    match persisted {
        Ok(()) => Ok(written),
        Err(e) if !overwrite && e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(PersistError::Exists)
        }
        Err(e) => Err(PersistError::Failed(format!(
            "cannot move the output to `{}`: {}",
            out.display(),
            e.error
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_new_only_when_this_call_made_it() {
        let d = tempfile::tempdir().unwrap();
        let deep = d.path().join("a/b/c");
        assert_eq!(create_dir_new(&deep), Ok(true));
        assert!(deep.is_dir());
        assert_eq!(create_dir_new(&deep), Ok(false));
        assert_eq!(create_dir_new(&d.path().join("a/b")), Ok(false));
        assert_eq!(create_dir_new(&d.path().join("a/b/d")), Ok(true));
        // a file where the folder should be, or above it
        std::fs::write(d.path().join("f"), b"x").unwrap();
        for p in [d.path().join("f"), d.path().join("f/g")] {
            let e = create_dir_new(&p).unwrap_err();
            assert!(e.starts_with("cannot create the folder"), "{e}");
        }
        assert_eq!(create_dir(&deep), Ok(()));
    }
}
