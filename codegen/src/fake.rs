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
    /// Shapes instead of samples: see [`UNION`] (the fake tenant answers a union-typed write in
    /// the alternative it was sent).
    shapes: bool,
}

/// In a shape, the key of an object that stands for a union of several alternatives:
/// `{"$oneOf": [{"tags": {"type": "datadog"}, "shape": …}, …]}`, where `tags` holds the
/// properties an alternative fixes to one value (a `const` or a one-value `enum`) and `shape` is
/// the alternative's own shape. Description properties never start with `$`.
pub(crate) const UNION: &str = "$oneOf";

/// In a shape, the key of an object that lists its optional properties: an answer fills the
/// required ones that were not sent, never these.
pub(crate) const OPTIONAL: &str = "$optional";

impl<'a> Sampler<'a> {
    /// A sampler over the description's `components.schemas`.
    pub fn new(schemas: &'a Map<String, Value>) -> Self {
        Sampler {
            schemas,
            shared: enum_counts(schemas),
            every: false,
            shapes: false,
        }
    }

    /// The sampler of shapes: samples in which a union of several alternatives keeps each of
    /// them with the properties that tag it ([`UNION`]), and objects keep every property at
    /// every depth and name the optional ones ([`OPTIONAL`]).
    fn shapes(mut self) -> Self {
        self.shapes = true;
        self
    }

    /// The properties `schema` fixes to one value (a `const` or a one-value `enum`), through
    /// references and one-alternative unions, and, as an object of their own, those of its
    /// object properties (`{"destination": {"type": "eventbridge"}}`), down to a depth of 3:
    /// the tag of a union alternative.
    fn tags(&self, schema: &Value) -> Map<String, Value> {
        self.tags_to(schema, 3)
    }

