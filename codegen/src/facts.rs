//! Constraints the API description states only in prose, from the reviewed file
//! `codegen/facts.toml`.
//!
//! Each entry names a schema and one of its properties, the kind of constraint (`own_scope`,
//! `excludes`, `requires`), what it involves, and the description's own wording with where it
//! stands, so that a reviewer can check it. The generator checks every entry against the
//! description before it writes anything ([`check`]): the schema, the property and every other
//! property named must exist, a value must be one the other property accepts, a scope must be
//! one the description declares, and the wording must still be found where the entry says it
//! is. An entry the description no longer supports fails the run, so the file cannot rot.
//! [`notes`] turns the entries into short notes, in our own words, for the docs of the model
//! field, its setter and its getter.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::types::{Def, Field, TypeDef, Types, default_is_example, ref_name};

/// Where the facts file is, relative to the workspace root.
pub(crate) const FILE: &str = "codegen/facts.toml";

/// What a constraint says of its property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// Sending (or, on a type only read, receiving) the property needs a scope of its own.
    OwnScope,
    /// The property cannot be sent together with the properties of `with`.
    Excludes,
    /// The property needs the other properties of `needs` to have a value, to be set, or to be
    /// unset (only when it has the value `when`, if given).
    Requires,
}

/// One condition of a `requires` constraint on another property of the same schema (a dotted
/// path reaches into a nested object: `jwt_configuration.alg`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Need {
    pub(crate) property: String,
    /// The value the other property must have; without it (and without `unset`), the other
    /// property must be set.
    #[serde(default)]
    pub(crate) value: Option<Value>,
    /// The other property must be unset.
    #[serde(default)]
    pub(crate) unset: bool,
}

/// One entry of the facts file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Constraint {
    /// A component of `#/components/schemas`.
    pub(crate) schema: String,
    /// One of its properties (`allOf` parts included).
    pub(crate) property: String,
    pub(crate) kind: Kind,
    /// `own_scope`: the scopes, any one of which is needed.
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
    /// `own_scope` on a type only read: the operations whose answers it is said of
    /// (`"GET /clients/{id}"`), when the type is the answer of others too.
    #[serde(default)]
    pub(crate) operations: Vec<String>,
    /// `excludes`: the properties it cannot be sent with.
    #[serde(default)]
    pub(crate) with: Vec<String>,
    /// `requires`: the conditions on other properties.
    #[serde(default)]
    pub(crate) needs: Vec<Need>,
    /// `requires`: the property's own value the conditions apply to (any value when absent).
    #[serde(default)]
    pub(crate) when: Option<Value>,
    /// Where the wording stands: `"PATCH /clients/{id}"` (an operation's description), a
    /// component's name (its description) or `"Schema.property"`; by default the property's
    /// own description or that of the component it refers to.
    #[serde(default)]
    pub(crate) source: Option<String>,
    /// The description's words, as they stand there (whitespace aside).
    pub(crate) wording: String,
    /// A reviewer's remark; not used by the generator.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) comment: Option<String>,
}

