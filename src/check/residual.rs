//! The residual scan: values of the source that the plan takes out, searched in the
//! output's decoded text at any depth and in the file's bytes (the root Pixel Data value
//! of a streamed output only when asked: `--scan-pixels`).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use dicom_core::Tag;
use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_object::InMemDicomObject;

use super::output::values;
use super::{Checker, Finding, FindingKind};
use crate::engine::{self, ElementPath};
use crate::io;
use crate::plan::Plan;

impl Checker<'_> {
    /// The residual scan of one output against its source (read once by the caller),
    /// with the plan this instance got.
    pub(super) fn residual(
        &self,
        plan: &Plan,
        (output, pixels): (&Path, Option<(&File, u64, u64)>),
        obj: &InMemDicomObject,
        (source, read): (&Path, &Result<io::read::Loaded, io::ReadError>),
        findings: &mut Vec<Finding>,
    ) {
        let loaded = match read {
            Ok(l) => l,
            Err(e) => {
                findings.push(Finding::file(
                    FindingKind::NoSource,
                    format!(
                        "the source `{}` cannot be read: {}",
                        source.display(),
                        crate::batch::error_chain(&e)
                    ),
                ));
                return;
            }
        };
        let src = &loaded.object;
        // the instance's identifying values: the same set `clean` takes out
        let removed = engine::clean::identifying_values(plan, src);

        // one needle per distinct text, with the first source path it came from
        let mut needles: BTreeMap<String, (ElementPath, bool)> = BTreeMap::new();
        for r in removed {
            for text in r.texts {
                let lower = text.to_lowercase();
                if !searchable(&text) || self.tool_texts.iter().any(|t| t.contains(&lower)) {
                    continue;
                }
                needles.entry(lower).or_insert((r.path.clone(), r.uid));
            }
        }
        if needles.is_empty() {
            return;
        }

        // decoded text of the output, at any depth
        let mut texts: Vec<(ElementPath, String)> = Vec::new();
        output_texts(obj, &mut Vec::new(), &mut texts, 0);
        let lowered: Vec<(ElementPath, String)> = texts
            .into_iter()
            .map(|(p, t)| (p, t.to_lowercase()))
            .collect();
        // the source's own text at each path: a kept element that held the value in the
        // source already is the plan's choice when PS3.15 lists nothing on its path
        let mut source_texts: Vec<(ElementPath, String)> = Vec::new();
        output_texts(src, &mut Vec::new(), &mut source_texts, 0);
        let source_at: std::collections::HashMap<String, String> = source_texts
            .into_iter()
            .map(|(p, t)| (p.to_string(), t.to_lowercase()))
            .collect();
        let mut not_in_text: Vec<&str> = Vec::new();
        for (needle, (from, uid)) in &needles {
            let hits: Vec<&ElementPath> = lowered
                .iter()
                .filter(|(_, t)| t.contains(needle.as_str()))
                .map(|(p, _)| p)
                .collect();
            if hits.is_empty() {
                not_in_text.push(needle);
            }
            for at in hits {
                let source_text = source_at.get(&at.to_string());
                let held = source_text.is_some_and(|t| t.contains(needle.as_str()));
                // ... or when the plan keeps a listed element whose whole value is the
                // needle: the same value, kept as itself (a value embedded in longer
                // kept text, like an ID in Image Comments, is reported)
                let whole =
                    source_text.is_some_and(|t| t.split('\\').any(|v| v.trim() == needle.as_str()));
                // a private value (of unknown meaning) held by a kept element in the
                // source: the old rule, the plan's choice
                let private = from.0.iter().any(|(t, _)| t.group() % 2 == 1);
                if held && (!self.listed_on(at) || ((whole || private) && Self::kept_at(plan, at)))
                {
                    continue;
                }
                findings.push(residual_finding(*uid, from, Some(at), None));
            }
        }
        // the file's bytes (binary values; pixel data with `--scan-pixels`)
        let scanned = match pixels {
            Some((file, start, end)) => {
                bytes_containing(file, &[(0, start), (end, u64::MAX)], &not_in_text)
            }
            None => File::open(output)
                .and_then(|f| bytes_containing(&f, &[(0, u64::MAX)], &not_in_text)),
        };
        match scanned {
            Ok(found) => {
                for (needle, offset) in found {
                    if let Some((from, uid)) = needles.get(needle) {
                        findings.push(residual_finding(*uid, from, None, Some(offset)));
                    }
                }
            }
            Err(e) => findings.push(Finding::file(
                FindingKind::Unreadable,
                format!("cannot read the file's bytes: {e}"),
            )),
        }
    }
}

