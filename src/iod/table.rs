//! The parsed IOD table and the parser of its compact text form (`data/iod-table.txt`).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use dicom_core::Tag;
use rustc_hash::FxBuildHasher;

use super::{AttributeType, FORMAT_VERSION, IodLookup, ModuleUsage, trim_uid};

/// One entry of an attribute set: nothing, or a Type and a usage packed in one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Slot(pub(super) u8);

impl Slot {
    pub(super) const EMPTY: Self = Self(0);

    pub(super) fn new(attribute_type: AttributeType, usage: ModuleUsage) -> Self {
        // INVARIANT: at most 1 + 4 * 3 + 2 = 15, and never 0.
        Self(1 + attribute_type as u8 * 3 + usage as u8)
    }

    pub(super) fn get(self) -> Option<(AttributeType, ModuleUsage)> {
        let code = usize::from(self.0.checked_sub(1)?);
        let attribute_type = AttributeType::ALL.get(code / 3)?;
        let usage = ModuleUsage::ALL.get(code % 3)?;
        Some((*attribute_type, *usage))
    }
}

/// A line of the embedded table that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// 1-based line number in `data/iod-table.txt`
    pub(super) line: usize,
    pub(super) reason: &'static str,
}

/// The parsed table.
#[derive(Debug, Default)]
pub(super) struct Table {
    /// SOP class UID → index into `sets`
    pub(super) classes: HashMap<Box<str>, usize, FxBuildHasher>,
    /// attribute path → path id (index into each set)
    pub(super) paths: HashMap<Box<[Tag]>, usize, FxBuildHasher>,
    /// every proper, non-empty prefix of a path: the sequences whose inside is described
    pub(super) containers: HashSet<Box<[Tag]>, FxBuildHasher>,
    /// one dense slot array per distinct attribute set, indexed by path id
    pub(super) sets: Vec<Box<[Slot]>>,
    /// number of (SOP class, path) entries, as in the source TSV
    pub(super) rows: usize,
    /// counts declared in the first record: paths, sets, sop-classes, rows
    pub(super) declared: Option<[usize; 4]>,
    /// lines that could not be used; empty for a well-formed table
    pub(super) problems: Vec<Problem>,
}

impl Table {
    pub(super) fn lookup(&self, sop_class_uid: &str, path: &[Tag]) -> IodLookup {
        let Some(&set) = self.classes.get(trim_uid(sop_class_uid)) else {
            return IodLookup::UnknownSopClass;
        };
        let listed = self
            .paths
            .get(path)
            .and_then(|&id| self.sets.get(set)?.get(id)?.get());
        match listed {
            Some((attribute_type, usage)) => IodLookup::Listed {
                attribute_type,
                usage,
            },
            None => IodLookup::NotInIod,
        }
    }

    /// Parses the compact form; lines that cannot be used are skipped and recorded in
    /// `problems`, as are counts that disagree with the first record.
    pub(super) fn parse(text: &str) -> Self {
        let mut parser = Parser::default();
        let mut last_line = 0;
        for (index, line) in text.lines().enumerate() {
            last_line = index + 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Err(reason) = parser.line(line) {
                parser.table.problems.push(Problem {
                    line: last_line,
                    reason,
                });
            }
        }
        parser.finish(last_line)
    }
}

/// Parser state: the table so far and the set that `C`, `A` and `D` records apply to.
#[derive(Debug, Default)]
struct Parser {
    table: Table,
    path_count: usize,
    current: Option<Vec<Slot>>,
}

