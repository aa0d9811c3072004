//! Input discovery: which files a run processes and where each output goes.
//!
//! SRC is a file, a folder or a nested tree; the outputs mirror the relative paths
//! under DST. Walk errors (unreadable folders, symlink loops) become failed inputs
//! instead of being dropped. The order is sorted by relative path, so runs, reports
//! and shards are deterministic. [`stream`] hands the inputs out while walking (what
//! `run` uses: nothing per file is kept); [`discover`] collects them in a list.
//! `--files-from` replaces the walk with a list, and `--shard K/N` keeps the inputs whose
//! relative path hashes to shard K.
//!
//! This module never opens an input file; it also refuses a DST inside SRC, so a run
//! can never write into its source.

use std::path::{Component, Path, PathBuf};

/// One input of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The source file.
    pub src: PathBuf,
    /// Its path relative to SRC (the file name when SRC is a file).
    pub rel: PathBuf,
    /// Where its output goes (unless outputs are renamed from UIDs).
    pub dst: PathBuf,
    /// The file's type as the walk saw it, links followed (from the directory entry: no
    /// system call); `None` when it was not walked (one file, a `--files-from` list), and
    /// the file is looked at before it is opened.
    pub seen: Option<std::fs::FileType>,
}

/// An input, or a place the walk could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(Job),
    /// A path that could not be listed or read (reported as a failure of the run).
    Unreadable {
        path: PathBuf,
        reason: String,
    },
}

/// Why a run cannot start (a usage error).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum WalkError {
    #[error("the source `{0}` does not exist")]
    #[diagnostic(code(anon::run::no_source))]
    NoSource(PathBuf),
    #[error("the output `{dst}` is a file, but the source `{src}` is a folder")]
    #[diagnostic(
        code(anon::run::dst_is_file),
        help("give a folder (new or existing) as the output of a folder")
    )]
    DstIsFile { src: PathBuf, dst: PathBuf },
    #[error("the output `{dst}` is inside the source `{src}`")]
    #[diagnostic(
        code(anon::run::dst_in_src),
        help("choose an output folder outside the source tree; the source is never written to")
    )]
    DstInSource { src: PathBuf, dst: PathBuf },
    #[error("the {what} `{path}` is inside the source `{src}`")]
    #[diagnostic(
        code(anon::run::output_in_src),
        help("write it outside the source tree; the source is never written to")
    )]
    OutputInSource {
        what: &'static str,
        path: PathBuf,
        src: PathBuf,
    },
    #[error("the {what} `{path}` is the output `{dst}`")]
    #[diagnostic(code(anon::run::output_is_dst), help("choose another file"))]
    OutputIsDst {
        what: &'static str,
        path: PathBuf,
        dst: PathBuf,
    },
    #[error("cannot read the file list `{path}`")]
    #[diagnostic(code(anon::run::files_from))]
    FilesFrom {
        path: PathBuf,
        #[source]
        source: crate::small_file::SmallFileError,
    },
    #[error("`{0}` in the file list is not a relative path inside the source")]
    #[diagnostic(
        code(anon::run::files_from_path),
        help("list paths relative to SRC, without `..`")
    )]
    FilesFromPath(String),
    #[error("`{0}` is not a shard: write K/N with 1 <= K <= N, like `2/8`")]
    #[diagnostic(code(anon::run::shard))]
    Shard(String),
}

