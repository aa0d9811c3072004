//! File names as text: escaped for messages, lossless for reports.
//!
//! A file name is bytes chosen by whoever made the file: it can hold a line break (which
//! would forge a second message line), a terminal escape sequence (which would rewrite
//! the screen), or bytes that are not UTF-8. Messages show names through [`shown`]:
//! control characters become `\n`, `\t`, `\r`, `\e`, `\u{7f}`..., and bytes that are not
//! UTF-8 become `\xFF`. Reports keep the exact bytes: [`hex`] gives them when the name
//! is not UTF-8 (docs/cli.md, "The report").

use std::fmt::Write as _;
use std::path::Path;

/// Escapes control characters of text (a message, a name) so that it prints as one
/// line and cannot drive the terminal.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            // C0, DEL, C1 controls, and the bidirectional overrides that reorder text
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// A path for a message: as displayed, with control characters escaped and bytes
/// that are not UTF-8 written `\xNN`.
pub fn shown(p: &Path) -> String {
    let bytes = p.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        push_escaped(&mut out, chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// The bytes of a path in hexadecimal when they are not UTF-8 (`None` when they are:
/// the path is then exactly its text).
pub fn hex(p: &Path) -> Option<String> {
    let bytes = p.as_os_str().as_encoded_bytes();
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_print_as_one_harmless_line() {
        assert_eq!(shown(Path::new("a/b c.dcm")), "a/b c.dcm");
        assert_eq!(
            shown(Path::new("x\ny\r\t\u{1b}[31m\u{7f}\u{202e}.dcm")),
            "x\\ny\\r\\t\\e[31m\\u{7f}\\u{202e}.dcm"
        );
        assert_eq!(escape_controls("a\nb"), "a\\nb");
        assert_eq!(hex(Path::new("plain")), None);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = Path::new(std::ffi::OsStr::from_bytes(b"d/\xff\xfe.dcm"));
            assert_eq!(shown(p), "d/\\xFF\\xFE.dcm");
            assert_eq!(hex(p).as_deref(), Some("642ffffe2e64636d"));
        }
    }
}
