//! Includes: finds every file a profile pulls in and the order its statements apply in.
//!
//! `include "PATH"` is relative to the including file; `include builtin:NAME` names an
//! embedded profile. Each file is loaded once, at its first include; a chain of
//! includes that returns to a file still being read is a cycle and is reported with
//! the whole chain. Several entry profiles (`--profile A --profile B`) behave as if B
//! were included at the end of A.
//!
//! The result is the flat sequence of statements in the order they take effect: an
//! include is replaced by the statements of the included file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::ast::{IncludeTarget, ItemKind, Profile};
use super::builtin;
use super::diagnostics::{Code, Diagnostic, Diagnostics, did_you_mean};
use super::syntax;
use crate::source::{FileId, Origin, SourceMap, Span};

/// The deepest chain of nested includes (an entry profile is depth 1).
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// A profile to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A `.anon` file on disk.
    Path(PathBuf),
    /// An embedded profile, `builtin:NAME`.
    Builtin(String),
    /// Text made up by the caller (e.g. a rule given on the command line).
    Text { name: String, text: String },
    /// Text converted from another file (`--extra-rules`): line `i` of `text` (0-based)
    /// stands for line `lines[i]` of the file `name`, which plans and diagnostics cite.
    Converted {
        name: String,
        text: String,
        lines: Vec<u32>,
    },
}

impl Entry {
    /// `builtin:NAME` names an embedded profile; anything else is a path.
    pub fn from_arg(arg: &str) -> Entry {
        match arg.strip_prefix("builtin:") {
            Some(name) => Entry::Builtin(name.to_string()),
            None => Entry::Path(PathBuf::from(arg)),
        }
    }
}

/// Where a statement sits: which loaded file, which item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef {
    pub profile: usize,
    pub item: usize,
}

/// Every loaded file and the order its statements apply in.
#[derive(Debug, Default)]
pub struct Loaded {
    pub profiles: Vec<Profile>,
    pub sequence: Vec<ItemRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Path(PathBuf),
    Builtin(String),
    Virtual(String),
}

struct Loader<'a> {
    map: &'a mut SourceMap,
    diags: &'a mut Diagnostics,
    loaded: Loaded,
    seen: HashSet<Key>,
    /// files being read, with the include statement that led into each
    stack: Vec<(Key, FileId, Option<Span>)>,
}

