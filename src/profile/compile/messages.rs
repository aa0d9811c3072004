//! Diagnostic texts shared by the compiler's checks: bad selectors, literal help.

use super::*;

pub(super) fn literal_help(vr: VR) -> String {
    let example = match vr {
        VR::DA => "dates are `YYYYMMDD`, like `20000101`",
        VR::TM => "times are `HHMMSS`, like `120000`",
        VR::DT => "date-times are `YYYYMMDDHHMMSS`, like `20000101120000`",
        VR::IS => "integer strings hold a whole number, like `42`",
        VR::DS => "decimal strings hold a number, like `1.5`",
        VR::UI => "UIDs are digits and dots, like `1.2.3.4`",
        VR::CS => "code strings are upper-case letters, digits, space and `_`, at most 16",
        VR::AS => "ages are three digits and a unit, like `045Y`",
        VR::US | VR::SS | VR::UL | VR::SL | VR::UV | VR::SV => {
            "binary integers are written in decimal, like `0`"
        }
        VR::FL | VR::FD => "floating point values are written like `0.5`",
        _ => "",
    };
    let mut help = String::new();
    if let Some(max) = vr::max_len(vr) {
        help.push_str(&format!("{vr} values are at most {max} characters"));
    }
    if !example.is_empty() {
        if !help.is_empty() {
            help.push_str("; ");
        }
        help.push_str(example);
    }
    if help.is_empty() {
        help = format!("write a value that {vr} allows");
    }
    help
}

/// The diagnostic for a selector that does not parse.
pub(crate) fn selector_error_for(sel: &Spanned<Selector>, e: &TagError) -> Diagnostic {
    let text = sel.node.text();
    match e {
        TagError::UnknownKeyword { suggestions } => {
            let mut d = Diagnostic::new(Code::UnknownKeyword, format!("unknown keyword `{text}`"))
                .label(sel.span, "not in the standard data dictionary");
            d = d.help(match did_you_mean(suggestions) {
                Some(dym) => dym,
                None => "keywords are written as in PS3.6, like `PatientName`; any element can also be selected by tag, like `(0010,0010)`".to_string(),
            });
            d
        }
        TagError::CreatorOnEvenGroup => Diagnostic::new(
            Code::CreatorOnEvenGroup,
            format!("`{text}` selects a private creator in an even group"),
        )
        .label(sel.span, "even groups are public")
        .help("private elements live in odd groups, like `(0019,\"CREATOR\",0C)`; select public elements by tag or keyword"),
        TagError::NotSelectable(k) => Diagnostic::new(Code::BadTag, format!("`{k}` is not a single attribute"))
            .label(sel.span, "a placeholder of the dictionary")
            .help("group lengths are always removed; private creators follow their blocks; select private elements with `(gggg,\"CREATOR\",ee)`"),
        other => {
            let help = match other {
                TagError::GroupDigits | TagError::ElementDigits | TagError::Shape => {
                    "a tag is `(gggg,eeee)` in hex, with `x` for any digit in a mask: `(0010,0010)`, `(60xx,4000)`; a private element by creator is `(0019,\"CREATOR\",0C)`"
                }
                TagError::CreatorElement => "the element of a private creator selector is the last two hex digits, like `0C` for (0019,xx0C), or `xx` for the whole block",
                TagError::CreatorGroupMasked => "write the private group in full, like `(0019,\"CREATOR\",0C)`",
                TagError::CreatorEmpty | TagError::CreatorTooLong | TagError::CreatorCharacters => {
                    "the creator is the value of the private creator element, like `\"SIEMENS MR HEADER\"` (a LO: at most 64 characters)"
                }
                _ => "check the selector",
            };
            Diagnostic::new(Code::BadTag, format!("`{text}` is not a valid selector"))
                .label(sel.span, other.to_string())
                .help(help)
        }
    }
}
