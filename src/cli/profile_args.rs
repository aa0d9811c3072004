//! The options that choose the profiles of a run, shared by `run`, `plan` and `check`
//! (so that `check` and `plan` can be given exactly what `run` was given).

use clap::Args;

use super::{ErrorFormat, ExitStatus, compile_or_report};
use crate::plan::Plan;
use crate::profile::Entry;

/// `--profile`, `--option`, `--no-extra`, `--extra-rules`, `--keep-private`, `-t`.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Profile")]
pub struct ProfileArgs {
    /// Profile (repeat to compose; later ones override earlier ones); default: builtin:basic + builtin:extra
    #[arg(long = "profile", short = 'p', value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// A PS3.15 option to add after the profiles, like `retain-uids` (repeatable; same as `--profile builtin:NAME`)
    #[arg(long = "option", value_name = "NAME")]
    pub options: Vec<String>,
    /// With the built-in default: leave out the old tool's extra rules
    #[arg(long)]
    pub no_extra: bool,
    /// A legacy JSON rule file (the old tools' extra_rules.json or --dictionary), applied after the profiles (repeatable)
    #[arg(long, value_name = "FILE.json", visible_alias = "dictionary")]
    pub extra_rules: Vec<std::path::PathBuf>,
    /// Keep private elements that no rule deletes (the old tool's --keepPrivateTags)
    #[arg(long, visible_alias = "keepPrivateTags")]
    pub keep_private: bool,
    /// Ad-hoc rule, applied last (repeatable): a tag or keyword, then the action as in a profile, e.g. -t PatientID 'replace "SUBJ-001"'
    #[arg(short = 't', long = "tag", num_args = 2, value_names = ["TAG", "ACTION"], action = clap::ArgAction::Append)]
    pub tag_rules: Vec<String>,
}

/// The profiles given with `--profile`, or the built-in default (basic, then extra
/// unless `no_extra`, then the pixel signatures).
pub fn profile_entries(profiles: &[String], no_extra: bool) -> Vec<Entry> {
    if profiles.is_empty() {
        let mut e = vec![Entry::Builtin("basic".into())];
        if !no_extra {
            e.push(Entry::Builtin("extra".into()));
        }
        e.push(Entry::Builtin("pixel-signatures".into()));
        e
    } else {
        profiles.iter().map(|p| Entry::from_arg(p)).collect()
    }
}

/// Turns `-t TAG ACTION` into rule text. TAG is a keyword, a tag as the language writes
/// it, or the old tool's Python tuple: `(0x0010, 0x0010)`, `0010,0010`, or four numbers
/// `(0x5000, 0x0000, 0xFF00, 0x0000)` (value and mask: `(50xx,xxxx)`). ACTION is written
/// as in a profile, with quoted arguments.
pub fn tag_rule_text(tag: &str, action: &str) -> String {
    let t = tag.trim();
    let selector = if t.starts_with('(') && !t.contains("0x") {
        t.to_string()
    } else if t.contains(',') {
        let inner = t.trim_start_matches('(').trim_end_matches(')');
        let numbers: Result<Vec<u16>, _> =
            inner.split(',').map(crate::tag::parse_hex_u16).collect();
        let pattern = match numbers.as_deref() {
            Ok([g, e]) => crate::tag::TagPattern::from_value_mask(*g, *e, 0xFFFF, 0xFFFF).ok(),
            Ok([g, e, gm, em]) => crate::tag::TagPattern::from_value_mask(*g, *e, *gm, *em).ok(),
            _ => None,
        };
        match pattern {
            Some(p) => p.to_string(),
            // not numbers: the compiler says what is wrong with the text as given
            None => format!(
                "({})",
                inner
                    .split(',')
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    } else {
        t.to_string()
    };
    format!("{selector} {action}\n")
}

impl ProfileArgs {
    /// The entries to compile, in the order they apply: the profiles (or the default),
    /// the options, the JSON rule files, `private keep`, the `-t` rules.
    pub fn entries(&self) -> Result<Vec<Entry>, String> {
        let mut entries = profile_entries(&self.profiles, self.no_extra);
        entries.extend(self.options.iter().map(|o| Entry::Builtin(o.clone())));
        for json in &self.extra_rules {
            let shown = json.display().to_string();
            let text = crate::small_file::read_text(json, crate::small_file::MAX_PROFILE_BYTES)
                .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
            let (anon, lines) = crate::convert::json_to_anon_with_lines(&text, &shown)
                .map_err(|errors| super::convert::render(&errors).trim_end().to_string())?;
            entries.push(Entry::Converted {
                name: shown,
                text: anon,
                lines,
            });
        }
        if self.keep_private {
            entries.push(Entry::Text {
                name: "<--keep-private>".into(),
                text: "private keep\n".into(),
            });
        }
        for (n, pair) in self.tag_rules.chunks(2).enumerate() {
            let (Some(tag), Some(action)) = (pair.first(), pair.get(1)) else {
                return Err("-t needs a tag and an action".to_string());
            };
            entries.push(Entry::Text {
                name: format!("<-t #{}>", n + 1),
                text: tag_rule_text(tag, action),
            });
        }
        Ok(entries)
    }

    /// Compiles the chosen profiles, keeping the sources (their texts, for the manifest);
    /// on failure prints why and gives the exit status.
    pub fn compiled(
        &self,
        format: ErrorFormat,
    ) -> Result<(Plan, crate::source::SourceMap), ExitStatus> {
        let entries = self.entries().map_err(|msg| {
            say!("error: {msg}");
            ExitStatus::Usage
        })?;
        let c = compile_or_report(&entries, format, false)?;
        Ok((c.plan.ok_or(ExitStatus::Usage)?, c.sources))
    }

    /// Compiles the chosen profiles; on failure prints why and gives the exit status.
    pub fn plan(&self, format: ErrorFormat) -> Result<Plan, ExitStatus> {
        let entries = self.entries().map_err(|msg| {
            say!("error: {msg}");
            ExitStatus::Usage
        })?;
        compile_or_report(&entries, format, false)?
            .plan
            .ok_or(ExitStatus::Usage)
    }
}
