//! The manifest's entries on disk while a run goes on: an external merge sort with
//! bounded memory, so that a run over millions of files holds a few thousand entries,
//! never one per input.
//!
//! Entries are gathered in a buffer of [`RUN_LEN`]; a full buffer is sorted and appended
//! to one unnamed temporary file (`O_TMPFILE` where the file system has it: nothing is
//! left behind by a killed run) as a *run* of JSON lines. When [`FAN_IN`] runs of one
//! level are there, they are merged into one run of the next level (appended too), so the
//! final merge reads at most `FAN_IN - 1` runs per level, each through a small buffer.
//! The order is the one of a stable sort of the entries in the order they came: by
//! output, then source; entries with the same key keep the order in which they came.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use super::FileEntry;

/// Entries held in memory before they are written as a run (about 0.3 KB each).
pub const RUN_LEN: usize = 1024;
/// Runs of one level merged into one of the next.
pub const FAN_IN: usize = 32;
/// The read buffer of each run in a merge.
const READ_BUFFER: usize = 4096;

/// The order of the manifest's `files`.
pub fn order(a: &FileEntry, b: &FileEntry) -> Ordering {
    (&a.output, &a.source).cmp(&(&b.output, &b.source))
}

#[derive(Debug, Clone, Copy)]
struct Run {
    level: u32,
    start: u64,
    end: u64,
}

/// Entries gathered and sorted with bounded memory.
#[derive(Debug)]
pub struct Spill {
    dir: PathBuf,
    run_len: usize,
    fan_in: usize,
    buf: Vec<FileEntry>,
    file: Option<File>,
    end: u64,
    runs: Vec<Run>,
    count: u64,
    error: Option<std::io::Error>,
}

impl Spill {
    /// Runs are written to a temporary file in `dir` (created when needed).
    pub fn new(dir: PathBuf) -> Self {
        Self::with_sizes(dir, RUN_LEN, FAN_IN)
    }

    /// With other run lengths and fan-in (tests: many runs and levels from few entries).
    pub fn with_sizes(dir: PathBuf, run_len: usize, fan_in: usize) -> Self {
        Spill {
            dir,
            run_len: run_len.max(1),
            fan_in: fan_in.max(2),
            buf: Vec::new(),
            file: None,
            end: 0,
            runs: Vec::new(),
            count: 0,
            error: None,
        }
    }

    /// How many entries were added.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Adds one entry. A failure to write a run is kept and returned by [`Spill::seal`].
    pub fn push(&mut self, entry: FileEntry) {
        self.count += 1;
        if self.error.is_some() {
            return;
        }
        self.buf.push(entry);
        if self.buf.len() >= self.run_len {
            if let Err(e) = self.flush_run() {
                self.error = Some(e);
                self.buf = Vec::new();
            }
        }
    }

    /// Ends the gathering: the last entries are sorted (and written as the last run if
    /// runs were written before). Then [`Spill::each`] can be called any number of times.
    pub fn seal(&mut self) -> std::io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.file.is_some() && !self.buf.is_empty() {
            self.flush_run()?;
        } else {
            self.buf.sort_by(order);
        }
        Ok(())
    }

    /// Hands every entry to `f` in the manifest's order (after [`Spill::seal`]).
    pub fn each(&self, f: &mut dyn FnMut(FileEntry) -> std::io::Result<()>) -> std::io::Result<()> {
        match &self.file {
            None => self.buf.iter().cloned().try_for_each(f),
            Some(file) => merge(file, &self.runs, f),
        }
    }

    fn file(&mut self) -> std::io::Result<&File> {
        if self.file.is_none() {
            std::fs::create_dir_all(&self.dir)?;
            self.file = Some(tempfile::tempfile_in(&self.dir)?);
        }
        self.file
            .as_ref()
            .ok_or_else(|| std::io::Error::other("no temporary file"))
    }

    fn flush_run(&mut self) -> std::io::Result<()> {
        let mut entries = std::mem::take(&mut self.buf);
        entries.sort_by(order);
        let start = self.end;
        let end = {
            let file = self.file()?;
            let mut w = BufWriter::with_capacity(64 * 1024, file);
            let mut written = 0u64;
            for e in &entries {
                written += write_line(&mut w, e)?;
            }
            w.flush()?;
            start + written
        };
        self.end = end;
        self.runs.push(Run {
            level: 0,
            start,
            end,
        });
        entries.clear();
        self.buf = entries;
        self.compact()
    }

    /// Merges the last `fan_in` runs while they are of one level.
    fn compact(&mut self) -> std::io::Result<()> {
        loop {
            let n = self.runs.len();
            let Some(from) = n.checked_sub(self.fan_in) else {
                return Ok(());
            };
            let tail = self.runs.get(from..).unwrap_or(&[]);
            let level = tail.first().map_or(0, |r| r.level);
            if !tail.iter().all(|r| r.level == level) {
                return Ok(());
            }
            let tail = tail.to_vec();
            let start = self.end;
            let end = {
                let file = self.file()?;
                let mut w = BufWriter::with_capacity(64 * 1024, file);
                let mut written = 0u64;
                merge(file, &tail, &mut |e| {
                    written += write_line(&mut w, &e)?;
                    Ok(())
                })?;
                w.flush()?;
                start + written
            };
            self.end = end;
            self.runs.truncate(from);
            self.runs.push(Run {
                level: level + 1,
                start,
                end,
            });
        }
    }
}