impl Checker<'_> {
    /// Whether the plan keeps the element at `path` as it is.
    fn kept_at(plan: &Plan, path: &ElementPath) -> bool {
        let Some(((tag, _), above)) = path.0.split_last() else {
            return false;
        };
        let seq: Vec<dicom_core::Tag> = above.iter().map(|(t, _)| *t).collect();
        engine::expected(plan, *tag, None, dicom_core::VR::UN, None, &seq) == engine::Expected::Keep
    }

    /// Whether Table E.1-1 lists a tag on the path (the element or a sequence above it):
    /// an attribute the standard considers able to carry identifying information.
    fn listed_on(&self, path: &ElementPath) -> bool {
        path.0.iter().any(|(t, _)| self.listed.contains(t))
    }
}

fn residual_finding(
    uid: bool,
    from: &ElementPath,
    at: Option<&ElementPath>,
    offset: Option<u64>,
) -> Finding {
    let (kind, what) = if uid {
        (FindingKind::UidNotRemapped, "a UID the plan remaps")
    } else {
        (
            FindingKind::ResidualPhi,
            "residual PHI: a value the plan takes out",
        )
    };
    let place = match (at, offset) {
        (Some(at), _) => format!("at {at}"),
        (None, Some(o)) => format!("in the file's bytes at byte {o}"),
        (None, None) => "in the file".to_string(),
    };
    Finding {
        kind,
        at: at.map(ToString::to_string),
        message: format!("{what} at {from} in the source is found {place}"),
    }
}

pub use crate::engine::clean::searchable;

/// Every text value of an output, with its path (sequences included, at any depth).
fn output_texts(
    obj: &InMemDicomObject,
    path: &mut Vec<(Tag, Option<usize>)>,
    out: &mut Vec<(ElementPath, String)>,
    depth: usize,
) {
    if depth > engine::MAX_DEPTH {
        return;
    }
    for elem in obj {
        let tag = elem.tag();
        if let Value::Sequence(seq) = elem.value() {
            for (i, item) in seq.items().iter().enumerate() {
                path.push((tag, Some(i)));
                output_texts(item, path, out, depth + 1);
                path.pop();
            }
            continue;
        }
        let text = values(elem).join("\\");
        if !text.is_empty() {
            let mut p = path.clone();
            p.push((tag, None));
            out.push((ElementPath(p), text));
        }
    }
}

/// Which of `needles` (lower case) occur in the bytes of `file` in the ranges `spans`
/// (start, end; an end past the file is its end), ASCII case-insensitive, and the file
/// offset of the first occurrence of each. Positional reads in chunks: memory stays small.
/// A needle is found within a span, not across two.
fn bytes_containing<'n>(
    file: &File,
    spans: &[(u64, u64)],
    needles: &[&'n str],
) -> std::io::Result<Vec<(&'n str, u64)>> {
    if needles.is_empty() {
        return Ok(Vec::new());
    }
    const CHUNK: usize = 4 << 20;
    // a few KB of header per file: building a DFA for them costs more than it saves
    let matcher = aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .ascii_case_insensitive(true)
        .build(needles)
        .map_err(std::io::Error::other)?;
    let longest = needles.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut found: Vec<Option<u64>> = vec![None; needles.len()];
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + longest);
    for &(start, end) in spans {
        buf.clear();
        let mut base = start; // file offset of buf[0]
        let mut at = start; // where the next read starts
        while at < end && !found.iter().all(Option::is_some) {
            let kept = buf.len();
            let want = usize::try_from(end - at).unwrap_or(CHUNK).min(CHUNK);
            buf.resize(kept + want, 0);
            let n = read_full_at(file, buf.get_mut(kept..).unwrap_or_default(), at)?;
            buf.truncate(kept + n);
            for m in matcher.find_overlapping_iter(&buf) {
                if let Some(slot @ None) = found.get_mut(m.pattern().as_usize()) {
                    *slot = Some(base + m.start() as u64);
                }
            }
            if n < want {
                break; // the end of the file
            }
            at += n as u64;
            // keep the tail so that a needle across two chunks is found
            let tail = buf.len().saturating_sub(longest.saturating_sub(1));
            base += tail as u64;
            buf.drain(..tail);
        }
    }
    Ok(needles
        .iter()
        .zip(found)
        .filter_map(|(n, f)| f.map(|o| (*n, o)))
        .collect())
}

/// Reads into `buf` from `at` until it is full or the file ends; the bytes read.
fn read_full_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..) {
        if rest.is_empty() {
            break;
        }
        match read_at(file, rest, at + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivial_values_are_not_searched() {
        for v in [
            "M",
            "CT",
            "70",
            "1.75",
            "0.5",
            "-12.5",
            "123456",
            "0.000000",
            "-0.00000000",
            "1.2.840.10008.1.2.1",
        ] {
            assert!(!searchable(v), "{v}");
        }
        for v in ["DOE", "Doe^John", "19600101", "ACC12345", "St. Mary"] {
            assert_eq!(searchable(v), v.len() >= 4, "{v}");
        }
        assert!(!searchable("ab\u{1}cd"));
    }
}
