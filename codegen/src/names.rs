//! Naming rules: how names of the API description become Rust names.

/// Words of a name: breaks at `_`, `-`, `.`, `/`, spaces, and lower-to-upper case changes
/// (`actionId` → `action`, `id`; `SCIMConfig` → `scim`, `config`).
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `UpperCamelCase` of a name; a leading digit gets a `V` in front.
pub(crate) fn pascal(name: &str) -> String {
    let mut out = String::new();
    for w in words(name) {
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            out.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.is_empty() {
        return "Empty".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Self" {
        out.push_str("Value");
    }
    out
}

/// `snake_case` of a name; a leading digit gets a `n` in front, keywords a `_` behind.
pub(crate) fn snake(name: &str) -> String {
    let mut out = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() {
        out = "value".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Whether a name is a Rust keyword (strict or reserved) or a name a generated item must not
/// take.
pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Rust keywords (strict and reserved) and names a generated item must not take.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// A Rust string literal for `s`.
pub(crate) fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// Text for a doc comment: one `///` line per line of `text`.
pub(crate) fn doc(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "///\n".to_owned()
            } else {
                format!("/// {l}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(pascal("get_client-grants_by_id"), "GetClientGrantsById");
        assert_eq!(pascal("SCIMConfiguration"), "ScimConfiguration");
        assert_eq!(pascal("post-login"), "PostLogin");
        assert_eq!(pascal("2fa"), "V2fa");
        assert_eq!(snake("actionId"), "action_id");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("eventStreams"), "event_streams");
        assert_eq!(snake("x509"), "x509");
        assert_eq!(
            snake("tokenEndpointAuthMethod"),
            "token_endpoint_auth_method"
        );
    }
}