    fn tags_to(&self, schema: &Value, depth: usize) -> Map<String, Value> {
        let mut s = self.resolve(schema);
        for _ in 0..8 {
            match s
                .get("oneOf")
                .or_else(|| s.get("anyOf"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter(|x| x["type"] != "null").collect::<Vec<_>>())
            {
                Some(alts) if alts.len() == 1 => s = self.resolve(alts[0]),
                _ => break,
            }
        }
        let mut tags = Map::new();
        for (k, v) in s["properties"].as_object().into_iter().flatten() {
            let v = self.resolve(v);
            let one = match (v.get("const"), v["enum"].as_array()) {
                (Some(c), _) => Some(c.clone()),
                (None, Some(values)) if values.len() == 1 => Some(values[0].clone()),
                _ if depth > 0 => Some(Value::Object(self.tags_to(v, depth - 1)))
                    .filter(|t| t != &Value::Object(Map::new())),
                _ => None,
            };
            if let Some(one) = one {
                tags.insert(k.clone(), one);
            }
        }
        tags
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
        // A shape fills a required property that was not sent with the value the description
        // gives it by default, where it gives a plain one.
        if self.shapes
            && let Some(d) = s.get("default").filter(|d| !d.is_object() && !d.is_array())
        {
            return d.clone();
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
        let alternatives: Vec<&Value> = s
            .get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|x| x["type"] != "null").collect())
            .unwrap_or_default();
        if self.shapes && alternatives.len() > 1 {
            let shapes: Vec<Value> = alternatives
                .iter()
                .map(|alt| {
                    serde_json::json!({"tags": self.tags(alt), "shape": self.sample(alt, depth + 1)})
                })
                .collect();
            return Value::Object(Map::from_iter([(UNION.to_owned(), Value::Array(shapes))]));
        }
        if let Some(alt) = alternatives.first() {
            return self.sample(alt, depth + 1);
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            // A property is optional when a part has it and no part requires it.
            let mut optional: Vec<String> = Vec::new();
            let mut required: Vec<String> = Vec::new();
            let mut merge = |mut m: Map<String, Value>| {
                let own = m.remove(OPTIONAL).unwrap_or(Value::Null);
                for (k, v) in m {
                    if own.as_array().is_some_and(|o| o.iter().any(|x| *x == *k)) {
                        optional.push(k.clone());
                    } else {
                        required.push(k.clone());
                    }
                    merged.insert(k, v);
                }
            };
            for p in parts {
                if let Value::Object(m) = self.sample(p, depth + 1) {
                    merge(m);
                }
            }
            if let Some(props) = s.get("properties") {
                let own = serde_json::json!({"type": "object", "properties": props,
                                             "required": s.get("required").cloned().unwrap_or(Value::Null)});
                if let Value::Object(m) = self.sample(&own, depth + 1) {
                    merge(m);
                }
            }
            let optional: Vec<Value> = optional
                .into_iter()
                .filter(|k| !required.contains(k))
                .map(Value::String)
                .collect();
            if !optional.is_empty() {
                merged.insert(OPTIONAL.to_owned(), Value::Array(optional));
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
                // A shape keeps every property at every depth and names the optional ones, so
                // that an answer holds what was sent and fills only what the schema requires.
                let in_shape = self.shapes;
                for (k, v) in s["properties"].as_object().into_iter().flatten() {
                    if ((depth > 3 && !self.every && !in_shape) || out.len() >= max)
                        && !required.contains(&k.as_str())
                    {
                        continue;
                    }
                    let value = match v.get("default") {
                        Some(d) if self.shapes && !d.is_object() && !d.is_array() => d.clone(),
                        _ => self.sample(v, depth + 1),
                    };
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
                if in_shape {
                    // A property the description gives a default of a closed kind (a boolean,
                    // a number, a value of an enum) is filled with it, as Auth0 fills it.
                    let defaulted = |k: &str| {
                        s["properties"].get(k).is_some_and(|p| {
                            let r = self.resolve(p);
                            let d = p.get("default").or_else(|| r.get("default"));
                            match d {
                                Some(Value::Bool(_) | Value::Number(_)) => true,
                                Some(v @ Value::String(_)) => {
                                    r["enum"].as_array().is_some_and(|e| e.contains(v))
                                }
                                _ => false,
                            }
                        })
                    };
                    let optional: Vec<Value> = out
                        .keys()
                        .filter(|k| !required.contains(&k.as_str()) && !defaulted(k))
                        .map(|k| Value::String(k.clone()))
                        .collect();
                    if !optional.is_empty() {
                        out.insert(OPTIONAL.to_owned(), Value::Array(optional));
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
    let shapes = Sampler::new(schemas).shapes();
    let schemas = Sampler::new(schemas);
    let mut s = String::from(
        "//! Every operation of Auth0's Management API description: method, path template, scopes,\n\
         //! success status, pagination, items key, a sample answer built from the response\n\
         //! schema and, where the answer holds a union, its shape with every alternative. The\n\
         //! generic handlers answer from it where no hand-written handler does.\n\
         use super::operation::{Op, Paging};\n\
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
        let answer_sample = |sampler: &Sampler<'_>| match (&op.paging, &op.answer) {
            (Some(p), _) => sampler.sample(&p.item, 1),
            (None, Answer::Json { schema, .. }) => sampler.sample(schema, 0),
            (None, _) => Value::Null,
        };
        let items_key = op.paging.as_ref().and_then(|p| p.items_key.clone());
        let sample = answer_sample(&schemas);
        let shape = answer_sample(&shapes);
        // The shape is written only where it differs: where the answer holds a union.
        let shape = if shape == sample {
            String::new()
        } else {
            shape.to_string()
        };
        let sample = if sample.is_null() {
            String::new()
        } else {
            sample.to_string()
        };
        // A JSON request body valid against the description (empty for none, or a multipart one).
        let body_sample = op
            .body
            .as_ref()
            .filter(|b| !b.multipart)
            .map(|b| schemas.sample(&b.schema, 0))
            .filter(|v| !v.is_null())
            .map(|v| v.to_string())
            .unwrap_or_default();
        let body_props = op
            .body
            .as_ref()
            .map(|b| body_properties(&b.schema, schemas.schemas))
            .unwrap_or_default();
        s.push_str(&format!(
            "Op {{ id: {}, method: {}, path: {}, scopes: &[{}], status: {status}, paging: {paging}, items_key: {}, envelope: &[{}], bare: {bare}, bare_sample: {}, sample: {}, shape: {}, body_props: &[{}], body_sample: {} }},\n",
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
            lit(&shape),
            body_props
                .iter()
                .map(|x| lit(x))
                .collect::<Vec<_>>()
                .join(", "),
            lit(&body_sample),
        ));
    }
    s.push_str("];\n");
    s
}

/// The top-level properties an object request body may hold, sorted, when its schema closes
/// them (`additionalProperties: false`, its `$ref` and `allOf` parts followed); empty when the
/// body is not such an object.
fn body_properties(schema: &Value, schemas: &Map<String, Value>) -> Vec<String> {
    let mut s = schema;
    for _ in 0..8 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                s = schemas
                    .get(r.rsplit('/').next().unwrap_or_default())
                    .unwrap_or(&Value::Null)
            }
            None => break,
        }
    }
    if s.get("additionalProperties") != Some(&Value::Bool(false)) {
        return Vec::new();
    }
    let mut props: Vec<String> = s["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    props.sort();
    props
}
