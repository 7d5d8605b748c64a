//! The Management API (`/api/v2/...`): the request pipeline (faults, rate limit, routing,
//! authorization, scopes, body) here; the route table in `routes`, bearer validation in
//! `auth`, pagination and field selection in `pagination`, the `q` search in `search`,
//! `multipart/form-data` in `multipart`, assignments shared by several resources in `links`,
//! and one module of handlers per resource.

use crate::FaultTarget;
use crate::resp::{
    Echo, api_error, apply_fault, empty, json, rate_headers, retry_after_header, set_header,
};
pub(crate) use crate::resp::{Request, Response};
use crate::seed::{self, MANAGEMENT_SCOPES, scope_description};
use crate::server::ConnCtx;
use crate::state::{App, Store, bump, lock};
use crate::util::{iso8601, now_ms, random_alnum, random_hex};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

mod auth;
mod clients;
mod connections;
mod credentials;
mod generated;
pub(crate) mod generic;
mod grants;
mod jobs;
mod links;
mod logs;
mod multipart;
mod organizations;
mod pagination;
mod resource_servers;
mod roles;
mod routes;
mod search;
mod stats;
mod tenant;
mod users;

use auth::*;
use clients::*;
use connections::*;
pub(crate) use credentials::sync_client as sync_credentials;
use links::*;
use multipart::*;
use pagination::*;
use roles::*;
pub(crate) use routes::ROUTES;
use routes::*;
use search::*;
use users::*;

/// The largest request body accepted (user imports can be big).
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

/// A Management API error answer.
#[derive(Debug)]
pub(crate) struct ApiErr(StatusCode, String, Option<&'static str>);

impl ApiErr {
    fn bad_body(msg: impl Into<String>) -> Self {
        ApiErr(StatusCode::BAD_REQUEST, msg.into(), Some("invalid_body"))
    }
    fn bad_query(msg: impl Into<String>) -> Self {
        ApiErr(
            StatusCode::BAD_REQUEST,
            msg.into(),
            Some("invalid_query_string"),
        )
    }
    fn not_found(msg: &str, code: Option<&'static str>) -> Self {
        ApiErr(StatusCode::NOT_FOUND, msg.into(), code)
    }
    fn conflict(msg: impl Into<String>, code: Option<&'static str>) -> Self {
        ApiErr(StatusCode::CONFLICT, msg.into(), code)
    }
    fn into_response(self) -> Response {
        api_error(self.0, &self.1, self.2)
    }
}

type Res = Result<Response, ApiErr>;

/// Handles every `/api/v2/...` request.
pub(crate) async fn handle(app: &App, req: Request) -> Response {
    bump(&app.counters.api_requests);
    if let Some(fault) = app.take_fault(FaultTarget::Api) {
        let conn = req.extensions().get::<ConnCtx>();
        let echo = Echo {
            token: req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned),
            secret: None,
        };
        if let Some(r) = apply_fault(app, fault, conn, FaultTarget::Api, &echo).await {
            return r;
        }
    }
    let info = match app.buckets.hit(req.method(), req.uri().path()) {
        Some(info) => info,
        None => app.hit_api_window(),
    };
    let mut r = if !info.allowed {
        bump(&app.counters.api_429);
        let mut r = api_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Global limit has been reached",
            Some("too_many_requests"),
        );
        retry_after_header(&mut r, info, app.rate_clock.now());
        r
    } else if app.answers.is_some() {
        let sent = Sent {
            method: req.method().clone(),
            path: req.uri().path().to_owned(),
            query: req.uri().query().unwrap_or_default().to_owned(),
            content_type: req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: req.body().clone(),
        };
        let r = dispatch(app, req);
        record(app, sent, r)
    } else {
        dispatch(app, req)
    };
    rate_headers(&mut r, info);
    r
}

/// What the client sent, kept with the answer.
struct Sent {
    method: Method,
    path: String,
    query: String,
    content_type: Option<String>,
    body: bytes::Bytes,
}