/// `--shard K/N`: this process handles shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = WalkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || WalkError::Shard(s.to_string());
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether a relative path belongs to this shard (FNV-1a of the path with `/`
    /// separators: stable across machines and runs).
    pub fn contains(&self, rel: &Path) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (i, c) in rel.components().enumerate() {
            if i > 0 {
                h ^= u64::from(b'/');
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            for b in c.as_os_str().as_encoded_bytes() {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// An absolute, normalised form of a path that may not exist yet (for containment checks).
pub fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    // canonicalize the nearest existing ancestor, then append the rest
    let mut existing = p.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
        if existing.as_os_str().is_empty() {
            existing = PathBuf::from(".");
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

/// Refuses a file the run writes besides its outputs (`what`: "report") when it is
/// inside SRC (or is SRC, a file), or is the output file itself: such a file would
/// overwrite a source or an output. Links are followed, so a link into SRC is refused too.
pub fn check_side_output(
    what: &'static str,
    path: &Path,
    src: &Path,
    dst: &Path,
) -> Result<(), WalkError> {
    let abs = absolute(path);
    if abs.starts_with(absolute(src)) {
        return Err(WalkError::OutputInSource {
            what,
            path: path.to_path_buf(),
            src: src.to_path_buf(),
        });
    }
    if src.is_file() && !dst.is_dir() && abs == absolute(dst) {
        return Err(WalkError::OutputIsDst {
            what,
            path: path.to_path_buf(),
            dst: dst.to_path_buf(),
        });
    }
    Ok(())
}

/// How SRC is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkOptions {
    /// Into subfolders (the default), or only SRC's own files (`--type folder`).
    pub recursive: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions { recursive: true }
    }
}

/// Whether a path names a folder by its form: it ends with `/` (`run in.dcm newdir/`).
fn names_a_folder(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    b.ends_with(b"/") || (cfg!(windows) && b.ends_with(b"\\"))
}

/// Lists the inputs of a run (sorted by relative path), after checking that DST is
/// not inside SRC, walking the whole tree.
pub fn discover(
    src: &Path,
    dst: &Path,
    files_from: Option<&[String]>,
    shard: Option<Shard>,
) -> Result<Vec<Input>, WalkError> {
    discover_with(src, dst, files_from, shard, WalkOptions::default())
}

/// [`discover`] with options.
///
/// Symbolic links are followed (to files and to folders), except a link that leads
/// into DST, which is never walked: a run never reads its own outputs. A link loop is
/// reported as a failed input.
pub fn discover_with(
    src: &Path,
    dst: &Path,
    files_from: Option<&[String]>,
    shard: Option<Shard>,
    options: WalkOptions,
) -> Result<Vec<Input>, WalkError> {
    let mut inputs: Vec<Input> = stream(src, dst, files_from, shard, options)?.collect();
    inputs.sort_by(|a, b| key(a).cmp(key(b)));
    Ok(inputs)
}

/// The inputs of [`discover_with`], handed out while the walk goes on: nothing per file
/// is kept (a run over millions of files holds only the folders being walked, each one's
/// entries sorted). The order is the walk's: by relative path, as [`discover_with`]
/// sorts them, except that a place the walk cannot read comes where the walk meets it.
/// A `--files-from` list is sorted (and a path listed twice is one input).
pub fn stream<'a>(
    src: &'a Path,
    dst: &'a Path,
    files_from: Option<&[String]>,
    shard: Option<Shard>,
    options: WalkOptions,
) -> Result<Box<dyn Iterator<Item = Input> + Send + 'a>, WalkError> {
    let meta = std::fs::metadata(src).map_err(|_| WalkError::NoSource(src.to_path_buf()))?;
    let src_abs = absolute(src);
    let dst_abs = absolute(dst);
    if meta.is_dir() && dst_abs.starts_with(&src_abs) {
        return Err(WalkError::DstInSource {
            src: src.to_path_buf(),
            dst: dst.to_path_buf(),
        });
    }
    if meta.is_dir() && dst.is_file() {
        return Err(WalkError::DstIsFile {
            src: src.to_path_buf(),
            dst: dst.to_path_buf(),
        });
    }
    if !meta.is_dir() {
        if dst_abs == src_abs {
            return Err(WalkError::DstInSource {
                src: src.to_path_buf(),
                dst: dst.to_path_buf(),
            });
        }
        let name = src.file_name().map(PathBuf::from).unwrap_or_default();
        let out = if dst.is_dir() || names_a_folder(dst) {
            dst.join(&name)
        } else {
            dst.to_path_buf()
        };
        return Ok(Box::new(std::iter::once(Input::File(Job {
            src: src.to_path_buf(),
            rel: name,
            dst: out,
            seen: None,
        }))));
    }
    let in_shard = move |i: &Input| match (shard, i) {
        (None, _) => true,
        (Some(shard), Input::File(j)) => shard.contains(&j.rel),
        (Some(shard), Input::Unreadable { path, .. }) => {
            shard.contains(path.strip_prefix(src).unwrap_or(path))
        }
    };
    if let Some(list) = files_from {
        let mut rels = Vec::new();
        for line in list {
            let line = line.trim_end_matches(['\r', '\n']);
            if line.trim().is_empty() {
                continue;
            }
            let rel = PathBuf::from(line);
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
            {
                return Err(WalkError::FilesFromPath(line.to_string()));
            }
            let rel: PathBuf = rel
                .components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .collect();
            rels.push(rel);
        }
        rels.sort();
        rels.dedup();
        return Ok(Box::new(
            rels.into_iter()
                .map(move |rel| {
                    Input::File(Job {
                        src: src.join(&rel),
                        dst: dst.join(&rel),
                        rel,
                        seen: None,
                    })
                })
                .filter(in_shard),
        ));
    }
    let mut walker = walkdir::WalkDir::new(src)
        .follow_links(true)
        .sort_by_file_name();
    if !options.recursive {
        walker = walker.max_depth(1);
    }
    // a link that leads into DST is not walked (nor is DST itself, when it is inside a
    // folder linked from SRC)
    let into_dst = move |e: &walkdir::DirEntry| {
        e.depth() > 0
            && (e.path_is_symlink() || e.file_type().is_dir())
            && absolute(e.path()).starts_with(&dst_abs)
    };
    let entries = walker.into_iter().filter_entry(move |e| !into_dst(e));
    Ok(Box::new(
        entries
            .filter_map(move |entry| match entry {
                Ok(e) if e.file_type().is_dir() => None,
                Ok(e) => {
                    let rel = e
                        .path()
                        .strip_prefix(src)
                        .map(Path::to_path_buf)
                        .unwrap_or_default();
                    Some(Input::File(Job {
                        dst: dst.join(&rel),
                        rel,
                        seen: Some(e.file_type()),
                        src: e.into_path(),
                    }))
                }
                Err(e) => Some(unreadable(src, &e)),
            })
            .filter(in_shard),
    ))
}

/// The source of the input whose output (as [`stream`] names it) is `target`, an
/// absolute path, if the run has one; without walking the tree.
pub fn source_writing(
    src: &Path,
    dst: &Path,
    files_from: Option<&[String]>,
    shard: Option<Shard>,
    options: WalkOptions,
    target: &Path,
) -> Option<PathBuf> {
    let walked = std::fs::metadata(src).is_ok_and(|m| m.is_dir()) && files_from.is_none();
    if !walked {
        // one file, or a list: the inputs are at hand
        return stream(src, dst, files_from, shard, options)
            .ok()?
            .find_map(|i| match i {
                Input::File(j) if absolute(&j.dst) == target => Some(j.src),
                _ => None,
            });
    }
    let rel = target.strip_prefix(absolute(dst)).ok()?;
    if rel.as_os_str().is_empty()
        || (!options.recursive && rel.components().count() != 1)
        || shard.is_some_and(|s| !s.contains(rel))
    {
        return None;
    }
    let candidate = src.join(rel);
    candidate.is_file().then_some(candidate)
}

/// A place the walk could not read, as a failed input.
fn unreadable(src: &Path, e: &walkdir::Error) -> Input {
    let path = e
        .path()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| src.to_path_buf());
    let reason = if e.loop_ancestor().is_some() {
        "symbolic link loop".to_string()
    } else if let Some(io) = e.io_error() {
        match io.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::NotFound => {
                "broken symbolic link or file removed during the walk".to_string()
            }
            _ => io.to_string(),
        }
    } else {
        e.to_string()
    };
    Input::Unreadable { path, reason }
}

