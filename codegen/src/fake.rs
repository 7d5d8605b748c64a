//! The fake tenant's route table: every operation of the description with its method, path
//! template, scopes, success status, pagination, items key and a sample answer built from its
//! response schema. Generated from the description only (the fake imports no client crate).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::names::lit;
use super::ops::{Answer, Op};

/// Builds values valid against the description's schemas: samples (the fake tenant's answers,
/// the end-to-end run's request bodies) and examples (every property, for conformance).
pub struct Sampler<'a> {
    /// The description's `components.schemas`, against which references resolve.
    schemas: &'a Map<String, Value>,
    /// How many enums of the description list each string value.
    shared: HashMap<String, usize>,
    /// Every property at every depth (to a depth of 8), for examples that show each described
    /// field; otherwise optional properties stop below a depth of 3, so that a sample stays
    /// small.
    every: bool,
}

impl<'a> Sampler<'a> {
    /// A sampler over the description's `components.schemas`.
    pub fn new(schemas: &'a Map<String, Value>) -> Self {
        Sampler {
            schemas,
            shared: enum_counts(schemas),
            every: false,
        }
    }

    /// The sampler of examples: every property a schema describes, at every depth to a limit
    /// (conformance reads one example per answer schema through the models, so that a
    /// described field a model misses shows).
    pub fn every_property(mut self) -> Self {
        self.every = true;
        self
    }

    /// A value valid against `schema` (references resolved) where the generator can make one:
    /// values that follow the schema's formats, patterns, lengths and enums, the first shape of
    /// a `oneOf`/`anyOf`, the parts of an `allOf` merged; optional properties stop below a
    /// depth unless [`every_property`](Self::every_property).
    pub fn value(&self, schema: &Value) -> Value {
        self.sample(schema, 0)
    }

    fn resolve<'v>(&'v self, s: &'v Value) -> &'v Value {
        let mut s = s;
        for _ in 0..8 {
            match s
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .and_then(|n| self.schemas.get(n))
            {
                Some(t) => s = t,
                None => break,
            }
        }
        s
    }

