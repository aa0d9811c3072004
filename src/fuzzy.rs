//! "Did you mean": the closest names to a word, for every diagnostic that suggests one
//! (keywords, actions, options, built-in profiles).

/// Up to three of `candidates` closest to `word`, best first: a case-insensitive exact
/// match, then Jaro-Winkler similarity above `min_score` (0 to 1; 0.8 suits short
/// names, 0.88 long keywords). Ties keep alphabetical order, so results are stable.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    min_score: f64,
) -> Vec<String> {
    let lower = word.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| {
            let cl = c.to_lowercase();
            let score = if cl == lower {
                2.0
            } else {
                strsim::jaro_winkler(&lower, &cl)
            };
            (score, c)
        })
        .filter(|(s, _)| *s > min_score)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn exact_case_first_then_similar() {
        let words = ["keep", "delete", "replace", "replace_UID"];
        assert_eq!(closest("Keep", words, 0.8), ["keep"]);
        assert_eq!(closest("replase", words, 0.8)[0], "replace");
        assert!(closest("zzz", words, 0.8).is_empty());
    }
}