/// Loads the entry profiles and everything they include.
pub fn load(entries: &[Entry], map: &mut SourceMap, diags: &mut Diagnostics) -> Loaded {
    let mut loader = Loader {
        map,
        diags,
        loaded: Loaded::default(),
        seen: HashSet::new(),
        stack: Vec::new(),
    };
    for entry in entries {
        match entry {
            Entry::Path(p) => loader.load_path(p, None),
            Entry::Builtin(name) => loader.load_builtin(name, None),
            Entry::Text { name, text } => {
                let key = Key::Virtual(name.clone());
                if loader.seen.insert(key.clone()) {
                    let id = loader.map.add(name.clone(), Origin::Virtual, text.as_str());
                    loader.load_text(key, id, None);
                }
            }
            Entry::Converted { name, text, lines } => {
                let key = Key::Virtual(name.clone());
                if loader.seen.insert(key.clone()) {
                    let id = loader
                        .map
                        .add_converted(name.clone(), text.as_str(), lines.clone());
                    loader.load_text(key, id, None);
                }
            }
        }
    }
    loader.loaded
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

impl Loader<'_> {
    fn cycle(&mut self, key: &Key, name: &str, at: Option<Span>) -> bool {
        let Some(pos) = self.stack.iter().position(|(k, _, _)| k == key) else {
            return false;
        };
        let mut chain: Vec<String> = self
            .stack
            .iter()
            .skip(pos)
            .map(|(_, id, _)| format!("`{}`", self.map.name(*id)))
            .collect();
        chain.push(format!("`{name}`"));
        let mut d = Diagnostic::new(
            Code::IncludeCycle,
            format!("include cycle: {}", chain.join(" -> ")),
        )
        .help("remove one of these includes; a profile cannot include itself, directly or through others");
        if let Some(at) = at {
            d = d.label(at, "this include closes the cycle");
        }
        for (_, _, inc) in self.stack.iter().skip(pos + 1) {
            if let Some(inc) = inc {
                d = d.related(*inc, "included here");
            }
        }
        self.diags.push(d);
        true
    }

    fn load_path(&mut self, path: &Path, at: Option<Span>) {
        let key = Key::Path(canonical(path));
        let shown = path.display().to_string();
        if self.cycle(&key, &shown, at) || self.seen.contains(&key) {
            return;
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            self.too_deep(&shown, at);
            return;
        }
        let text = match crate::small_file::read_text(path, crate::small_file::MAX_PROFILE_BYTES) {
            Ok(t) => t,
            Err(e) => {
                self.not_found(&shown, at, &e.to_string());
                return;
            }
        };
        self.seen.insert(key.clone());
        let id = self.map.add(shown, Origin::File(path.to_path_buf()), text);
        self.load_text(key, id, at);
    }

    fn too_deep(&mut self, shown: &str, at: Option<Span>) {
        let mut d = Diagnostic::new(
            Code::IncludeTooDeep,
            format!(
                "includes nested too deep: `{shown}` would be file {} of one chain, at most {MAX_INCLUDE_DEPTH} are allowed",
                self.stack.len() + 1
            ),
        )
        .help(format!(
            "include the files side by side from one profile instead of each from the one before (at most {MAX_INCLUDE_DEPTH} nested includes)"
        ));
        if let Some(at) = at {
            d = d.label(at, "one include too many");
        }
        if let Some((_, _, Some(first))) = self.stack.get(1) {
            d = d.related(*first, "the chain of includes starts here");
        }
        self.diags.push(d);
    }

    fn not_found(&mut self, shown: &str, at: Option<Span>, why: &str) {
        let mut d = Diagnostic::new(
            Code::IncludeNotFound,
            format!("cannot read profile `{shown}`: {why}"),
        );
        if let Some(at) = at {
            d = d
                .label(at, "included here")
                .help("include paths are relative to the file that includes them");
        }
        self.diags.push(d);
    }

    fn load_builtin(&mut self, name: &str, at: Option<Span>) {
        let key = Key::Builtin(name.to_string());
        let shown = format!("builtin:{name}");
        if self.cycle(&key, &shown, at) || self.seen.contains(&key) {
            return;
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            self.too_deep(&shown, at);
            return;
        }
        let Some(b) = builtin::get(name) else {
            let d = if let Some((_, title)) = builtin::UNSUPPORTED.iter().find(|(n, _)| *n == name)
            {
                Diagnostic::new(
                    Code::UnsupportedBuiltin,
                    format!("`{shown}` is not supported: the {title} needs pixel data cleaning, which the tool does not do"),
                )
                .help("leave this option out; pixel data is copied byte for byte")
            } else {
                let mut d = Diagnostic::new(
                    Code::UnknownBuiltin,
                    format!("there is no built-in profile `{shown}`"),
                );
                let names: Vec<&str> = builtin::BUILTINS.iter().map(|b| b.name).collect();
                d = d.help(match did_you_mean(&builtin::suggest(name)) {
                    Some(dym) => format!("{dym} (built-in profiles: {})", names.join(", ")),
                    None => format!("built-in profiles: {}", names.join(", ")),
                });
                d
            };
            let what = if d.code == Code::UnsupportedBuiltin {
                "not supported yet"
            } else {
                "not a built-in profile"
            };
            self.diags.push(match at {
                Some(at) => d.label(at, what),
                None => d,
            });
            return;
        };
        self.seen.insert(key.clone());
        let id = self
            .map
            .add(shown, Origin::Builtin(name.to_string()), b.text);
        self.load_text(key, id, at);
    }

    fn load_text(&mut self, key: Key, id: FileId, at: Option<Span>) {
        let text = self.map.text(id);
        let (profile, diags) = syntax::parse(id, &text);
        self.diags.extend(diags);
        let index = self.loaded.profiles.len();
        let includes: Vec<(usize, Span, IncludeTarget)> = profile
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match &item.kind {
                ItemKind::Include(t) => Some((i, t.span, t.node.clone())),
                _ => None,
            })
            .collect();
        let item_count = profile.items.len();
        self.loaded.profiles.push(profile);
        self.stack.push((key, id, at));
        let mut next_include = includes.into_iter().peekable();
        for i in 0..item_count {
            match next_include.peek() {
                Some((inc_at, _, _)) if *inc_at == i => {
                    if let Some((_, span, target)) = next_include.next() {
                        self.include(id, span, &target);
                    }
                }
                _ => self.loaded.sequence.push(ItemRef {
                    profile: index,
                    item: i,
                }),
            }
        }
        self.stack.pop();
    }

    fn include(&mut self, from: FileId, span: Span, target: &IncludeTarget) {
        match target {
            IncludeTarget::Builtin(name) => self.load_builtin(name, Some(span)),
            IncludeTarget::Path(p) => {
                if let Some(name) = p.strip_prefix("builtin:") {
                    return self.load_builtin(name, Some(span));
                }
                let base = match self.map.origin(from) {
                    Some(Origin::File(f)) => f.parent().map(Path::to_path_buf),
                    _ => None,
                };
                let path = Path::new(p);
                if path.is_absolute() {
                    return self.load_path(path, Some(span));
                }
                match base {
                    Some(dir) => self.load_path(&dir.join(path), Some(span)),
                    None => {
                        let where_ = match self.map.origin(from) {
                            Some(Origin::Builtin(_)) => "a built-in profile",
                            _ => "text given on the command line",
                        };
                        self.diags.push(
                            Diagnostic::new(
                                Code::IncludeNotAllowed,
                                format!("a relative include cannot be used in {where_}"),
                            )
                            .label(span, "relative to what?")
                            .help("use `include builtin:NAME`, or an absolute path"),
                        );
                    }
                }
            }
        }
    }
}