    /// A value valid against `schema` where the generator can make one: the first enum value or
    /// the constant, strings of the minimum length in the declared format, numbers at the
    /// minimum, one array item, and every property down to a depth (then the required ones).
    fn sample(&self, schema: &Value, depth: usize) -> Value {
        let s = self.resolve(schema);
        if depth > if self.every { 8 } else { 12 } {
            return Value::Null;
        }
        if let Some(v) = s.get("const") {
            return v.clone();
        }
        if let Some(values) = s.get("enum").and_then(|e| e.as_array()) {
            // The value most enums of the description share: an answer then holds a value
            // the enums of the operations that read it back allow too (a method listed as
            // `phone` can be updated as `phone`, where `recovery-code` only lists).
            if let Some(v) = values.iter().rev().max_by_key(|v| {
                v.as_str()
                    .map_or(0, |v| self.shared.get(v).copied().unwrap_or(0))
            }) {
                return v.clone();
            }
        }
        if let Some(alt) = s
            .get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find(|x| x["type"] != "null"))
        {
            return self.sample(alt, depth + 1);
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for p in parts {
                if let Value::Object(m) = self.sample(p, depth + 1) {
                    merged.extend(m);
                }
            }
            if let Some(props) = s.get("properties") {
                let own = serde_json::json!({"type": "object", "properties": props,
                                             "required": s.get("required").cloned().unwrap_or(Value::Null)});
                if let Value::Object(m) = self.sample(&own, depth + 1) {
                    merged.extend(m);
                }
            }
            return Value::Object(merged);
        }
        let ty = match &s["type"] {
            Value::String(t) => t.clone(),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null")
                .to_owned(),
            _ if s.get("properties").is_some() => "object".to_owned(),
            _ => String::new(),
        };
        match ty.as_str() {
            "object" => {
                let required: Vec<&str> = s["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut out = Map::new();
                if s["minProperties"].as_u64().unwrap_or(0) > 0 && s.get("properties").is_none() {
                    let value = match s.get("additionalProperties") {
                        Some(extra) if extra.is_object() => self.sample(extra, depth + 1),
                        _ => Value::String("value".to_owned()),
                    };
                    out.insert("key".to_owned(), value);
                }
                let max = s["maxProperties"]
                    .as_u64()
                    .map_or(usize::MAX, |m| m as usize);
                for (k, v) in s["properties"].as_object().into_iter().flatten() {
                    if ((depth > 3 && !self.every) || out.len() >= max)
                        && !required.contains(&k.as_str())
                    {
                        continue;
                    }
                    let value = self.sample(v, depth + 1);
                    if !value.is_null() || required.contains(&k.as_str()) {
                        out.insert(k.clone(), value);
                    }
                }
                // A minimum of properties is met with the first ones the schema names.
                let min = s["minProperties"].as_u64().unwrap_or(0) as usize;
                for (k, v) in s["properties"].as_object().into_iter().flatten() {
                    if out.len() >= min {
                        break;
                    }
                    if !out.contains_key(k) {
                        let value = self.sample(v, depth + 1);
                        if !value.is_null() {
                            out.insert(k.clone(), value);
                        }
                    }
                }
                Value::Object(out)
            }
            "array" => {
                let min = s["minItems"].as_u64().unwrap_or(0) as usize;
                let n = if depth > 3 && !self.every {
                    min
                } else {
                    min.max(1)
                };
                let item = self.sample(&s["items"], depth + 1);
                if item.is_null() {
                    Value::Array(Vec::new())
                } else {
                    Value::Array(vec![item; n])
                }
            }
            "string" => Value::String(sample_string(s)),
            "integer" => Value::from(
                s["minimum"]
                    .as_i64()
                    .unwrap_or(1)
                    .max(s["exclusiveMinimum"].as_i64().map_or(i64::MIN, |m| m + 1)),
            ),
            // Integral numbers are written as integers, as Auth0 writes its counts.
            "number" => match s["minimum"].as_f64().unwrap_or(1.0) {
                n if n.fract() == 0.0 && n.abs() < 1e15 => Value::from(n as i64),
                n => Value::from(n),
            },
            "boolean" => Value::Bool(true),
            "null" => Value::Null,
            _ => Value::Null,
        }
    }
}

/// How many enums of the description list each string value.
fn enum_counts(schemas: &Map<String, Value>) -> HashMap<String, usize> {
    fn walk(v: &Value, counts: &mut HashMap<String, usize>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(values)) = m.get("enum") {
                    for value in values.iter().filter_map(Value::as_str) {
                        *counts.entry(value.to_owned()).or_default() += 1;
                    }
                }
                m.values().for_each(|x| walk(x, counts));
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, counts)),
            _ => {}
        }
    }
    let mut counts = HashMap::new();
    schemas.values().for_each(|s| walk(s, &mut counts));
    counts
}

/// Whether a format's sample and a pattern's are both https URLs.
fn both_https(format: &str, pattern: &str) -> bool {
    format.starts_with("https://") && pattern.starts_with("https://")
}

