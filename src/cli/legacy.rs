//! The command line of the old Python tool, rewritten before clap sees it, and the
//! did-you-mean for a mistyped command.
//!
//! - `dicom-anonymizer [OPTIONS] SRC DST` is `run` (the old tool had no subcommands).
//! - `-t TAG regexp FIND REPL` and `-t TAG replace_with_value VALUE` give the action's
//!   arguments as separate words, as the old tool did; they become one ACTION,
//!   `regexp "FIND" "REPL"`, with the strings quoted as the profile language writes them.
//!
//! Everything else about the old flags (`--keepPrivateTags`, `--dictionary`, `--type`,
//! four-number masks) is plain clap aliases and values; see README's migration table.

use std::ffi::OsString;

/// Subcommand names, to recognise the old `dicom-anonymizer SRC DST` form.
pub const COMMANDS: &[&str] = &[
    "run",
    "lint",
    "plan",
    "convert",
    "check",
    "serve",
    "completions",
    "help",
];

/// How many argument words each old action takes after its name.
fn argument_words(action: &str) -> usize {
    match action {
        "regexp" => 2,
        "replace_with_value" => 1,
        _ => 0,
    }
}

/// A string literal of the profile language.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Joins `-t TAG ACTION ARG...` into `-t TAG "ACTION \"ARG\"..."`.
fn join_tag_arguments(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut it = args.into_iter().peekable();
    while let Some(a) = it.next() {
        let is_t = a == "-t" || a == "--tag";
        out.push(a);
        if !is_t {
            continue;
        }
        let (Some(tag), Some(action)) = (it.next(), it.next()) else {
            continue;
        };
        out.push(tag);
        let n = action.to_str().map_or(0, argument_words);
        let mut words = vec![action.to_string_lossy().into_owned()];
        let mut taken = Vec::new();
        for _ in 0..n {
            match it.next_if(|w| w.to_str().is_some()) {
                Some(w) => taken.push(w),
                None => break,
            }
        }
        if taken.len() == n && n > 0 {
            words.extend(taken.iter().map(|w| quoted(&w.to_string_lossy())));
            out.push(words.join(" ").into());
        } else {
            // not the old form: leave it to clap (and the compiler) to explain
            out.push(action);
            out.extend(taken);
        }
    }
    out
}

/// A command name close to a mistyped first word, when that word is not a path
/// either (`lnt` → `lint`).
pub fn mistyped_command(first: &str) -> Option<String> {
    let plain = !first.is_empty()
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && !std::path::Path::new(first).exists();
    if !plain {
        return None;
    }
    crate::fuzzy::closest(first, COMMANDS.iter().copied(), 0.85)
        .into_iter()
        .next()
}

/// Rewrites the old tool's forms into this tool's. An error is a mistyped command.
pub fn normalize_args(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let mut args = join_tag_arguments(args);
    let first = args.get(1).and_then(|a| a.to_str()).map(str::to_string);
    if let Some(first) = first {
        let is_flag = first.starts_with('-');
        let is_command = COMMANDS.contains(&first.as_str());
        let is_help = matches!(first.as_str(), "-h" | "--help" | "-V" | "--version");
        if !is_command && !is_flag {
            if let Some(cmd) = mistyped_command(&first) {
                return Err(format!(
                    "`{first}` is not a command, nor a file or folder; did you mean `{cmd}`? (commands: {})",
                    COMMANDS.join(", ")
                ));
            }
        }
        if !is_command && !is_help && (!is_flag || args.len() > 2) {
            args.insert(1, "run".into());
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    #[test]
    fn old_tag_arguments_become_one_action() {
        let got = normalize_args(words(&[
            "da",
            "-t",
            "PatientName",
            "regexp",
            "^(.)[a-z\"]*",
            "\\1X",
            "-t",
            "PatientID",
            "replace_with_value",
            "SUBJ",
            "in",
            "out",
        ]))
        .unwrap();
        assert_eq!(
            got,
            words(&[
                "da",
                "run",
                "-t",
                "PatientName",
                r#"regexp "^(.)[a-z\"]*" "\\1X""#,
                "-t",
                "PatientID",
                r#"replace_with_value "SUBJ""#,
                "in",
                "out",
            ])
        );
        // the new form is left alone
        let new = words(&["da", "run", "-t", "PatientID", "replace \"X\"", "a", "b"]);
        assert_eq!(normalize_args(new.clone()).unwrap(), new);
    }

    #[test]
    fn mistyped_commands_get_a_suggestion() {
        let e = normalize_args(words(&["da", "lnt", "x.anon"])).unwrap_err();
        assert!(e.contains("did you mean `lint`"), "{e}");
        let e = normalize_args(words(&["da", "chek", "out"])).unwrap_err();
        assert!(e.contains("did you mean `check`"), "{e}");
        // a path is the old form, even when it looks like a command
        assert_eq!(
            normalize_args(words(&["da", "in/", "out/"])).unwrap(),
            words(&["da", "run", "in/", "out/"])
        );
    }
}
