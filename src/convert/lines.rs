//! Where each value of a JSON document starts (its line), by [`JsonPath`]: so that rules
//! converted from `--extra-rules` cite the JSON file's own lines (`plan`, diagnostics).
//!
//! A small tokenizer of well-formed JSON (serde_json has already accepted the document
//! when this runs); anything it does not follow ends the walk, and the paths it did not
//! reach have no line.

use std::collections::HashMap;

use super::JsonPath;

/// The 1-based line of the first character of every value, by path.
pub(super) fn value_lines(json: &str) -> HashMap<JsonPath, u32> {
    let mut w = Walker {
        bytes: json.as_bytes(),
        pos: 0,
        line: 1,
        lines: HashMap::new(),
    };
    w.value(JsonPath::root(), 0);
    w.lines
}

/// Deeper documents are not followed (the legacy forms are three levels deep).
const MAX_DEPTH: usize = 16;

struct Walker<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    lines: HashMap<JsonPath, u32>,
}

impl Walker<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        if b == b'\n' {
            self.line += 1;
        }
        self.pos += 1;
        Some(b)
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.bump();
        }
    }

    /// A value at `path`; `None` when the walk cannot go on.
    fn value(&mut self, path: JsonPath, depth: usize) -> Option<()> {
        self.blanks();
        if depth > MAX_DEPTH {
            return None;
        }
        self.lines.insert(path.clone(), self.line);
        match self.peek()? {
            b'{' => {
                self.bump();
                loop {
                    self.blanks();
                    match self.peek()? {
                        b'}' => {
                            self.bump();
                            return Some(());
                        }
                        b',' => {
                            self.bump();
                        }
                        b'"' => {
                            let key = self.string()?;
                            self.blanks();
                            if self.bump()? != b':' {
                                return None;
                            }
                            self.value(path.key(&key), depth + 1)?;
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.bump();
                let mut i = 0;
                loop {
                    self.blanks();
                    match self.peek()? {
                        b']' => {
                            self.bump();
                            return Some(());
                        }
                        b',' => {
                            self.bump();
                        }
                        _ => {
                            self.value(path.index(i), depth + 1)?;
                            i += 1;
                        }
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                // a number, true, false or null
                while matches!(self.peek(), Some(b) if !matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n'))
                {
                    self.bump();
                }
                Some(())
            }
        }
    }

    /// A string (the walker is at its opening quote), unescaped by serde_json.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.bump();
        loop {
            match self.bump()? {
                b'\\' => {
                    self.bump()?;
                }
                b'"' => break,
                _ => {}
            }
        }
        let raw = std::str::from_utf8(self.bytes.get(start..self.pos)?).ok()?;
        serde_json::from_str(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_both_legacy_forms() {
        let dict = "{\n  \"(0x0010, 0x0010)\": \"keep\",\n\n  \"(0x0008, 0x0080)\": {\"action\": \"delete\"}\n}\n";
        let lines = value_lines(dict);
        let root = JsonPath::root();
        assert_eq!(lines.get(&root.key("(0x0010, 0x0010)")), Some(&2));
        assert_eq!(
            lines.get(&root.key("(0x0008, 0x0080)").key("action")),
            Some(&4)
        );
        let batch =
            "{\"delete\": [\n  [\"0x0008\", \"0x0012\"],\n  [\"0x0010\",\n   \"0x0020\"]\n]}";
        let lines = value_lines(batch);
        let delete = root.key("delete");
        assert_eq!(lines.get(&delete.index(0)), Some(&2));
        assert_eq!(lines.get(&delete.index(1)), Some(&3));
        assert_eq!(lines.get(&delete.index(1).index(1)), Some(&4));
    }

    #[test]
    fn escapes_and_odd_input_do_not_derail_it() {
        let lines = value_lines("{\"a\\\"b\": [1, true, null, \"x\\\\\"],\n\"c\": 2}");
        assert_eq!(lines.get(&JsonPath::root().key("c")), Some(&2));
        assert_eq!(lines.get(&JsonPath::root().key("a\"b").index(3)), Some(&1));
        // not JSON: nothing past the point where it stops
        assert!(!value_lines("{\"a\": [").contains_key(&JsonPath::root().key("b")));
    }
}