/// A string valid against `s`: its pattern's sample, or its format's, within its lengths.
fn sample_string(s: &Value) -> String {
    let min = s["minLength"].as_u64().unwrap_or(0) as usize;
    let max = s["maxLength"].as_u64().map_or(usize::MAX, |m| m as usize);
    let format = match s["format"].as_str().unwrap_or("") {
        "date-time" if max < 24 => Some("2026-01-01T00:00:00Z"),
        "date-time" => Some("2026-01-01T00:00:00.000Z"),
        "date" => Some("2026-01-01"),
        "email" | "email-or-empty" => Some("user@example.com"),
        "uri"
        | "url"
        | "uri-reference"
        | "strict-uri"
        | "strict-https-uri"
        | "strict-https-uri-or-null"
        | "absolute-https-uri-or-empty"
        | "absolute-https-uri-with-placeholders-or-empty"
        | "absolute-uri-or-empty"
        | "url-with-placeholders"
        | "callback-url"
        | "forms-url-https"
        | "url-or-null" => Some("https://example.com/"),
        "hostname" | "hostname-rfc2181" => Some("example.com"),
        "ipv4" => Some("192.0.2.1"),
        "ipv6" => Some("2001:db8::1"),
        "cidr" => Some("192.0.2.0/24"),
        "ipv6_cidr" => Some("2001:db8::/32"),
        "uuid" => Some("00000000-0000-4000-8000-000000000000"),
        "html-color" | "html-color-or-null" | "forms-hex-color" => Some("#000000"),
        "forms-expression" => Some("{{fields.email}}"),
        _ => None,
    };
    let fits = |v: &str| (min..=max).contains(&v.chars().count());
    if let Some(pattern) = s["pattern"].as_str()
        && let Some(v) = super::pattern::sample(pattern, min, max)
    {
        // A pattern that only fixes a prefix (`^https://`), or spells out the syntax of an
        // https URL, leaves the format's plain URL valid.
        return match format {
            Some(f) if (f.starts_with(v.as_str()) || both_https(f, &v)) && fits(f) => f.to_owned(),
            _ => v,
        };
    }
    let mut v = format.unwrap_or("sample").to_owned();
    while v.chars().count() < min {
        v.push('x');
    }
    if v.chars().count() > max {
        v = v.chars().take(max.max(1)).collect();
    }
    v
}

/// The Rust source of the fake tenant's generated route table.
pub(crate) fn emit(ops: &[Op], schemas: &Map<String, Value>) -> String {
    let schemas = Sampler::new(schemas);
    let mut s = String::from(
        "//! Every operation of Auth0's Management API description: method, path template, scopes,\n\
         //! success status, pagination, items key and a sample answer built from the response\n\
         //! schema. The generic handlers answer from it where no hand-written handler does.\n\
         use super::generic::{Op, Paging};\n\
         /// Every operation of the description.\n\
         pub(crate) static OPERATIONS: &[Op] = &[\n",
    );
    for op in ops {
        let status = op.success_status;
        let paging = match &op.paging {
            Some(p) if p.offset && p.checkpoint => "Paging::Both",
            Some(p) if p.offset => "Paging::Offset",
            Some(_) => "Paging::Checkpoint",
            None => "Paging::None",
        };
        let (envelope, bare) = match &op.paging {
            Some(p) => (p.offset_envelope.clone(), p.bare),
            None => (Vec::new(), false),
        };
        let bare_sample = match op.paging.as_ref().and_then(|p| p.bare_item.as_ref()) {
            Some(item) => schemas.sample(item, 1).to_string(),
            None => String::new(),
        };
        let (items_key, sample) = match (&op.paging, &op.answer) {
            (Some(p), _) => (p.items_key.clone(), schemas.sample(&p.item, 1)),
            (None, Answer::Json { schema, .. }) => (None, schemas.sample(schema, 0)),
            (None, _) => (None, Value::Null),
        };
        let sample = if sample.is_null() {
            String::new()
        } else {
            sample.to_string()
        };
        s.push_str(&format!(
            "Op {{ id: {}, method: {}, path: {}, scopes: &[{}], status: {status}, paging: {paging}, items_key: {}, envelope: &[{}], bare: {bare}, bare_sample: {}, sample: {} }},\n",
            lit(&op.id),
            lit(&op.method),
            lit(&op.path),
            op.scopes.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", "),
            match &items_key {
                Some(k) => format!("Some({})", lit(k)),
                None => "None".to_owned(),
            },
            envelope.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", "),
            lit(&bare_sample),
            lit(&sample),
        ));
    }
    s.push_str("];\n");
    s
}
