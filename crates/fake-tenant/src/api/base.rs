//! What every handler of the Management API shares, and imports nothing of theirs: the request
//! context, the error answer, and the checks of a request body against the description.
//! Handlers import this module (and the few handler modules they call); the pipeline in the
//! parent module imports the handlers: no module imports the module that imports it.

pub(super) use crate::resp::Response;
pub(super) use crate::resp::{empty, json};
pub(super) use crate::seed::{self, MANAGEMENT_SCOPES, scope_description};
pub(super) use crate::state::{App, Store};
pub(super) use crate::util::json;
pub(super) use crate::util::{iso8601, now_ms, random_alnum, random_hex};
pub(super) use http::{HeaderMap, Method, StatusCode, header};
pub(super) use serde_json::{Map, Value};
pub(super) use std::collections::HashMap;

use super::generated;
use crate::resp::api_error;

/// A Management API error answer.
#[derive(Debug)]
pub(crate) struct ApiErr(
    pub(super) StatusCode,
    pub(super) String,
    pub(super) Option<&'static str>,
);

impl ApiErr {
    pub(super) fn bad_body(msg: impl Into<String>) -> Self {
        ApiErr(StatusCode::BAD_REQUEST, msg.into(), Some("invalid_body"))
    }
    pub(super) fn bad_query(msg: impl Into<String>) -> Self {
        ApiErr(
            StatusCode::BAD_REQUEST,
            msg.into(),
            Some("invalid_query_string"),
        )
    }
    pub(super) fn not_found(msg: &str, code: Option<&'static str>) -> Self {
        ApiErr(StatusCode::NOT_FOUND, msg.into(), code)
    }
    pub(super) fn conflict(msg: impl Into<String>, code: Option<&'static str>) -> Self {
        ApiErr(StatusCode::CONFLICT, msg.into(), code)
    }
    pub(super) fn into_response(self) -> Response {
        api_error(self.0, &self.1, self.2)
    }
}

pub(super) type Res = Result<Response, ApiErr>;

/// Request context for a handler.
pub(super) struct Ctx<'a> {
    pub(super) app: &'a App,
    pub(super) query: HashMap<String, String>,
    pub(super) body: bytes::Bytes,
    pub(super) content_type: String,
    pub(super) client_id: String,
}

impl Ctx<'_> {
    pub(super) fn q(&self, k: &str) -> Option<&str> {
        self.query
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The JSON object body of a POST/PATCH.
    pub(super) fn obj(&self) -> Result<Map<String, Value>, ApiErr> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiErr::bad_body(
                "Payload validation error: 'Expected type object but found type null'.",
            ));
        }
        let v: Value = serde_json::from_slice(&self.body)
            .map_err(|_| ApiErr::bad_body("Invalid request payload JSON format"))?;
        match v {
            Value::Object(m) => Ok(m),
            other => Err(ApiErr::bad_body(format!(
                "Payload validation error: 'Expected type object but found type {}'.",
                type_name(&other)
            ))),
        }
    }
}

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(super) fn find<'v>(items: &'v [Value], field: &str, id: &str) -> Option<&'v Value> {
    items.iter().find(|v| v[field].as_str() == Some(id))
}

pub(super) fn find_mut<'v>(items: &'v mut [Value], field: &str, id: &str) -> Option<&'v mut Value> {
    items.iter_mut().find(|v| v[field].as_str() == Some(id))
}

/// Shallow merge of `body` into `target`.
pub(super) fn merge(target: &mut Value, body: Map<String, Value>) {
    if let Some(o) = target.as_object_mut() {
        for (k, v) in body {
            o.insert(k, v);
        }
    }
}

/// Refuses a body holding a property that neither the description's request schema of
/// operation `op_id` (where it closes its properties) nor `also` names, as Auth0 refuses it.
pub(super) fn only_described(
    body: &Map<String, Value>,
    op_id: &str,
    also: &[&str],
) -> Result<(), ApiErr> {
    let described = generated::OPERATIONS
        .iter()
        .find(|o| o.id == op_id)
        .map_or(&[][..], |o| o.body_props);
    let allowed: Vec<&str> = described.iter().chain(also).copied().collect();
    only_props(body, &allowed)
}

/// Refuses a body holding a property outside the request schema of the operation at `method`
/// and `path` (a template), where the description closes its properties, as Auth0 refuses it;
/// a schema that leaves them open accepts any.
pub(super) fn described_only(
    body: &Map<String, Value>,
    method: &str,
    path: &str,
) -> Result<(), ApiErr> {
    match generated::OPERATIONS
        .iter()
        .find(|o| o.method == method && o.path == path)
    {
        Some(op) if !op.body_props.is_empty() => only_props(body, op.body_props),
        _ => Ok(()),
    }
}

pub(super) fn only_props(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiErr> {
    let extra: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if extra.is_empty() {
        Ok(())
    } else {
        Err(ApiErr::bad_body(format!(
            "Payload validation error: 'Additional properties not allowed: {}'.",
            extra.join(",")
        )))
    }
}

pub(super) fn required_str<'b>(body: &'b Map<String, Value>, key: &str) -> Result<&'b str, ApiErr> {
    match body.get(key) {
        None => Err(ApiErr::bad_body(format!(
            "Payload validation error: 'Missing required property: {key}'."
        ))),
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(ApiErr::bad_body(format!(
            "Payload validation error: 'String is too short (0 chars), minimum 1' on property {key}."
        ))),
        Some(other) => Err(ApiErr::bad_body(format!(
            "Payload validation error: 'Expected type string but found type {}' on property {key}.",
            type_name(other)
        ))),
    }
}

pub(super) fn optional_str<'b>(
    body: &'b Map<String, Value>,
    key: &str,
) -> Result<Option<&'b str>, ApiErr> {
    match body.get(key) {
        None => Ok(None),
        Some(_) => required_str(body, key).map(Some),
    }
}

pub(super) fn string_array(v: &Value, key: &str) -> Result<Vec<String>, ApiErr> {
    let err = |t: &str| {
        ApiErr::bad_body(format!(
            "Payload validation error: 'Expected type {t}' on property {key}."
        ))
    };
    v.as_array()
        .ok_or_else(|| err("array"))?
        .iter()
        .map(|s| s.as_str().map(String::from).ok_or_else(|| err("string")))
        .collect()
}

pub(super) fn no_user() -> ApiErr {
    ApiErr::not_found("The user does not exist.", Some("inexistent_user"))
}

pub(super) fn no_role() -> ApiErr {
    ApiErr::not_found("The role does not exist.", None)
}

pub(super) fn no_client() -> ApiErr {
    ApiErr::not_found("The client does not exist", Some("inexistent_client"))
}