impl Parser {
    fn line(&mut self, line: &str) -> Result<(), &'static str> {
        let (kind, rest) = line.split_once('\t').unwrap_or((line, ""));
        if kind != "iod-table" && self.table.declared.is_none() {
            return Err("record before the `iod-table` header");
        }
        match kind {
            "iod-table" => self.header(rest),
            "P" => self.path(rest),
            "S" => self.set(rest),
            "C" => self.class(rest),
            "A" => self.assign(rest),
            "D" => self.remove(rest),
            _ => Err("unknown record kind"),
        }
    }

    fn header(&mut self, rest: &str) -> Result<(), &'static str> {
        if self.table.declared.is_some() {
            return Err("second `iod-table` header");
        }
        let [version, paths, sets, classes, rows] = fields(rest)?;
        if version != FORMAT_VERSION {
            return Err("unsupported format version");
        }
        let count = |field: &str, key: &str| {
            field
                .strip_prefix(key)
                .and_then(|n| n.parse().ok())
                .ok_or("malformed count in header")
        };
        let declared = [
            count(paths, "paths=")?,
            count(sets, "sets=")?,
            count(classes, "sop-classes=")?,
            count(rows, "rows=")?,
        ];
        self.table.declared = Some(declared);
        // room for what the header announces (bounded: the text is ours, but a count is
        // only a hint)
        let [paths, sets, classes, _] = declared.map(|n| n.min(1 << 16));
        self.table.paths.reserve(paths);
        self.table.sets.reserve(sets);
        self.table.classes.reserve(classes);
        Ok(())
    }

    fn path(&mut self, rest: &str) -> Result<(), &'static str> {
        let [id, path] = fields(rest)?;
        if !self.table.sets.is_empty() || self.current.is_some() {
            return Err("path after the first set");
        }
        if parse_index(id)? != self.path_count {
            return Err("path id out of sequence");
        }
        // Count the id even if the path is bad, so later ids still line up.
        self.path_count += 1;
        let tags = path
            .split('/')
            .map(|tag| crate::tag::exact_tag(tag).ok_or("malformed tag in path"))
            .collect::<Result<Box<[Tag]>, _>>()?;
        for end in 1..tags.len() {
            if let Some(prefix) = tags.get(..end) {
                self.table.containers.insert(prefix.into());
            }
        }
        match self.table.paths.entry(tags) {
            Entry::Occupied(_) => Err("duplicate path"),
            Entry::Vacant(entry) => {
                entry.insert(self.path_count - 1);
                Ok(())
            }
        }
    }

    fn set(&mut self, rest: &str) -> Result<(), &'static str> {
        self.close_set();
        // Start the set even if the line is bad, so later set ids still line up.
        self.current = Some(vec![Slot::EMPTY; self.path_count]);
        let [id, base] = fields(rest)?;
        if parse_index(id)? != self.table.sets.len() {
            return Err("set id out of sequence");
        }
        if base != "-" {
            let base = self
                .table
                .sets
                .get(parse_index(base)?)
                .ok_or("base set is not an earlier set")?;
            self.current = Some(base.to_vec());
        }
        Ok(())
    }

    fn class(&mut self, rest: &str) -> Result<(), &'static str> {
        let [uid] = fields(rest)?;
        if self.current.is_none() {
            return Err("SOP class outside a set");
        }
        let set = self.table.sets.len();
        match self.table.classes.entry(uid.into()) {
            Entry::Occupied(_) => Err("duplicate SOP class"),
            Entry::Vacant(entry) => {
                entry.insert(set);
                Ok(())
            }
        }
    }

    fn assign(&mut self, rest: &str) -> Result<(), &'static str> {
        let [id, attribute_type, usage] = fields(rest)?;
        let attribute_type = AttributeType::parse(attribute_type).ok_or("unknown Type")?;
        let usage = ModuleUsage::parse(usage).ok_or("unknown module usage")?;
        *self.slot(id)? = Slot::new(attribute_type, usage);
        Ok(())
    }

    fn remove(&mut self, rest: &str) -> Result<(), &'static str> {
        let [id] = fields(rest)?;
        let slot = self.slot(id)?;
        if *slot == Slot::EMPTY {
            return Err("removes an entry that is not there");
        }
        *slot = Slot::EMPTY;
        Ok(())
    }

    fn slot(&mut self, id: &str) -> Result<&mut Slot, &'static str> {
        let id = parse_index(id)?;
        self.current
            .as_mut()
            .ok_or("entry outside a set")?
            .get_mut(id)
            .ok_or("unknown path id")
    }

    fn close_set(&mut self) {
        if let Some(set) = self.current.take() {
            self.table.sets.push(set.into_boxed_slice());
        }
    }

    fn finish(mut self, last_line: usize) -> Table {
        self.close_set();
        let mut table = self.table;
        let sets = &table.sets;
        table.rows = table
            .classes
            .values()
            .filter_map(|&set| sets.get(set))
            .map(|slots| slots.iter().filter(|&&slot| slot != Slot::EMPTY).count())
            .sum();
        let actual = [
            table.paths.len(),
            table.sets.len(),
            table.classes.len(),
            table.rows,
        ];
        let reason = match table.declared {
            None => Some("no `iod-table` header"),
            Some(declared) if declared != actual => Some("counts differ from the header"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            table.problems.push(Problem {
                line: last_line,
                reason,
            });
        }
        table
    }
}

/// Splits `rest` into exactly `N` tab-separated fields.
fn fields<const N: usize>(rest: &str) -> Result<[&str; N], &'static str> {
    let mut out = [""; N];
    let mut it = rest.split('\t');
    for field in &mut out {
        *field = it.next().ok_or("too few fields")?;
    }
    match it.next() {
        None => Ok(out),
        Some(_) => Err("too many fields"),
    }
}

fn parse_index(s: &str) -> Result<usize, &'static str> {
    s.parse().map_err(|_| "malformed id")
}
