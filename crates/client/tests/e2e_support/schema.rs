//! Validation of the fake tenant's answers against the response schemas of Auth0's Management API
//! description (`../shared/auth0/management-api-oas.json` beside the workspace), with a JSON
//! Schema validator.
//!
//! Formats are checked, the description's own ones included (`cidr`, `ipv6_cidr`,
//! `forms-expression`, `forms-custom-identifier`, defined below from their names and Auth0's
//! documentation); other unknown formats are annotations. Patterns are checked, but for those
//! the validator's regular-expression engine cannot compile (ECMAScript-only syntax), which are
//! left out and counted. Where the description contradicts what Auth0 really answers, a
//! correction is applied, each with the recording that shows the real answer: the required
//! fields of [`ERRATA`] are dropped, and the `oneOf` of list answers becomes an `anyOf` (see
//! [`pages_any_of`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use auth0_m2m_fake::Answer;
use serde_json::{Map, Value, json};

/// Corrections of the description: `(schema, required field to drop, why)`.
pub const ERRATA: &[(&str, &str, &str)] = &[
    (
        "GetBrandingPhoneProviderResponseContent",
        "credentials",
        "required but not a property (additionalProperties is false): no answer can be valid; \
         Auth0 never returns the credentials (recordings/go-auth0/\
         TestBrandingManager_ReadPhoneProvider.json)",
    ),
    (
        "CreateBrandingPhoneProviderResponseContent",
        "credentials",
        "as above (TestBrandingManager_CreatePhoneProvider.json)",
    ),
    (
        "UpdateBrandingPhoneProviderResponseContent",
        "credentials",
        "as above (TestBrandingManager_UpdatePhoneProvider.json)",
    ),
    (
        "PhoneProviderSchemaMasked",
        "credentials",
        "as above, the items of the providers list (TestBrandingManager_ListPhoneProviders.json)",
    ),
];

/// Statuses the description gets wrong: `(method, path template, status Auth0 answers,
/// status the description documents, evidence)`; the answer is checked against the documented
/// status's schema.
pub const STATUS_ERRATA: &[(&str, &str, u16, u16, &str)] = &[(
    "PATCH",
    "/resource-servers/{id}",
    200,
    201,
    "recordings/go-auth0/TestResourceServer_Update.json: Auth0 answers 200",
)];

/// The outcome of validating a set of answers.
#[derive(Debug, Default)]
pub struct Validation {
    /// Answers with a JSON body that were validated.
    pub checked: usize,
    /// Operations with at least one validated answer.
    pub operations: BTreeSet<&'static str>,
    /// Operations whose successful answers have no body (204, or no JSON schema).
    pub bodiless: BTreeSet<&'static str>,
    /// One line per invalid answer.
    pub invalid: Vec<String>,
    /// Patterns left out because the engine cannot compile them.
    pub patterns_left_out: usize,
    /// List answers whose `oneOf` became an `anyOf`.
    pub lists_corrected: usize,
    /// Patterns whose counts were written with a space.
    pub counts_corrected: usize,
}

/// Where the description is, if it is there.
pub fn description_path() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/auth0/management-api-oas.json");
    path.exists().then_some(path)
}

/// Validates every successful answer with a JSON body against its operation's schema.
pub fn validate(spec: &Value, answers: &[Answer]) -> Validation {
    let mut out = Validation::default();
    let mut components = spec["components"].clone();
    for (schema, field, _) in ERRATA {
        let required = &mut components["schemas"][*schema]["required"];
        if let Some(list) = required.as_array_mut() {
            list.retain(|f| f != field);
        }
    }
    out.lists_corrected = pages_any_of(&mut components);
    out.counts_corrected = spaced_counts(&mut components);
    out.patterns_left_out = strip_uncompilable_patterns(&mut components);
    let options = jsonschema::options()
        .should_validate_formats(true)
        .with_format("cidr", is_ipv4_cidr)
        .with_format("ipv6_cidr", is_ipv6_cidr)
        .with_format("forms-expression", |s: &str| s.contains("{{"))
        .with_format("forms-custom-identifier", |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    let mut validators = BTreeMap::new();
    // Each operation by its id: its method, path template and description.
    let operations: HashMap<&str, (&str, &str, &Value)> = spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(template, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter_map(move |(method, op)| {
                    Some((
                        op["operationId"].as_str()?,
                        (method.as_str(), template.as_str(), op),
                    ))
                })
        })
        .collect();
    for answer in answers {
        let Some(operation) = answer.operation else {
            continue;
        };
        if !(200..300).contains(&answer.status) {
            continue;
        }
        let found = operations
            .get(operation)
            .filter(|(method, _, _)| method.eq_ignore_ascii_case(&answer.method));
        let Some(&(_, template, op)) = found else {
            out.invalid
                .push(format!("{operation}: not in the description"));
            continue;
        };
        let documented = STATUS_ERRATA
            .iter()
            .find(|(m, t, real, _, _)| {
                *m == answer.method && *t == template && *real == answer.status
            })
            .map_or(answer.status, |e| e.3);
        let mut schema =
            op["responses"][documented.to_string()]["content"]["application/json"]["schema"]
                .clone();
        let fresh = !validators.contains_key(&(operation, answer.status));
        if page_any_of(&mut schema) && fresh {
            out.lists_corrected += 1;
        }
        if answer.body.is_empty() && !schema.is_null() && answer.status != 204 {
            out.invalid.push(format!(
                "{} {template}: no body, where the description gives one",
                answer.method
            ));
            continue;
        }
        if answer.body.is_empty() || schema.is_null() {
            if !answer.body.is_empty() && !op["responses"][documented.to_string()].is_object() {
                out.invalid.push(format!(
                    "{} {template}: status {} is not a documented answer",
                    answer.method, answer.status
                ));
            }
            out.bodiless.insert(operation);
            continue;
        }
        let body: Value = match serde_json::from_slice(&answer.body) {
            Ok(v) => v,
            Err(e) => {
                out.invalid
                    .push(format!("{} {template}: not JSON ({e})", answer.method));
                continue;
            }
        };
        let validator = validators
            .entry((operation, answer.status))
            .or_insert_with(|| {
                options
                    .build(&json!({"allOf": [schema], "components": components}))
                    .expect("the description's schema compiles")
            });
        out.checked += 1;
        out.operations.insert(operation);
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .take(3)
            .map(|e| {
                let text = e.to_string();
                let text = match text.char_indices().nth(240) {
                    Some((cut, _)) => format!("{}…", &text[..cut]),
                    None => text,
                };
                format!(
                    "{text} at `{}` (schema `{}`)",
                    e.instance_path(),
                    e.schema_path()
                )
            })
            .collect();
        if !errors.is_empty() {
            out.invalid.push(format!(
                "{} {} ({template}): {}",
                answer.method,
                answer.path,
                errors.join("; ")
            ));
        }
    }
    out.bodiless.retain(|op| !out.operations.contains(op));
    out
}