fn write_line(w: &mut impl Write, e: &FileEntry) -> std::io::Result<u64> {
    let mut line = serde_json::to_vec(e).map_err(std::io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line)?;
    Ok(line.len() as u64)
}

/// A byte range of the file, read at explicit offsets (many runs share one file).
struct Range<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for Range<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        let Some(buf) = buf.get_mut(..want) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

struct Reader<'a> {
    lines: BufReader<Range<'a>>,
    line: String,
}

impl Reader<'_> {
    fn next(&mut self) -> std::io::Result<Option<FileEntry>> {
        self.line.clear();
        if self.lines.read_line(&mut self.line)? == 0 {
            return Ok(None);
        }
        serde_json::from_str(&self.line)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

/// The head of one run in the merge: the smallest entry first, ties to the earlier run.
struct Head {
    entry: FileEntry,
    run: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        // reversed: `BinaryHeap` pops the greatest
        order(&other.entry, &self.entry).then(other.run.cmp(&self.run))
    }
}

fn merge(
    file: &File,
    runs: &[Run],
    f: &mut dyn FnMut(FileEntry) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut readers: Vec<Reader<'_>> = runs
        .iter()
        .map(|r| Reader {
            lines: BufReader::with_capacity(
                READ_BUFFER,
                Range {
                    file,
                    pos: r.start,
                    end: r.end,
                },
            ),
            line: String::new(),
        })
        .collect();
    let mut heap = BinaryHeap::with_capacity(readers.len());
    for (run, r) in readers.iter_mut().enumerate() {
        if let Some(entry) = r.next()? {
            heap.push(Head { entry, run });
        }
    }
    while let Some(Head { entry, run }) = heap.pop() {
        f(entry)?;
        if let Some(r) = readers.get_mut(run) {
            if let Some(entry) = r.next()? {
                heap.push(Head { entry, run });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(output: Option<&str>, source: &str, outcome: &str) -> FileEntry {
        FileEntry {
            source: source.into(),
            source_sha256: None,
            output: output.map(str::to_string),
            output_sha256: None,
            outcome: outcome.into(),
        }
    }

    fn all(s: &Spill) -> Vec<FileEntry> {
        let mut v = Vec::new();
        s.each(&mut |e| {
            v.push(e);
            Ok(())
        })
        .unwrap();
        v
    }

    #[test]
    fn the_merge_is_a_stable_sort_at_any_run_length_and_fan_in() {
        let dir = tempfile::tempdir().unwrap();
        // a pseudo-random order, repeated keys (told apart by outcome), no outputs too
        let mut entries = Vec::new();
        let mut x: u32 = 7;
        for i in 0..1500u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let k = (x >> 8) % 400;
            let out = (k % 5 != 0).then(|| format!("o/{k:03}"));
            entries.push(entry(
                out.as_deref(),
                &format!("s/{}", k % 37),
                &i.to_string(),
            ));
        }
        let mut expected = entries.clone();
        expected.sort_by(order);
        for (run_len, fan_in) in [(1, 2), (3, 2), (7, 3), (64, 4), (1024, 32), (5000, 32)] {
            let mut s = Spill::with_sizes(dir.path().to_path_buf(), run_len, fan_in);
            for e in entries.iter().cloned() {
                s.push(e);
            }
            s.seal().unwrap();
            assert_eq!(s.len(), 1500);
            let got = all(&s);
            assert_eq!(got, expected, "run length {run_len}, fan-in {fan_in}");
            // a second pass gives the same
            assert_eq!(all(&s), expected);
            // few runs are left for the final merge
            assert!(s.runs.len() <= (fan_in - 1) * 12, "{} runs", s.runs.len());
        }
        // nothing is left in the folder (the runs' file has no name)
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn empty_and_unwritable() {
        let mut s = Spill::new(PathBuf::from("/nonexistent-dir"));
        s.seal().unwrap();
        assert!(all(&s).is_empty() && s.len() == 0);
        let file = tempfile::NamedTempFile::new().unwrap();
        // a folder below a file cannot be made: the error comes back from seal
        let mut s = Spill::with_sizes(file.path().join("sub"), 2, 2);
        for i in 0..5 {
            s.push(entry(None, &i.to_string(), "failed"));
        }
        assert!(s.seal().is_err());
    }
}