/// Keeps a copy of an answer, with the request it answered, in the tenant's record of answers.
fn record(app: &App, sent: Sent, r: Response) -> Response {
    let answer = crate::Answer {
        operation: path_segments(&sent.path)
            .and_then(|segs| generic::find(&sent.method, &segs))
            .map(|op| op.id),
        method: sent.method.to_string(),
        path: sent.path,
        query: sent.query,
        request_content_type: sent.content_type,
        request_body: sent.body,
        status: r.status().as_u16(),
        body: r.body().clone(),
    };
    if let Some(answers) = &app.answers {
        lock(answers).push(answer);
    }
    r
}

/// The decoded segments of a Management API path below `/api/v2`; `None` when one is not
/// UTF-8.
fn path_segments(path: &str) -> Option<Vec<String>> {
    path.strip_prefix("/api/v2")
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|raw| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .ok()
                .map(|s| s.into_owned())
        })
        .collect()
}

/// Request context for a handler.
struct Ctx<'a> {
    app: &'a App,
    query: HashMap<String, String>,
    body: bytes::Bytes,
    content_type: String,
    client_id: String,
}

impl Ctx<'_> {
    fn q(&self, k: &str) -> Option<&str> {
        self.query
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The JSON object body of a POST/PATCH.
    fn obj(&self) -> Result<Map<String, Value>, ApiErr> {
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

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn dispatch(app: &App, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Some(segs) = path_segments(parts.uri.path()) else {
        return ApiErr::bad_query("Path segment is not valid UTF-8").into_response();
    };
    let query: HashMap<String, String> = match parts.uri.query() {
        None => HashMap::new(),
        Some(q) => match serde_urlencoded::from_str::<Vec<(String, String)>>(q) {
            Ok(v) => v.into_iter().collect(),
            Err(_) => {
                return ApiErr::bad_query("Query validation error: invalid query string")
                    .into_response();
            }
        },
    };
    // A hand-written handler where there is one, else the generic one of the description.
    let (handler, scopes) = match match_route(&parts.method, &segs) {
        Some((route, scopes)) => (Handler::Route(route), scopes),
        None => match generic::find(&parts.method, &segs) {
            Some(op) => (Handler::Generic(op), op.scopes),
            None => return api_error(StatusCode::NOT_FOUND, "Not Found", None),
        },
    };
    let peer = parts
        .extensions
        .get::<ConnCtx>()
        .and_then(|c| c.peer_x5t().map(str::to_owned));
    let claims = match authorize(
        app,
        parts.method.as_str(),
        parts.uri.path(),
        &parts.headers,
        peer.as_deref(),
    ) {
        Ok(c) => c,
        Err(r) => {
            bump(&app.counters.api_401);
            return *r;
        }
    };
    let granted: Vec<&str> = claims["scope"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    if !scopes.iter().any(|s| granted.contains(s)) {
        return api_error(
            StatusCode::FORBIDDEN,
            &format!("Insufficient scope, expected any of: {}", scopes.join(",")),
            Some("insufficient_scope"),
        );
    }
    let ctx = Ctx {
        app,
        query,
        body,
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        client_id: claims["azp"].as_str().unwrap_or("").to_string(),
    };
    let method = parts.method.clone();
    let (result, what) = match &handler {
        Handler::Route(route) => (exec(route, &method, &ctx), describe(&method, route)),
        Handler::Generic(op) => {
            let mut guard = lock(&app.store);
            let store: &mut Store = &mut guard;
            let result = if credentials::owns(op, &segs, store) {
                credentials::handle(&method, &segs, &ctx, store)
            } else if op.id == "post_verification-email" {
                jobs::verification_email_job(&ctx, store)
            } else if op.id == "create_organization-client-grants" {
                organizations::associate_client_grant(
                    &ctx,
                    store,
                    segs.get(1).map_or("", String::as_str),
                )
            } else {
                generic::handle(op, &segs, &ctx, store)
            };
            (result, format!("Call {}", op.id))
        }
    };
    match result {
        Ok(r) => {
            if method != Method::GET && r.status().is_success() {
                let path = parts.uri.path().to_string();
                lock(&app.store).log(
                    "sapi",
                    &what,
                    json!({"client_id": ctx.client_id, "client_name": "", "hostname": app.domain,
                           "details": {"request": {"method": method.as_str().to_ascii_lowercase(), "path": path},
                                       "response": {"statusCode": r.status().as_u16()}}}),
                );
            }
            r
        }
        Err(e) => e.into_response(),
    }
}

/// What answers a request: a hand-written route, or the generic handler of an operation.
enum Handler {
    Route(Route),
    Generic(&'static generic::Op),
}

/// A human description of a mutating operation, for `sapi` log events.
fn describe(method: &Method, route: &Route) -> String {
    let verb = match *method {
        Method::POST => "Create",
        Method::PATCH => "Update",
        Method::DELETE => "Delete",
        _ => "Call",
    };
    let noun = format!("{route:?}");
    let noun = noun.split('(').next().unwrap_or("");
    format!("{verb} {}", noun.to_ascii_lowercase())
}

/// Runs a matched route's handler with the store locked.
fn exec(route: &Route, method: &Method, ctx: &Ctx<'_>) -> Res {
    let mut guard = lock(&ctx.app.store);
    let store: &mut Store = &mut guard;
    let m = method.as_str();
    match route {
        Route::Clients | Route::Client(_) | Route::ClientRotate(_) => {
            clients::handle(route, m, ctx, store)
        }
        Route::Grants | Route::Grant(_) => grants::handle(route, m, ctx, store),
        Route::ResourceServers | Route::ResourceServer(_) => {
            resource_servers::handle(route, m, ctx, store)
        }
        Route::Users
        | Route::User(_)
        | Route::UsersByEmail
        | Route::UserRoles(_)
        | Route::UserPermissions(_)
        | Route::UserOrgs(_)
        | Route::UserBlocks(_) => users::handle(route, m, ctx, store),
        Route::Roles | Route::Role(_) | Route::RolePermissions(_) | Route::RoleUsers(_) => {
            roles::handle(route, m, ctx, store)
        }
        Route::Orgs | Route::Org(_) | Route::OrgByName(_) | Route::OrgMembers(_) => {
            organizations::handle(route, m, ctx, store)
        }
        Route::Connections | Route::Connection(_) => connections::handle(route, m, ctx, store),
        Route::Logs | Route::Log(_) => logs::handle(route, m, ctx, store),
        Route::ActiveUsers => stats::handle(route, m, ctx, store),
        Route::JobsExport | Route::JobsImport | Route::Job(_) => jobs::handle(route, m, ctx, store),
        Route::TenantSettings => tenant::handle(route, m, ctx, store),
    }
}

fn find<'v>(items: &'v [Value], field: &str, id: &str) -> Option<&'v Value> {
    items.iter().find(|v| v[field].as_str() == Some(id))
}

fn find_mut<'v>(items: &'v mut [Value], field: &str, id: &str) -> Option<&'v mut Value> {
    items.iter_mut().find(|v| v[field].as_str() == Some(id))
}

