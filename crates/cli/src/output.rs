//! Printing: JSON for terminals and pipes, shell quoting, fingerprints.

use std::io::{IsTerminal, Write};

use sha2::{Digest, Sha256};

use crate::error::CliError;

/// Whether stdout is a terminal (JSON is indented there, compact otherwise).
pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether stderr is a terminal (progress is shown there).
pub(crate) fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Whether stdin is a terminal (questions can be asked).
pub(crate) fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// `value` as JSON text: indented when `pretty`, compact otherwise.
pub(crate) fn json_text(value: &serde_json::Value, pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    // Serializing a `Value` cannot fail: its keys are strings.
    text.unwrap_or_default()
}

/// Whether colours may be used on a terminal: not with `NO_COLOR` set to a non-empty value
/// (<https://no-color.org>) nor on a dumb terminal.
pub(crate) fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// `value` as stdout shows it: indented (and coloured, unless [`colour_allowed`] says no) on a
/// terminal, compact otherwise.
pub(crate) fn json_for_stdout(value: &serde_json::Value) -> String {
    if stdout_is_terminal() {
        if colour_allowed() {
            coloured_json(value)
        } else {
            json_text(value, true)
        }
    } else {
        json_text(value, false)
    }
}

/// `value` indented, with the colours jq uses: keys blue, strings green, `null` grey.
pub(crate) fn coloured_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    colour_into(&mut out, value, 0);
    out
}

const KEY: &str = "\x1b[34;1m";
const STRING: &str = "\x1b[0;32m";
const NULL: &str = "\x1b[1;30m";
const RESET: &str = "\x1b[0m";

fn colour_into(out: &mut String, value: &serde_json::Value, depth: usize) {
    use serde_json::Value;
    let pad = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    match value {
        Value::Null => {
            out.push_str(NULL);
            out.push_str("null");
            out.push_str(RESET);
        }
        Value::String(_) => {
            out.push_str(STRING);
            out.push_str(&value.to_string());
            out.push_str(RESET);
        }
        Value::Bool(_) | Value::Number(_) => out.push_str(&value.to_string()),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                colour_into(out, item, depth + 1);
            }
            pad(out, depth);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                out.push_str(KEY);
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push_str(RESET);
                out.push_str(": ");
                colour_into(out, item, depth + 1);
            }
            pad(out, depth);
            out.push('}');
        }
    }
}

/// Writes `text` and a newline to stdout; a closed pipe (`| head`) ends quietly.
pub(crate) fn print_line(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!("cannot write to stdout: {e}"))),
    }
}

/// Writes `text` to stdout without a newline; a closed pipe ends quietly.
pub(crate) fn print_raw(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(format!("cannot write to stdout: {e}"))),
    }
}

/// Quotes `arg` for a POSIX shell: unchanged when it is made of safe characters only,
/// otherwise in single quotes (a single quote inside becomes `'\''`).
pub(crate) fn shell_quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// `value` as a double-quoted string of a curl configuration file (`curl -K`): backslashes,
/// quotes and control characters escaped.
pub(crate) fn curl_config_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The first 16 hexadecimal digits of the SHA-256 of `secret`: identifies a token in logs
/// and summaries without revealing it.
pub(crate) fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_a_shell() {
        let cases = [
            "plain",
            "with space",
            "it's",
            "$(rm -rf /)",
            "`x`",
            "a\"b",
            "",
            "{\"name\":\"x y\"}",
            "back\\slash",
            "new\nline",
        ];
        for case in cases {
            let quoted = shell_quote(case);
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {quoted}"))
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout), case, "{quoted}");
        }
    }

    #[test]
    fn curl_configuration_strings_are_escaped() {
        assert_eq!(curl_config_quote("plain"), "\"plain\"");
        assert_eq!(curl_config_quote("a\"b\\c\nd\te"), r#""a\"b\\c\nd\te""#);
    }

    #[test]
    fn fingerprints_are_stable_and_short() {
        assert_eq!(fingerprint("abc"), "ba7816bf8f01cfea");
        assert_ne!(fingerprint("abc"), fingerprint("abd"));
    }

    #[test]
    fn coloured_json_is_the_indented_json_plus_colours() {
        let v = serde_json::json!({"a": [1, "x", null, true], "b": {}, "c": {"d": []}});
        let coloured = coloured_json(&v);
        assert!(coloured.contains("\x1b[34;1m\"a\"\x1b[0m"), "{coloured:?}");
        assert!(coloured.contains("\x1b[0;32m\"x\"\x1b[0m"), "{coloured:?}");
        // Without the escape sequences, it is serde_json's indented text.
        let mut plain = coloured.clone();
        for code in [KEY, STRING, NULL, RESET] {
            plain = plain.replace(code, "");
        }
        assert_eq!(plain, json_text(&v, true));
    }

    #[test]
    fn json_is_compact_or_indented() {
        let v = serde_json::json!({"a": [1, 2]});
        assert_eq!(json_text(&v, false), r#"{"a":[1,2]}"#);
        assert!(json_text(&v, true).contains("\n  \"a\""));
    }
}