impl Constraint {
    fn at(&self, i: usize) -> String {
        format!(
            "{FILE}, constraint {} ({}.{})",
            i + 1,
            self.schema,
            self.property
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactsFile {
    #[serde(default)]
    constraint: Vec<Constraint>,
}

/// The entries of a facts file's text.
pub(crate) fn parse(text: &str) -> Result<Vec<Constraint>, String> {
    toml::from_str::<FactsFile>(text)
        .map(|f| f.constraint)
        .map_err(|e| format!("{FILE} does not parse: {e}"))
}

/// The entries of the checked-in facts file.
pub(crate) fn load(root: &Path) -> Result<Vec<Constraint>, String> {
    let path = root.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text)
}

/// Text with every run of whitespace one space, for comparing wording.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A property's schema in an object schema, by a dotted path (`jwt_configuration.alg`); a
/// `$ref`, `allOf` parts and a `oneOf`/`anyOf` of one object and `null` are followed.
fn property_schema(types: &Types<'_>, schema: &Value, path: &str) -> Option<Value> {
    let mut current = schema.clone();
    let mut found = None;
    for segment in path.split('.') {
        let (props, _) = types.object_parts(&current);
        let (_, p) = props.into_iter().find(|(k, _)| k == segment)?;
        current = types.resolved(&p);
        if let Some([only]) = current
            .get("oneOf")
            .or_else(|| current.get("anyOf"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|x| x.get("type").and_then(Value::as_str) != Some("null"))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .as_deref()
        {
            current = types.resolved(only);
        }
        found = Some(p);
    }
    found
}

/// Whether a schema accepts a value: its `enum`/`const` lists it, or its type is the value's;
/// a union accepts what one of its alternatives accepts. A schema that says nothing accepts
/// anything.
fn accepts(types: &Types<'_>, schema: &Value, value: &Value, depth: usize) -> bool {
    if depth > 8 {
        return true;
    }
    let s = types.resolved(schema);
    if let Some(alts) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)
    {
        return alts.iter().any(|a| accepts(types, a, value, depth + 1));
    }
    if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
        return parts.iter().all(|p| accepts(types, p, value, depth + 1));
    }
    if let Some(c) = s.get("const") {
        return c == value;
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        return values.contains(value);
    }
    let kinds: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return true,
    };
    kinds.iter().any(|k| match *k {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        _ => true,
    })
}

/// The text an entry's wording must be found in.
fn source_text(types: &Types<'_>, spec: &Value, c: &Constraint) -> Result<String, String> {
    let description = |s: &Value| {
        s.get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let Some(source) = &c.source else {
        let schema = types.schemas.get(&c.schema).cloned().unwrap_or_default();
        let p = property_schema(types, &schema, &c.property).unwrap_or_default();
        let mut text = description(&p);
        if ref_name(&p).is_some() {
            text.push('\n');
            text.push_str(&description(&types.resolved(&p)));
        }
        return Ok(text);
    };
    if source.contains(' ') {
        let op = operation(spec, source)
            .ok_or_else(|| format!("the description has no operation `{source}`"))?;
        return Ok(description(op));
    }
    if let Some((schema, property)) = source.split_once('.') {
        let s = types
            .schemas
            .get(schema)
            .ok_or_else(|| format!("the description has no schema `{schema}` (source)"))?;
        let p = property_schema(types, s, property).ok_or_else(|| {
            format!("the schema `{schema}` has no property `{property}` (source)")
        })?;
        return Ok(description(&p));
    }
    types
        .schemas
        .get(source)
        .map(description)
        .ok_or_else(|| format!("the description has no schema `{source}` (source)"))
}

/// An operation of the description by its method and path (`"PATCH /clients/{id}"`).
fn operation<'s>(spec: &'s Value, name: &str) -> Option<&'s Value> {
    let (method, path) = name.split_once(' ')?;
    spec["paths"].get(path)?.get(method.to_ascii_lowercase())
}

/// Every scope the description's security schemes declare.
fn declared_scopes(spec: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(schemes) = spec["components"]["securitySchemes"].as_object() {
        for scheme in schemes.values() {
            if let Some(flows) = scheme["flows"].as_object() {
                for flow in flows.values() {
                    if let Some(scopes) = flow["scopes"].as_object() {
                        out.extend(scopes.keys().cloned());
                    }
                }
            }
        }
    }
    out
}