/// Shallow merge of `body` into `target`.
fn merge(target: &mut Value, body: Map<String, Value>) {
    if let Some(o) = target.as_object_mut() {
        for (k, v) in body {
            o.insert(k, v);
        }
    }
}

/// Refuses a body holding a property that neither the description's request schema of
/// operation `op_id` (where it closes its properties) nor `also` names, as Auth0 refuses it.
fn only_described(body: &Map<String, Value>, op_id: &str, also: &[&str]) -> Result<(), ApiErr> {
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
fn described_only(body: &Map<String, Value>, method: &str, path: &str) -> Result<(), ApiErr> {
    match generated::OPERATIONS
        .iter()
        .find(|o| o.method == method && o.path == path)
    {
        Some(op) if !op.body_props.is_empty() => only_props(body, op.body_props),
        _ => Ok(()),
    }
}

fn only_props(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiErr> {
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

fn required_str<'b>(body: &'b Map<String, Value>, key: &str) -> Result<&'b str, ApiErr> {
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

fn optional_str<'b>(body: &'b Map<String, Value>, key: &str) -> Result<Option<&'b str>, ApiErr> {
    match body.get(key) {
        None => Ok(None),
        Some(_) => required_str(body, key).map(Some),
    }
}

fn string_array(v: &Value, key: &str) -> Result<Vec<String>, ApiErr> {
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
