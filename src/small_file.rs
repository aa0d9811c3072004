//! Reading the small files that configure a run: the key file, profiles and their
//! includes, `--extra-rules` and `convert` inputs, `--files-from` lists.
//!
//! Each must be a regular file (a FIFO would block forever, `/dev/zero` never ends, a
//! folder is a mistake) and below a size limit, checked while reading, so that no
//! configuration file can exhaust memory. The errors say which rule was broken; the
//! caller names the file.

use std::io::Read;
use std::path::Path;

/// Largest profile, include or JSON rule file (a profile of every attribute of the
/// dictionary is about 300 kB).
pub const MAX_PROFILE_BYTES: u64 = 16 << 20;
/// Largest key file (a key is 16 bytes or more; 32 random bytes are plenty).
pub const MAX_KEY_BYTES: u64 = 64 << 10;
/// Largest `--files-from` list (several million paths).
pub const MAX_LIST_BYTES: u64 = 1 << 30;

/// Why a small file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmallFileError {
    #[error("{}", io_reason(.0))]
    Io(#[source] std::io::Error),
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is larger than {} (the limit for this kind of file)", bytes(*.0))]
    TooLarge(u64),
    #[error("it is not UTF-8 text")]
    NotUtf8,
}

impl SmallFileError {
    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, SmallFileError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 30 {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", n >> 10)
    }
}

/// What a non-regular file is, in words.
pub fn kind_of(ft: std::fs::FileType) -> Option<&'static str> {
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
        if ft.is_char_device() || ft.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// The bytes of a regular file of at most `limit` bytes (symbolic links followed).
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, SmallFileError> {
    // checked before opening: opening a FIFO for reading blocks until a writer comes
    let meta = std::fs::metadata(path).map_err(SmallFileError::Io)?;
    if let Some(kind) = kind_of(meta.file_type()) {
        return Err(SmallFileError::NotRegular(kind));
    }
    let file = std::fs::File::open(path).map_err(SmallFileError::Io)?;
    // the file could have been swapped since: check what was opened
    let meta = file.metadata().map_err(SmallFileError::Io)?;
    if let Some(kind) = kind_of(meta.file_type()) {
        return Err(SmallFileError::NotRegular(kind));
    }
    if meta.len() > limit {
        return Err(SmallFileError::TooLarge(limit));
    }
    read_limited(file, limit)
}

/// Everything from a stream (stdin), at most `limit` bytes.
pub fn read_limited(stream: impl Read, limit: u64) -> Result<Vec<u8>, SmallFileError> {
    let mut out = Vec::new();
    stream
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(SmallFileError::Io)?;
    if out.len() as u64 > limit {
        return Err(SmallFileError::TooLarge(limit));
    }
    Ok(out)
}

/// The text of a regular UTF-8 file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, SmallFileError> {
    String::from_utf8(read(path, limit)?).map_err(|_| SmallFileError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_files_are_read() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.txt");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read(&f, 10).unwrap(), b"0123456789");
        assert!(matches!(read(&f, 9), Err(SmallFileError::TooLarge(9))));
        assert!(matches!(
            read(d.path(), 10),
            Err(SmallFileError::NotRegular("a folder"))
        ));
        #[cfg(unix)]
        assert!(matches!(
            read(Path::new("/dev/zero"), 10),
            Err(SmallFileError::NotRegular("a device"))
        ));
        assert!(read(&d.path().join("none"), 10).unwrap_err().is_not_found());
        std::fs::write(&f, [0xFF, 0xFE]).unwrap();
        assert!(matches!(read_text(&f, 10), Err(SmallFileError::NotUtf8)));
        assert!(matches!(
            read_limited(&b"abc"[..], 2),
            Err(SmallFileError::TooLarge(2))
        ));
    }
}
