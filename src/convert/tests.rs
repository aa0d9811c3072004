use super::*;
use crate::profile;

#[test]
fn json_paths() {
    let root = JsonPath::root();
    assert_eq!(
        root.key("delete").index(0).index(1).as_str(),
        "$.delete[0][1]"
    );
    assert_eq!(
        root.key("(0x0010, 0x0010)").key("action").as_str(),
        "$[\"(0x0010, 0x0010)\"].action"
    );
    assert_eq!(root.key("a\"b").as_str(), "$[\"a\\\"b\"]");
}

#[test]
fn every_old_action_has_a_word_the_compiler_knows() {
    for (name, word) in action_mapping() {
        let args = match name {
            "regexp" => " \"a\" \"b\"",
            "replace_with_value" => " \"X\"",
            _ => "",
        };
        let text = format!("(0008,0018) {word}{args}\n");
        let target = if word == "uid" || word == "X/Z/U*" {
            text
        } else {
            format!("(0010,0010) {word}{args}\n")
        };
        let compiled = profile::compile_str("t.anon", &target);
        assert!(
            compiled.diagnostics.is_empty(),
            "{name}: {:?}",
            compiled.diagnostics
        );
    }
}