fn key(i: &Input) -> &Path {
    match i {
        Input::File(j) => &j.rel,
        Input::Unreadable { path, .. } => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_inputs() {
        let paths: Vec<PathBuf> = (0..300)
            .map(|i| PathBuf::from(format!("p{}/s{}/f{i}.dcm", i % 7, i % 3)))
            .collect();
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for p in &paths {
            assert_eq!(shards.iter().filter(|s| s.contains(p)).count(), 1);
        }
        let sizes: Vec<usize> = shards
            .iter()
            .map(|s| paths.iter().filter(|p| s.contains(p)).count())
            .collect();
        assert!(sizes.iter().all(|n| *n > 60), "{sizes:?}");
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn dst_inside_src_is_refused() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("in/sub")).unwrap();
        std::fs::write(d.path().join("in/sub/a.dcm"), b"x").unwrap();
        let r = discover(&d.path().join("in"), &d.path().join("in/out"), None, None);
        assert!(matches!(r, Err(WalkError::DstInSource { .. })));
        let r = discover(&d.path().join("in"), &d.path().join("in"), None, None);
        assert!(matches!(r, Err(WalkError::DstInSource { .. })));
        let ok = discover(&d.path().join("in"), &d.path().join("out"), None, None).unwrap();
        assert_eq!(
            ok,
            vec![Input::File(Job {
                src: d.path().join("in/sub/a.dcm"),
                rel: PathBuf::from("sub/a.dcm"),
                dst: d.path().join("out/sub/a.dcm"),
                seen: Some(
                    std::fs::metadata(d.path().join("in/sub/a.dcm"))
                        .unwrap()
                        .file_type()
                ),
            })]
        );
    }

    #[test]
    fn files_from_must_stay_inside() {
        let d = tempfile::tempdir().unwrap();
        let list = vec!["../etc/passwd".to_string()];
        assert!(matches!(
            discover(d.path(), &d.path().join("../o"), Some(&list), None),
            Err(WalkError::FilesFromPath(_))
        ));
    }
}