/// Turns the `oneOf` of every list answer (a bare array, an offset envelope, a checkpoint
/// envelope) into an `anyOf`; returns how many. Both envelopes' fields are optional, so a page
/// holding only its items (`{"users": […]}`: the last checkpoint page, which has no `next`) is
/// valid under both, and `oneOf` would refuse it. Auth0 answers exactly that
/// (recordings/go-auth0/TestRoleManager_UsersCheckpointPagination.json,
/// TestOrganizationManager_MembersCheckpointPagination.json).
fn pages_any_of(components: &mut Value) -> usize {
    components["schemas"]
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
        .filter_map(|schema| page_any_of(schema).then_some(()))
        .count()
}

/// [`pages_any_of`] for one schema; whether it was a list answer.
fn page_any_of(schema: &mut Value) -> bool {
    let Some(map) = schema.as_object_mut() else {
        return false;
    };
    let pages = map
        .get("oneOf")
        .and_then(Value::as_array)
        .is_some_and(|alts| {
            alts.iter().any(|a| {
                a["$ref"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("PaginatedResponseContent"))
            })
        });
    if pages && let Some(alts) = map.remove("oneOf") {
        map.insert("anyOf".to_owned(), alts);
    }
    pages
}

/// Counts written with a space (`^\+[0-9]{8, 20}`, a phone number) are literal text to
/// ECMAScript and to the validator, so no phone number would match; they are read as the counts
/// they are meant to be. Returns how many patterns were corrected.
fn spaced_counts(schema: &mut Value) -> usize {
    with_each_pattern(schema, &mut |map| {
        if let Some(Value::String(p)) = map.get_mut("pattern")
            && let Some(corrected) = without_spaced_counts(p)
        {
            *p = corrected;
            true
        } else {
            false
        }
    })
}

/// `{8, 20}` → `{8,20}`, if the pattern has such a count.
fn without_spaced_counts(pattern: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = pattern;
    let mut changed = false;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let close = after.find('}').unwrap_or(after.len() - 1);
        let inner = &after[1..close];
        let is_count = inner
            .split(',')
            .all(|n| n.trim().chars().all(|c| c.is_ascii_digit()))
            && inner.contains(", ");
        if is_count {
            out.push('{');
            out.push_str(&inner.replace(' ', ""));
            out.push('}');
            changed = true;
        } else {
            out.push_str(&after[..=close]);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Removes the `pattern` keywords the validator cannot compile; returns how many.
fn strip_uncompilable_patterns(schema: &mut Value) -> usize {
    let mut compiles: HashMap<String, bool> = HashMap::new();
    with_each_pattern(schema, &mut |map| {
        let pattern = map["pattern"].as_str().unwrap_or_default().to_owned();
        let compiles = *compiles
            .entry(pattern)
            .or_insert_with_key(|p| jsonschema::validator_for(&json!({"pattern": p})).is_ok());
        if !compiles {
            map.remove("pattern");
        }
        !compiles
    })
}

/// Calls `f` with every schema object that has a string `pattern` keyword (a property named
/// `pattern` holds a schema object, not a string); returns how many calls answered `true`.
fn with_each_pattern(
    schema: &mut Value,
    f: &mut impl FnMut(&mut Map<String, Value>) -> bool,
) -> usize {
    match schema {
        Value::Object(map) => {
            let changed = map.get("pattern").is_some_and(Value::is_string) && f(map);
            usize::from(changed)
                + map
                    .values_mut()
                    .map(|v| with_each_pattern(v, f))
                    .sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(|v| with_each_pattern(v, f)).sum(),
        _ => 0,
    }
}

/// `192.0.2.0/24`.
fn is_ipv4_cidr(s: &str) -> bool {
    s.split_once('/').is_some_and(|(ip, bits)| {
        ip.parse::<std::net::Ipv4Addr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 32)
    })
}

/// `2001:db8::/32`.
fn is_ipv6_cidr(s: &str) -> bool {
    s.split_once('/').is_some_and(|(ip, bits)| {
        ip.parse::<std::net::Ipv6Addr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 128)
    })
}