/// Checks every entry against the description; the error lists every entry it does not
/// support.
pub(crate) fn check(facts: &[Constraint], spec: &Value) -> Result<(), String> {
    let empty = serde_json::Map::new();
    let schemas = spec["components"]["schemas"].as_object().unwrap_or(&empty);
    let types = Types::new(schemas);
    let scopes = declared_scopes(spec);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, c) in facts.iter().enumerate() {
        let mut fail = |what: String| problems.push(format!("{}: {what}", c.at(i)));
        let Some(schema) = schemas.get(&c.schema) else {
            fail(format!("the description has no schema `{}`", c.schema));
            continue;
        };
        let Some(own) = property_schema(&types, schema, &c.property) else {
            fail(format!(
                "the schema `{}` has no property `{}`",
                c.schema, c.property
            ));
            continue;
        };
        match c.kind {
            Kind::OwnScope => {
                if c.scopes.is_empty() || !c.with.is_empty() || !c.needs.is_empty() {
                    fail("`own_scope` takes `scopes` and nothing else".to_owned());
                }
                for s in c.scopes.iter().filter(|s| !scopes.contains(*s)) {
                    fail(format!("the description declares no scope `{s}`"));
                }
            }
            Kind::Excludes => {
                if c.with.is_empty() || !c.scopes.is_empty() || !c.needs.is_empty() {
                    fail("`excludes` takes `with` and nothing else".to_owned());
                }
            }
            Kind::Requires => {
                if c.needs.is_empty() || !c.scopes.is_empty() || !c.with.is_empty() {
                    fail("`requires` takes `needs` and nothing else".to_owned());
                }
            }
        }
        if c.when.is_some() && c.kind != Kind::Requires {
            fail("only `requires` takes `when`".to_owned());
        }
        if !c.operations.is_empty() && c.kind != Kind::OwnScope {
            fail("only `own_scope` takes `operations`".to_owned());
        }
        for op in &c.operations {
            if operation(spec, op).is_none() {
                fail(format!("the description has no operation `{op}`"));
            }
        }
        if let Some(v) = &c.when
            && !accepts(&types, &own, v, 0)
        {
            fail(format!("`{}` does not accept the value {v}", c.property));
        }
        let others = c
            .with
            .iter()
            .map(|p| (p, None))
            .chain(c.needs.iter().map(|n| (&n.property, Some(n))));
        for (other, need) in others {
            if *other == c.property {
                fail(format!("`{other}` names the property itself"));
                continue;
            }
            let Some(target) = property_schema(&types, schema, other) else {
                fail(format!(
                    "the schema `{}` has no property `{other}`",
                    c.schema
                ));
                continue;
            };
            let Some(need) = need else { continue };
            if need.unset && need.value.is_some() {
                fail(format!("`{other}` cannot both be unset and have a value"));
            }
            if let Some(v) = &need.value
                && !accepts(&types, &target, v, 0)
            {
                fail(format!("`{other}` does not accept the value {v}"));
            }
        }
        match source_text(&types, spec, c) {
            Ok(text) if squash(&text).contains(&squash(&c.wording)) => {}
            Ok(_) => fail(format!(
                "the wording is not in the description at {} any more: {:?}",
                c.source.as_deref().unwrap_or("the property"),
                c.wording
            )),
            Err(e) => fail(e),
        }
        let key = format!(
            "{}.{} {:?} {:?} {:?} {:?} {:?}",
            c.schema,
            c.property,
            c.kind,
            c.scopes,
            c.with,
            c.needs
                .iter()
                .map(|n| (&n.property, &n.value, n.unset))
                .collect::<Vec<_>>(),
            c.when
        );
        if !seen.insert(key) {
            fail("the same constraint is listed twice".to_owned());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} entr{} of {FILE} the description does not support:\n  {}",
            problems.len(),
            if problems.len() == 1 { "y" } else { "ies" },
            problems.join("\n  ")
        ))
    }
}

