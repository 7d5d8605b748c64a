//! `--jq EXPR`: a jq filter applied in-process, with jaq (a jq implementation in Rust), so that
//! no external `jq` is needed.

use jaq_core::data::JustLut;
use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

use crate::error::CliError;

type Data = JustLut<Val>;

/// A compiled filter.
pub(crate) struct Jq {
    filter: jaq_core::compile::Filter<jaq_core::Native<Data>>,
}

impl std::fmt::Debug for Jq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jq").finish_non_exhaustive()
    }
}

/// One result of a filter: a string is printed as its text (as `jq -r` and `gh api --jq` do),
/// anything else as JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JqOutput {
    /// A string result.
    Text(String),
    /// Any other result.
    Json(Value),
}

impl Jq {
    /// Parses and compiles `expr`; a malformed filter is a usage error that says where.
    pub(crate) fn compile(expr: &str) -> Result<Self, CliError> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = loader
            .load(
                &arena,
                File {
                    code: expr,
                    path: (),
                },
            )
            .map_err(|errors| {
                let reasons: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, e)| load_reasons(expr, e))
                    .collect();
                CliError::usage(format!("--jq {expr:?}: {}", reasons.join("; ")))
            })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                let reasons: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, es)| es)
                    .map(|(name, undefined)| format!("undefined {} {name}", undefined.as_str()))
                    .collect();
                CliError::usage(format!("--jq {expr:?}: {}", reasons.join("; ")))
            })?;
        Ok(Self { filter })
    }

    /// Runs the filter on `input`.
    pub(crate) fn run(&self, input: &Value) -> Result<Vec<JqOutput>, CliError> {
        let text = input.to_string();
        let input = jaq_json::read::parse_single(text.as_bytes())
            .map_err(|e| CliError::failure(format!("--jq: cannot read the answer: {e}")))?;
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new([]));
        let mut out = Vec::new();
        for result in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            let value = result.map_err(|e| CliError::failure(format!("--jq: {e}")))?;
            out.push(match &value {
                Val::TStr(bytes) => JqOutput::Text(String::from_utf8_lossy(bytes).into_owned()),
                other => {
                    let text = other.to_string();
                    match serde_json::from_str(&text) {
                        Ok(json) => JqOutput::Json(json),
                        Err(_) => JqOutput::Text(text),
                    }
                }
            });
        }
        Ok(out)
    }
}

/// What is wrong in a filter, with where.
fn load_reasons(expr: &str, error: load::Error<&str>) -> Vec<String> {
    let at = |rest: &str| {
        let offset = expr.len().saturating_sub(rest.len());
        let near: String = rest.chars().take(20).collect();
        if near.is_empty() {
            format!("at the end (offset {offset})")
        } else {
            format!("at offset {offset} ({near:?})")
        }
    };
    match error {
        load::Error::Io(errors) => errors
            .into_iter()
            .map(|(path, e)| format!("module {path}: {e}"))
            .collect(),
        load::Error::Lex(errors) => errors
            .into_iter()
            .map(|(expect, rest)| format!("expected {} {}", expect.as_str(), at(rest)))
            .collect(),
        load::Error::Parse(errors) => errors
            .into_iter()
            .map(|(expect, rest)| format!("expected {} {}", expect.as_str(), at(rest)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn filters_run_in_process() {
        let input = json!({"clients": [{"name": "a", "n": 1}, {"name": "b", "n": 2}]});
        let names = Jq::compile(".clients[].name").unwrap().run(&input).unwrap();
        assert_eq!(
            names,
            [JqOutput::Text("a".into()), JqOutput::Text("b".into())]
        );
        let sum = Jq::compile("[.clients[].n] | add")
            .unwrap()
            .run(&input)
            .unwrap();
        assert_eq!(sum, [JqOutput::Json(json!(3))]);
        let mapped = Jq::compile(".clients | map({name}) | length")
            .unwrap()
            .run(&input)
            .unwrap();
        assert_eq!(mapped, [JqOutput::Json(json!(2))]);
        let selected = Jq::compile(r#".clients[] | select(.name | test("^b"))"#)
            .unwrap()
            .run(&input)
            .unwrap();
        assert_eq!(selected, [JqOutput::Json(json!({"name": "b", "n": 2}))]);
    }

    #[test]
    fn bad_filters_are_usage_errors_and_runtime_errors_failures() {
        let e = Jq::compile(".clients[").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--jq"), "{e}");
        let e = Jq::compile("nosuchfunction").unwrap_err();
        assert!(e.to_string().contains("nosuchfunction"), "{e}");
        let e = Jq::compile(".a + 1")
            .unwrap()
            .run(&json!({"a": "x"}))
            .unwrap_err();
        assert_eq!(e.exit_code(), 1);
    }
}
