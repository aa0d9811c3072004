//! The plan as a stable text table (what `plan` prints and snapshot tests compare).

use super::{Fallback, Plan};
use crate::tag::TagPattern;

/// Keyword and VR of what a pattern selects, for display (`-` when unknown or many).
pub fn describe_pattern(pattern: &TagPattern) -> (String, String) {
    match pattern {
        TagPattern::Exact(t) => {
            let kw = crate::dictionary::keyword_of(*t).unwrap_or("-").to_string();
            let vrs = crate::dictionary::vr_choices(*t);
            let vr = if vrs.is_empty() {
                "-".to_string()
            } else {
                vrs.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            };
            (kw, vr)
        }
        TagPattern::Masked(_) => match crate::dictionary::entries_matching(pattern).as_slice() {
            [one] => (one.keyword.to_string(), one.vr.to_string()),
            [] => ("-".to_string(), "-".to_string()),
            many => (format!("({} attributes)", many.len()), "-".to_string()),
        },
        TagPattern::Private(_) => ("-".to_string(), "-".to_string()),
    }
}

impl Plan {
    /// The plan as a stable text table: one line per winning rule (selector, keyword,
    /// VR, action, `file:line`), after the profile names, options and fallbacks.
    /// This is what `plan` prints and what snapshot tests compare.
    pub fn to_table(&self) -> String {
        let rows: Vec<[String; 5]> = self
            .winning_rules()
            .into_iter()
            .map(|r| {
                let (kw, vr) = describe_pattern(&r.pattern);
                [
                    r.pattern.to_string(),
                    kw,
                    vr,
                    r.action.to_string(),
                    r.origin.to_string(),
                ]
            })
            .collect();
        let mut width = [0usize; 4];
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let names = if self.names.is_empty() {
            "(unnamed)".to_string()
        } else {
            self.names.join("; ")
        };
        out.push_str(&format!("# profile: {names}\n"));
        let options: Vec<String> = self
            .options
            .iter()
            .map(|o| format!("{} ({})", o.name(), o.code()))
            .collect();
        out.push_str(&format!(
            "# options: {}\n",
            if options.is_empty() {
                "none".to_string()
            } else {
                options.join(", ")
            }
        ));
        out.push_str(&format!(
            "# rules: {} ({} overridden)\n",
            rows.len(),
            self.rules.len() - rows.len()
        ));
        let fallback = |f: &Fallback| f.origin.as_deref().unwrap_or("built-in").to_string();
        out.push_str(&format!(
            "default {:<8} # {}\n",
            self.public.disposition.as_str(),
            fallback(&self.public)
        ));
        out.push_str(&format!(
            "private {:<8} # {}\n",
            self.private.disposition.as_str(),
            fallback(&self.private)
        ));
        for [sel, kw, vr, action, origin] in &rows {
            let [w0, w1, w2, w3] = width;
            out.push_str(&format!(
                "{sel:<w0$}  {kw:<w1$}  {vr:<w2$}  {action:<w3$}  # {origin}\n"
            ));
        }
        self.conditional_table(&mut out);
        out
    }

    /// Tables, `reject when` statements and the rules of `when` blocks, after the
    /// unconditional rules (which a block's rules override where its condition holds).
    fn conditional_table(&self, out: &mut String) {
        for s in self.scoped.iter().filter(|s| s.rule.guard.is_none()) {
            out.push_str(&format!(
                "{}  {}  # {}\n",
                s.scope, s.rule.action, s.rule.origin
            ));
        }
        for t in &self.tables {
            out.push_str(&format!(
                "table {} key {} value {} ({} rows)  # {}\n",
                t.name,
                t.key_column,
                t.value_column,
                t.rows.len(),
                t.origin
            ));
        }
        for r in &self.rejects {
            let text = self.conditions.get(r.condition).map_or("", |c| &c.text);
            out.push_str(&format!(
                "reject when {text} {:?}  # {}\n",
                r.reason, r.origin
            ));
        }
        for (i, c) in self.conditions.iter().enumerate() {
            let rules: Vec<&super::PlanRule> =
                self.rules.iter().filter(|r| r.guard == Some(i)).collect();
            let scoped: Vec<&super::ScopedRule> = self
                .scoped
                .iter()
                .filter(|s| s.rule.guard == Some(i))
                .collect();
            if rules.is_empty() && scoped.is_empty() {
                continue;
            }
            out.push_str(&format!("when {} {{  # {}\n", c.text, c.origin));
            for r in rules {
                let (kw, vr) = describe_pattern(&r.pattern);
                out.push_str(&format!(
                    "    {}  {kw}  {vr}  {}  # {}\n",
                    r.pattern, r.action, r.origin
                ));
            }
            for s in scoped {
                out.push_str(&format!(
                    "    {}  {}  # {}\n",
                    s.scope, s.rule.action, s.rule.origin
                ));
            }
            out.push_str("}\n");
        }
        for p in &self.pixel {
            let stmt = match &p.action {
                super::pixel::PixelAction::Blackout(regions) => {
                    let regions: Vec<String> = regions.iter().map(|r| r.to_string()).collect();
                    format!("pixel blackout {}", regions.join(", "))
                }
                super::pixel::PixelAction::Verdict(v, reason) => {
                    format!(
                        "pixel {} \"{}\"",
                        v.name(),
                        reason.replace('\\', "\\\\").replace('"', "\\\"")
                    )
                }
            };
            match &p.condition {
                None => out.push_str(&format!("{stmt}  # {}\n", p.origin)),
                Some((_, text)) => {
                    out.push_str(&format!("when {text} {{\n    {stmt}  # {}\n}}\n", p.origin))
                }
            }
        }
    }
}