/// `a`, `a or b`, `a, b or c`.
fn listed(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

fn code(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// The notes of the constrained fields, by (Rust type, JSON name).
pub(crate) type Notes = BTreeMap<(String, String), Vec<String>>;

/// What the entries say of one field, gathered before it is written as sentences.
#[derive(Default)]
struct Gathered {
    /// Each own-scope entry's scopes (any one of them) and the operations it is said of.
    scopes: Vec<(Vec<String>, Vec<String>)>,
    /// The properties it cannot be sent with, from its own entries and theirs.
    excludes: Vec<String>,
    /// The sentences of its `requires` entries.
    requires: Vec<String>,
}

/// Whether `value` is what the field `property` of a type that is sent defaults to, by the rule
/// the field docs follow ([`default_is_example`]): a default, not an example.
fn is_default(
    types: &Types<'_>,
    d: &TypeDef,
    fields: &[Field],
    property: &str,
    value: &Value,
) -> bool {
    let Some(f) = fields.iter().find(|f| f.json == property) else {
        return false;
    };
    let schema = types.resolved(&f.schema);
    schema.get("default").is_some_and(|default| {
        default == value
            && !f.required
            && !default_is_example(types.is_sent(d), &f.json, &f.ty, &schema, default)
    })
}

/// The gathered facts of one field of a type.
fn entry<'g>(
    gathered: &'g mut BTreeMap<(String, String), Gathered>,
    ty: &str,
    field: &str,
) -> &'g mut Gathered {
    gathered
        .entry((ty.to_owned(), field.to_owned()))
        .or_default()
}

/// The notes of every constrained field: sentences in our own words. A type that is sent (a
/// request body, a model reachable from one) says what sending the field needs; a type only
/// read says when Auth0 includes it or when it applies. An exclusion is noted on both fields,
/// in one sentence per field. Also returns the schemas of the entries no generated type comes
/// from (the per-strategy connection options, which the operations refer to through a generic
/// schema): those entries are checked against the description all the same and wait for a
/// type of their own.
pub(crate) fn notes(
    facts: &[Constraint],
    types: &Types<'_>,
) -> Result<(Notes, BTreeSet<String>), String> {
    let mut gathered: BTreeMap<(String, String), Gathered> = BTreeMap::new();
    let mut waiting = BTreeSet::new();
    for (i, c) in facts.iter().enumerate() {
        let Some(name) = types.component_type(&c.schema) else {
            waiting.insert(c.schema.clone());
            continue;
        };
        let Some(d) = types.defs.get(&name) else {
            return Err(format!("{}: the type `{name}` is not defined", c.at(i)));
        };
        let Def::Struct { fields, .. } = &d.def else {
            return Err(format!(
                "{}: the schema `{}` is not a struct",
                c.at(i),
                c.schema
            ));
        };
        for p in std::iter::once(&c.property).chain(&c.with) {
            if !fields.iter().any(|f| f.json == *p) {
                return Err(format!("{}: the type `{name}` has no field `{p}`", c.at(i)));
            }
        }
        let sent = types.is_sent(d);
        match c.kind {
            Kind::OwnScope => entry(&mut gathered, &name, &c.property)
                .scopes
                .push((c.scopes.clone(), c.operations.clone())),
            Kind::Excludes => {
                for other in &c.with {
                    let own = entry(&mut gathered, &name, &c.property);
                    if !own.excludes.contains(other) {
                        own.excludes.push(other.clone());
                    }
                    let back = entry(&mut gathered, &name, other);
                    if !back.excludes.contains(&c.property) {
                        back.excludes.push(c.property.clone());
                    }
                }
            }
            Kind::Requires => {
                let sentence = if sent {
                    let mut parts: Vec<String> = Vec::new();
                    let mut also: Vec<String> = Vec::new();
                    for n in &c.needs {
                        match (&n.value, n.unset) {
                            (Some(v), _) => parts.push(format!(
                                "`{}` to be {}{}",
                                n.property,
                                code(v),
                                if is_default(types, d, fields, &n.property, v) {
                                    " (its default)"
                                } else {
                                    ""
                                }
                            )),
                            (None, true) => parts.push(format!("`{}` unset", n.property)),
                            (None, false) => also.push(format!("`{}`", n.property)),
                        }
                    }
                    if !also.is_empty() {
                        parts.push(format!("{} as well", listed(&also, "and")));
                    }
                    let needs = listed(&parts, "and");
                    match &c.when {
                        Some(v) => format!("The value {} needs {needs}.", code(v)),
                        None => format!("Needs {needs}."),
                    }
                } else {
                    let parts: Vec<String> = c
                        .needs
                        .iter()
                        .map(|n| match (&n.value, n.unset) {
                            (Some(v), _) => format!("`{}` is {}", n.property, code(v)),
                            (None, true) => format!("`{}` is unset", n.property),
                            (None, false) => format!("`{}` is set", n.property),
                        })
                        .collect();
                    let when = listed(&parts, "and");
                    match &c.when {
                        Some(v) => format!("The value {} applies only when {when}.", code(v)),
                        None => format!("Applies only when {when}."),
                    }
                };
                let own = entry(&mut gathered, &name, &c.property);
                if !own.requires.contains(&sentence) {
                    own.requires.push(sentence);
                }
            }
        }
    }
    let mut out = Notes::new();
    for ((name, field), g) in gathered {
        let d = &types.defs[&name];
        let sent = types.is_sent(d);
        let mut sentences = Vec::new();
        for (scopes, operations) in &g.scopes {
            let scopes: Vec<String> = scopes.iter().map(|s| format!("`{s}`")).collect();
            let scopes = listed(&scopes, "or");
            let operations: Vec<String> = operations.iter().map(|o| format!("`{o}`")).collect();
            sentences.push(match (sent, operations.is_empty()) {
                (true, _) => format!("Sending it needs the {scopes} scope."),
                (false, true) => {
                    format!("Auth0 includes it only for a token with the {scopes} scope.")
                }
                (false, false) => format!(
                    "In the answers of {}, Auth0 includes it only for a token with the {scopes} scope.",
                    listed(&operations, "and")
                ),
            });
        }
        if !g.excludes.is_empty() {
            let with: Vec<String> = g.excludes.iter().map(|p| format!("`{p}`")).collect();
            let with = listed(&with, "or");
            let mut sentence = if sent {
                format!("Cannot be sent together with {with}")
            } else {
                format!("Auth0 does not take it together with {with}")
            };
            // One other field that can be sent as `null`: name the method that does.
            if let (true, [other]) = (sent, g.excludes.as_slice())
                && let Def::Struct { fields, .. } = &d.def
                && let Some(f) = fields.iter().find(|f| f.json == *other)
                && types.is_tristate(d, f)
            {
                let clear = format!("clear_{}", f.ident.trim_end_matches('_'));
                sentence.push_str(&format!(
                    " ([`{clear}`]({name}::{clear}) sends that one as `null`)"
                ));
            }
            sentence.push('.');
            sentences.push(sentence);
        }
        sentences.extend(g.requires);
        out.insert((name, field), sentences);
    }
    Ok((out, waiting))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small description: a request body, a model only read, an operation, two scopes.
    fn spec() -> Value {
        json!({
            "paths": {"/things/{id}": {"patch": {"description":
                "Notes:\n- The `secret` attribute can only be\n  updated with the `update:thing_keys` scope."}}},
            "components": {
                "securitySchemes": {"oAuth2ClientCredentials": {"type": "oauth2", "flows": {
                    "clientCredentials": {"scopes": {"update:things": "", "update:thing_keys": ""}}}}},
                "schemas": {
                    "AlgEnum": {"type": "string", "enum": ["HS256", "RS256"]},
                    "Jwt": {"type": "object", "properties": {"alg": {"$ref": "#/components/schemas/AlgEnum"}}},
                    "UpdateThing": {"type": "object", "properties": {
                        "secret": {"type": "string"},
                        "methods": {"type": "object", "properties": {"a": {"type": "string"}},
                            "description": "Mutually exclusive with `method`."},
                        "method": {"type": ["string", "null"], "enum": ["none", "basic", null]},
                        "jwt": {"$ref": "#/components/schemas/Jwt"},
                        "flag": {"type": "boolean", "description": "Only applies when `jwt.alg` is RS256."},
                        "infinite": {"type": "boolean", "default": false},
                        "lifetime": {"type": "integer", "description": "Ignored when `infinite` is true."}
                    }},
                    "Thing": {"type": "object", "properties": {
                        "token": {"type": "string", "description": "Returned only with scope `update:thing_keys`."}
                    }}
                }
            }
        })
    }

    const GOOD: &str = r#"
[[constraint]]
schema = "UpdateThing"
property = "secret"
kind = "own_scope"
scopes = ["update:thing_keys"]
source = "PATCH /things/{id}"
wording = "The `secret` attribute can only be updated with the `update:thing_keys` scope."

[[constraint]]
schema = "UpdateThing"
property = "methods"
kind = "excludes"
with = ["method"]
wording = "Mutually exclusive with `method`."

[[constraint]]
schema = "UpdateThing"
property = "flag"
kind = "requires"
needs = [{ property = "jwt.alg", value = "RS256" }]
wording = "Only applies when `jwt.alg` is RS256."

[[constraint]]
schema = "UpdateThing"
property = "lifetime"
kind = "requires"
needs = [{ property = "infinite", value = false }]
wording = "Ignored when `infinite` is true."

[[constraint]]
schema = "Thing"
property = "token"
kind = "own_scope"
scopes = ["update:thing_keys"]
operations = ["PATCH /things/{id}"]
wording = "Returned only with scope `update:thing_keys`."
"#;

    #[test]
    fn entries_the_description_supports_pass() {
        let facts = parse(GOOD).expect("parses");
        assert_eq!(facts.len(), 5);
        check(&facts, &spec()).expect("supported");
    }

    /// Each way an entry can stop matching the description fails the check, naming the
    /// entry and what is missing.
    #[test]
    fn entries_the_description_does_not_support_fail_with_what_is_missing() {
        let cases = [
            (
                "schema = \"UpdateThing\"",
                "schema = \"Gone\"",
                "has no schema `Gone`",
            ),
            (
                "property = \"secret\"",
                "property = \"secrets\"",
                "has no property `secrets`",
            ),
            (
                "with = [\"method\"]",
                "with = [\"mode\"]",
                "has no property `mode`",
            ),
            (
                "value = \"RS256\"",
                "value = \"ES256\"",
                "does not accept the value \"ES256\"",
            ),
            (
                "property = \"jwt.alg\"",
                "property = \"jwt.algorithm\"",
                "has no property `jwt.algorithm`",
            ),
            (
                "scopes = [\"update:thing_keys\"]\nsource",
                "scopes = [\"update:thing_secrets\"]\nsource",
                "declares no scope `update:thing_secrets`",
            ),
            (
                "Mutually exclusive with `method`.",
                "Cannot be used with `method`.",
                "the wording is not in the description",
            ),
            (
                "source = \"PATCH /things/{id}\"",
                "source = \"PUT /things/{id}\"",
                "has no operation `PUT /things/{id}`",
            ),
            (
                "operations = [\"PATCH /things/{id}\"]",
                "operations = [\"GET /things/{id}\"]",
                "has no operation `GET /things/{id}`",
            ),
        ];
        for (from, to, expected) in cases {
            assert!(GOOD.contains(from), "{from}");
            let facts = parse(&GOOD.replacen(from, to, 1)).expect("parses");
            let err = check(&facts, &spec()).expect_err(to);
            assert!(err.contains(expected), "{to}: {err}");
            assert!(err.contains("codegen/facts.toml, constraint"), "{err}");
        }
        let unknown = parse(&GOOD.replacen("kind = \"excludes\"", "kind = \"implies\"", 1));
        assert!(unknown.is_err());
        let typo = parse(&GOOD.replacen("with = ", "whith = ", 1));
        assert!(typo.expect_err("unknown key").contains("whith"));
    }

    /// The checked-in file: it parses, holds the constraints found, and (where Auth0's
    /// description is at hand) every entry is supported by it.
    #[test]
    fn the_checked_in_facts_file_holds_and_matches_the_description() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let facts = load(&root).expect("the facts file");
        assert!(facts.len() >= 20, "only {} constraints", facts.len());
        for c in &facts {
            assert!(!c.wording.trim().is_empty(), "{}.{}", c.schema, c.property);
        }
        let path = crate::spec_path(&root);
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!(
                "skipped: the description is not at {} (the facts file is checked against it by every codegen run)",
                path.display()
            );
            return;
        };
        let spec: Value = serde_json::from_str(&text).expect("the description");
        check(&facts, &spec).expect("every entry is supported by the description");
    }

    /// The checked-in generated models carry the notes on the field and its setter.
    #[test]
    fn generated_docs_carry_the_notes() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/management/src/generated");
        let read = |module: &str| std::fs::read_to_string(dir.join(module)).expect(module);
        let clients = read("clients.rs");
        for expected in [
            "/// Sets `client_secret`: a secret string; at least 1 characters; redacted in `Debug`.\n///\n/// Note: Sending it needs the `update:client_keys` scope.",
            "/// Note: Sending it needs the `create:client_credentials` scope. Cannot be sent together with `token_endpoint_auth_method`. Needs `jwt_configuration.alg` to be `RS256`.",
            "/// Note: In the answers of `GET /clients` and `GET /clients/{id}`, Auth0 includes it only for a token with the `read:client_keys` or `read:client_credentials` scope.",
        ] {
            assert!(clients.contains(expected), "{expected}");
        }
        let tenants = read("tenants.rs");
        assert!(
            tenants
                .contains("/// Note: Cannot be sent together with `session_lifetime_in_minutes`.")
        );
    }

    #[test]
    fn notes_are_our_own_words_on_the_fields_involved() {
        let spec = spec();
        let schemas = spec["components"]["schemas"].as_object().unwrap();
        let mut types = Types::new(schemas);
        types.request_bodies.insert("UpdateThing".to_owned());
        let body = types.ty_of(
            &json!({"$ref": "#/components/schemas/UpdateThing"}),
            "X",
            "m",
            None,
        );
        types.ty_of(
            &json!({"$ref": "#/components/schemas/Thing"}),
            "X",
            "m",
            None,
        );
        types.mark_settable(&[body]);
        let (notes, waiting) = notes(&parse(GOOD).unwrap(), &types).expect("notes");
        assert!(waiting.is_empty(), "{waiting:?}");
        let of = |t: &str, f: &str| notes[&(t.to_owned(), f.to_owned())].join(" ");
        assert_eq!(
            of("UpdateThing", "secret"),
            "Sending it needs the `update:thing_keys` scope."
        );
        assert_eq!(
            of("UpdateThing", "methods"),
            "Cannot be sent together with `method` ([`clear_method`](UpdateThing::clear_method) sends that one as `null`)."
        );
        assert_eq!(
            of("UpdateThing", "method"),
            "Cannot be sent together with `methods`."
        );
        // Both sides of an exclusion, with one sentence per field.
        assert_eq!(notes.len(), 6, "{notes:?}");
        assert_eq!(of("UpdateThing", "flag"), "Needs `jwt.alg` to be `RS256`.");
        // A needed value that is the other field's default (by the field docs' rule) says so.
        assert_eq!(
            of("UpdateThing", "lifetime"),
            "Needs `infinite` to be `false` (its default)."
        );
        assert_eq!(
            of("Thing", "token"),
            "In the answers of `PATCH /things/{id}`, Auth0 includes it only for a token with the `update:thing_keys` scope."
        );
    }
}
