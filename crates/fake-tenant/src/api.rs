//! The Management API (`/api/v2/...`).

use crate::FaultTarget;
use crate::resp::{api_error, apply_fault, empty, json, rate_headers, set_header};
use crate::seed::{self, MANAGEMENT_SCOPES, scope_description};
use crate::server::ConnCtx;
use crate::state::{App, Store, bump, lock};
use crate::util::{iso8601, now_ms, random_alnum, random_hex};
use axum::Extension;
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, Method, StatusCode, header};
use jsonwebtoken::errors::ErrorKind;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The largest request body accepted (user imports can be big).
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Auth0 stops user search pagination after this many results.
const SEARCH_CAP: usize = 1000;

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

/// A matched Management API route.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Clients,
    Client(String),
    ClientRotate(String),
    Grants,
    Grant(String),
    ResourceServers,
    ResourceServer(String),
    Users,
    User(String),
    UsersByEmail,
    UserRoles(String),
    UserPermissions(String),
    Roles,
    Role(String),
    RolePermissions(String),
    RoleUsers(String),
    Orgs,
    Org(String),
    OrgByName(String),
    OrgMembers(String),
    Connections,
    Connection(String),
    Logs,
    Log(String),
    JobsExport,
    JobsImport,
    Job(String),
    ActiveUsers,
    UserBlocks(String),
    TenantSettings,
}

/// One Management API route the tenant serves.
pub(crate) struct RouteSpec {
    /// The HTTP method.
    pub(crate) method: &'static str,
    /// The path template below `/api/v2`, as in Auth0's OpenAPI description.
    pub(crate) path: &'static str,
    /// The scopes of which a token needs any one.
    pub(crate) scopes: &'static [&'static str],
    /// Builds the route from the path's `{...}` values, in order.
    make: fn(&mut Vec<String>) -> Route,
}

/// The first path parameter.
fn param(p: &mut Vec<String>) -> String {
    if p.is_empty() {
        String::new()
    } else {
        p.swap_remove(0)
    }
}

/// Every Management API route, matched in order.
pub(crate) const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        method: "GET",
        path: "/clients",
        scopes: &["read:clients"],
        make: |_| Route::Clients,
    },
    RouteSpec {
        method: "POST",
        path: "/clients",
        scopes: &["create:clients"],
        make: |_| Route::Clients,
    },
    RouteSpec {
        method: "GET",
        path: "/clients/{id}",
        scopes: &["read:clients"],
        make: |p| Route::Client(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/clients/{id}",
        scopes: &["update:clients"],
        make: |p| Route::Client(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/clients/{id}",
        scopes: &["delete:clients"],
        make: |p| Route::Client(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/clients/{id}/rotate-secret",
        scopes: &["update:client_keys"],
        make: |p| Route::ClientRotate(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/client-grants",
        scopes: &["read:client_grants"],
        make: |_| Route::Grants,
    },
    RouteSpec {
        method: "POST",
        path: "/client-grants",
        scopes: &["create:client_grants"],
        make: |_| Route::Grants,
    },
    RouteSpec {
        method: "GET",
        path: "/client-grants/{id}",
        scopes: &["read:client_grants"],
        make: |p| Route::Grant(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/client-grants/{id}",
        scopes: &["update:client_grants"],
        make: |p| Route::Grant(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/client-grants/{id}",
        scopes: &["delete:client_grants"],
        make: |p| Route::Grant(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/resource-servers",
        scopes: &["read:resource_servers"],
        make: |_| Route::ResourceServers,
    },
    RouteSpec {
        method: "POST",
        path: "/resource-servers",
        scopes: &["create:resource_servers"],
        make: |_| Route::ResourceServers,
    },
    RouteSpec {
        method: "GET",
        path: "/resource-servers/{id}",
        scopes: &["read:resource_servers"],
        make: |p| Route::ResourceServer(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/resource-servers/{id}",
        scopes: &["update:resource_servers"],
        make: |p| Route::ResourceServer(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/resource-servers/{id}",
        scopes: &["delete:resource_servers"],
        make: |p| Route::ResourceServer(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/users",
        scopes: &["read:users"],
        make: |_| Route::Users,
    },
    RouteSpec {
        method: "POST",
        path: "/users",
        scopes: &["create:users"],
        make: |_| Route::Users,
    },
    RouteSpec {
        method: "GET",
        path: "/users/{id}",
        scopes: &["read:users"],
        make: |p| Route::User(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/users/{id}",
        scopes: &["update:users"],
        make: |p| Route::User(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/users/{id}",
        scopes: &["delete:users"],
        make: |p| Route::User(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/users-by-email",
        scopes: &["read:users"],
        make: |_| Route::UsersByEmail,
    },
    RouteSpec {
        method: "GET",
        path: "/users/{id}/roles",
        scopes: &["read:users", "read:roles"],
        make: |p| Route::UserRoles(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/users/{id}/roles",
        scopes: &["update:users", "create:role_members"],
        make: |p| Route::UserRoles(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/users/{id}/roles",
        scopes: &["update:users", "delete:role_members"],
        make: |p| Route::UserRoles(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/users/{id}/permissions",
        scopes: &["read:users"],
        make: |p| Route::UserPermissions(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/users/{id}/permissions",
        scopes: &["update:users"],
        make: |p| Route::UserPermissions(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/users/{id}/permissions",
        scopes: &["update:users"],
        make: |p| Route::UserPermissions(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/user-blocks/{id}",
        scopes: &["read:users"],
        make: |p| Route::UserBlocks(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/user-blocks/{id}",
        scopes: &["update:users"],
        make: |p| Route::UserBlocks(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/roles",
        scopes: &["read:roles"],
        make: |_| Route::Roles,
    },
    RouteSpec {
        method: "POST",
        path: "/roles",
        scopes: &["create:roles"],
        make: |_| Route::Roles,
    },
    RouteSpec {
        method: "GET",
        path: "/roles/{id}",
        scopes: &["read:roles"],
        make: |p| Route::Role(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/roles/{id}",
        scopes: &["update:roles"],
        make: |p| Route::Role(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/roles/{id}",
        scopes: &["delete:roles"],
        make: |p| Route::Role(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/roles/{id}/permissions",
        scopes: &["read:roles"],
        make: |p| Route::RolePermissions(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/roles/{id}/permissions",
        scopes: &["update:roles"],
        make: |p| Route::RolePermissions(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/roles/{id}/permissions",
        scopes: &["update:roles"],
        make: |p| Route::RolePermissions(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/roles/{id}/users",
        scopes: &["read:users", "read:roles", "read:role_members"],
        make: |p| Route::RoleUsers(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/roles/{id}/users",
        scopes: &["update:roles", "create:role_members"],
        make: |p| Route::RoleUsers(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/organizations",
        scopes: &["read:organizations"],
        make: |_| Route::Orgs,
    },
    RouteSpec {
        method: "POST",
        path: "/organizations",
        scopes: &["create:organizations"],
        make: |_| Route::Orgs,
    },
    RouteSpec {
        method: "GET",
        path: "/organizations/name/{name}",
        scopes: &["read:organizations"],
        make: |p| Route::OrgByName(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/organizations/{id}",
        scopes: &["read:organizations"],
        make: |p| Route::Org(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/organizations/{id}",
        scopes: &["update:organizations"],
        make: |p| Route::Org(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/organizations/{id}",
        scopes: &["delete:organizations"],
        make: |p| Route::Org(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/organizations/{id}/members",
        scopes: &["read:organization_members"],
        make: |p| Route::OrgMembers(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/organizations/{id}/members",
        scopes: &["create:organization_members"],
        make: |p| Route::OrgMembers(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/organizations/{id}/members",
        scopes: &["delete:organization_members"],
        make: |p| Route::OrgMembers(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/connections",
        scopes: &["read:connections"],
        make: |_| Route::Connections,
    },
    RouteSpec {
        method: "GET",
        path: "/connections/{id}",
        scopes: &["read:connections"],
        make: |p| Route::Connection(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/logs",
        scopes: &["read:logs"],
        make: |_| Route::Logs,
    },
    RouteSpec {
        method: "GET",
        path: "/logs/{id}",
        scopes: &["read:logs"],
        make: |p| Route::Log(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/jobs/users-exports",
        scopes: &["read:users"],
        make: |_| Route::JobsExport,
    },
    RouteSpec {
        method: "POST",
        path: "/jobs/users-imports",
        scopes: &["create:users"],
        make: |_| Route::JobsImport,
    },
    RouteSpec {
        method: "GET",
        path: "/jobs/{id}",
        scopes: &["create:users", "read:users"],
        make: |p| Route::Job(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/stats/active-users",
        scopes: &["read:stats"],
        make: |_| Route::ActiveUsers,
    },
    RouteSpec {
        method: "GET",
        path: "/tenants/settings",
        scopes: &["read:tenant_settings"],
        make: |_| Route::TenantSettings,
    },
    RouteSpec {
        method: "PATCH",
        path: "/tenants/settings",
        scopes: &["update:tenant_settings"],
        make: |_| Route::TenantSettings,
    },
];

/// Matches a method and decoded path segments to a route and the scopes it accepts.
fn match_route(method: &Method, segs: &[String]) -> Option<(Route, &'static [&'static str])> {
    'routes: for spec in ROUTES {
        if spec.method != method.as_str() {
            continue;
        }
        let template: Vec<&str> = spec.path.split('/').filter(|s| !s.is_empty()).collect();
        if template.len() != segs.len() {
            continue;
        }
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(segs) {
            if t.starts_with('{') {
                params.push(s.clone());
            } else if t != s {
                continue 'routes;
            }
        }
        debug_assert!(spec.scopes.iter().all(|s| MANAGEMENT_SCOPES.contains(s)));
        return Some(((spec.make)(&mut params), spec.scopes));
    }
    None
}

/// Handles every `/api/v2/...` request.
pub(crate) async fn handle(
    State(app): State<Arc<App>>,
    conn: Option<Extension<ConnCtx>>,
    req: Request,
) -> Response {
    bump(&app.counters.api_requests);
    if let Some(fault) = app.take_fault(FaultTarget::Api) {
        let conn = conn.as_ref().map(|Extension(c)| c);
        if let Some(r) = apply_fault(&app, fault, conn, FaultTarget::Api).await {
            return r;
        }
    }
    let info = app.hit_api_window();
    let mut r = if !info.allowed {
        bump(&app.counters.api_429);
        let mut r = api_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Global limit has been reached",
            Some("too_many_requests"),
        );
        set_header(
            &mut r,
            "retry-after",
            &info
                .reset
                .saturating_sub(app.rate_clock.now())
                .max(1)
                .to_string(),
        );
        r
    } else {
        dispatch(&app, req).await
    };
    rate_headers(&mut r, info);
    r
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

async fn dispatch(app: &App, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let rest = parts.uri.path().strip_prefix("/api/v2").unwrap_or("");
    let mut segs = Vec::new();
    for raw in rest.split('/').filter(|s| !s.is_empty()) {
        match percent_encoding::percent_decode_str(raw).decode_utf8() {
            Ok(s) => segs.push(s.into_owned()),
            Err(_) => {
                return ApiErr::bad_query("Path segment is not valid UTF-8").into_response();
            }
        }
    }
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
    let Some((route, scopes)) = match_route(&parts.method, &segs) else {
        return api_error(StatusCode::NOT_FOUND, "Not Found", None);
    };
    let claims = match authorize(app, &parts.headers) {
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
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return api_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload too large",
                Some("payload_too_large"),
            );
        }
    };
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
    let result = exec(&route, &method, &ctx);
    match result {
        Ok(r) => {
            if method != Method::GET && r.status().is_success() {
                let path = parts.uri.path().to_string();
                lock(&app.store).log(
                    "sapi",
                    &describe(&method, &route),
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

/// Validates the bearer token; returns its claims or Auth0's 401 answer.
fn authorize(app: &App, headers: &HeaderMap) -> Result<Value, Box<Response>> {
    let deny = |msg: &str, with_error: bool| {
        let mut r = api_error(StatusCode::UNAUTHORIZED, msg, None);
        let value = if with_error {
            format!(
                "Bearer realm=\"{}\", error=\"invalid_token\", error_description=\"{}\"",
                app.domain, msg
            )
        } else {
            "Bearer".to_string()
        };
        set_header(&mut r, "www-authenticate", &value);
        Box::new(r)
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| deny("Missing authentication", false))?;
    if token.split('.').count() != 3 {
        return Err(deny("Invalid token", true));
    }
    let claims = app
        .key
        .verify(token, &app.issuer, &app.audience)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => {
                deny("Expired token received for JSON Web Token validation", true)
            }
            ErrorKind::InvalidSignature => deny(
                "Invalid signature received for JSON Web Token validation",
                true,
            ),
            ErrorKind::InvalidAudience => deny(&format!("Bad audience: {}", app.audience), true),
            _ => deny("Invalid token", true),
        })?;
    let jti = claims["jti"].as_str().unwrap_or("");
    if lock(&app.registry).is_revoked(jti) {
        return Err(deny("Token has been revoked", true));
    }
    Ok(claims)
}

// ---------------------------------------------------------------------------
// Pagination and field selection

/// Parsed list parameters.
struct ListParams {
    page: usize,
    per_page: usize,
    include_totals: bool,
    from: Option<String>,
    take: Option<usize>,
}

fn number(ctx: &Ctx<'_>, key: &str, description: &str) -> Result<Option<usize>, ApiErr> {
    match ctx.q(key) {
        None => Ok(None),
        Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
            ApiErr::bad_query(format!(
                "Query validation error: 'Expected type integer but found type string' on property {key} ({description})."
            ))
        }),
    }
}

fn list_params(ctx: &Ctx<'_>) -> Result<ListParams, ApiErr> {
    let page = number(
        ctx,
        "page",
        "Page index of the results to return. First page is 0.",
    )?
    .unwrap_or(0);
    let per_page = number(
        ctx,
        "per_page",
        "Number of results per page. Defaults to 50.",
    )?
    .unwrap_or(50);
    if per_page > 100 {
        return Err(ApiErr::bad_query(
            "Query validation error: 'Expected a number less than or equal to 100' on property per_page (Number of results per page. Defaults to 50.).",
        ));
    }
    let take = number(ctx, "take", "Number of results per page. Defaults to 50.")?;
    if take.is_some_and(|t| t > 100) {
        return Err(ApiErr::bad_query(
            "Query validation error: 'Expected a number less than or equal to 100' on property take (Number of results per page. Defaults to 50.).",
        ));
    }
    Ok(ListParams {
        page,
        per_page,
        include_totals: ctx.q("include_totals") == Some("true"),
        from: ctx.q("from").map(String::from),
        take,
    })
}

/// Applies `fields` / `include_fields` to one object.
fn select_fields(ctx: &Ctx<'_>, mut v: Value) -> Value {
    let Some(fields) = ctx.q("fields") else {
        return v;
    };
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    let include = ctx.q("include_fields") != Some("false");
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| wanted.contains(&k.as_str()) == include);
    }
    v
}

/// Answers a list with offset pagination (and checkpoint pagination when
/// `checkpoint_id` names the id field and `from`/`take` are present).
fn paginate(
    ctx: &Ctx<'_>,
    items: Vec<Value>,
    key: &str,
    with_length: bool,
    checkpoint_id: Option<&str>,
) -> Res {
    let p = list_params(ctx)?;
    let items: Vec<Value> = items.into_iter().map(|v| select_fields(ctx, v)).collect();
    if let Some(id_field) = checkpoint_id
        && (p.from.is_some() || p.take.is_some())
    {
        return checkpoint(items, key, &p, id_field);
    }
    Ok(json(
        StatusCode::OK,
        &offset_page(items, key, &p, with_length, None),
    ))
}

fn offset_page(
    items: Vec<Value>,
    key: &str,
    p: &ListParams,
    with_length: bool,
    total_cap: Option<usize>,
) -> Value {
    let total = items.len();
    let start = p.page.saturating_mul(p.per_page);
    let slice: Vec<Value> = items.into_iter().skip(start).take(p.per_page).collect();
    if !p.include_totals {
        return Value::Array(slice);
    }
    let total = total_cap.map_or(total, |c| total.min(c));
    let mut o = Map::new();
    o.insert("start".into(), json!(start));
    o.insert("limit".into(), json!(p.per_page));
    if with_length {
        o.insert("length".into(), json!(slice.len()));
    }
    o.insert("total".into(), json!(total));
    o.insert(key.into(), Value::Array(slice));
    Value::Object(o)
}

fn checkpoint(items: Vec<Value>, key: &str, p: &ListParams, id_field: &str) -> Res {
    let take = p.take.unwrap_or(50);
    let start = match &p.from {
        None => 0,
        Some(from) => {
            let id = URL_SAFE_NO_PAD
                .decode(from)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiErr::bad_query("Query validation error: 'from' is not a valid checkpoint.")
                })?;
            items
                .iter()
                .position(|v| v[id_field].as_str() == Some(id.as_str()))
                .ok_or_else(|| {
                    ApiErr::bad_query("Query validation error: 'from' is not a valid checkpoint.")
                })?
        }
    };
    let next = items
        .get(start + take)
        .and_then(|v| v[id_field].as_str())
        .map(|id| URL_SAFE_NO_PAD.encode(id));
    let page: Vec<Value> = items.into_iter().skip(start).take(take).collect();
    let mut o = Map::new();
    o.insert(key.into(), Value::Array(page));
    if let Some(n) = next {
        o.insert("next".into(), Value::String(n));
    }
    Ok(json(StatusCode::OK, &Value::Object(o)))
}

// ---------------------------------------------------------------------------
// Lucene-ish search

/// One `field:value` term; `field` None matches common fields.
struct Term {
    field: Option<String>,
    value: String,
    prefix: bool,
    exists: bool,
}

fn parse_query(q: &str) -> Result<Vec<Term>, ApiErr> {
    let mut terms = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut field = String::new();
        let mut value = String::new();
        let mut quoted = false;
        let mut in_value = false;
        while i < chars.len() && !chars[i].is_whitespace() {
            let c = chars[i];
            if c == ':' && !in_value {
                in_value = true;
                i += 1;
                continue;
            }
            if c == '"' {
                quoted = true;
                i += 1;
                let begin = i;
                while i < chars.len() && chars[i] != '"' {
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(ApiErr::bad_query(
                        "Query validation error: unterminated quoted string in q",
                    ));
                }
                let s: String = chars[begin..i].iter().collect();
                if in_value {
                    value.push_str(&s);
                } else {
                    field.push_str(&s);
                }
                i += 1;
                continue;
            }
            if in_value {
                value.push(c);
            } else {
                field.push(c);
            }
            i += 1;
        }
        if !in_value {
            if field == "AND" || field.is_empty() {
                continue;
            }
            std::mem::swap(&mut field, &mut value);
        }
        check_term(&field, &value, quoted)?;
        let prefix = !quoted && value.ends_with('*');
        if prefix {
            value.pop();
        }
        let field = if in_value { Some(field) } else { None };
        let exists = field.as_deref() == Some("_exists_");
        terms.push(Term {
            field: if exists { Some(value.clone()) } else { field },
            value,
            prefix,
            exists,
        });
    }
    Ok(terms)
}

/// The `q` parameter's description in Auth0's error messages.
const Q_PROPERTY: &str = "on property q (Query in Lucene query string syntax).";

/// Refuses what Auth0 refuses (leading wildcards) and what the fake cannot evaluate
/// (boolean operators other than `AND`, grouping, ranges, fuzzy and boosted terms, inner
/// wildcards), instead of silently matching nothing.
fn check_term(field: &str, value: &str, quoted: bool) -> Result<(), ApiErr> {
    if !quoted && (value.starts_with('*') || value.starts_with('?')) {
        return Err(ApiErr::bad_query(format!(
            "Query validation error: 'Leading wildcards are not supported: {value}' {Q_PROPERTY}"
        )));
    }
    let operator = field.is_empty() && matches!(value, "OR" | "NOT" | "||" | "&&" | "!");
    let grouping = [field, value]
        .iter()
        .any(|t| t.starts_with(['(', '-', '+', '!']) || t.ends_with(')'));
    let unquoted_syntax = !quoted
        && (value.starts_with(['[', '{'])
            || value.ends_with([']', '}'])
            || value.contains(['~', '^', '?'])
            || value.trim_end_matches('*').contains('*'));
    if operator || grouping || unquoted_syntax {
        let term = if field.is_empty() {
            value.to_string()
        } else {
            format!("{field}:{value}")
        };
        return Err(ApiErr::bad_query(format!(
            "Query validation error: 'The fake tenant cannot evaluate {term:?}; it supports field:value, field:\"quoted value\", trailing wildcards, _exists_:field and AND' {Q_PROPERTY}"
        )));
    }
    Ok(())
}

/// Values at a dotted path; arrays are searched element-wise.
fn values_at<'v>(v: &'v Value, path: &str, out: &mut Vec<&'v Value>) {
    match path.split_once('.') {
        None => match &v[path] {
            Value::Null => {}
            Value::Array(a) if !a.is_empty() && !a[0].is_object() => out.extend(a.iter()),
            x => out.push(x),
        },
        Some((head, rest)) => match &v[head] {
            Value::Array(a) => a.iter().for_each(|e| values_at(e, rest, out)),
            x @ Value::Object(_) => values_at(x, rest, out),
            _ => {}
        },
    }
}

fn term_matches(t: &Term, v: &Value) -> bool {
    let text = |x: &Value| match x {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    };
    let want = t.value.to_lowercase();
    let check = |x: &Value| {
        let s = text(x);
        if t.prefix {
            s.starts_with(&want)
        } else {
            s == want
        }
    };
    match &t.field {
        Some(f) if t.exists => {
            let mut out = Vec::new();
            values_at(v, f, &mut out);
            !out.is_empty()
        }
        Some(f) => {
            let mut out = Vec::new();
            values_at(v, f, &mut out);
            out.into_iter().any(check)
        }
        None => [
            "email",
            "name",
            "nickname",
            "user_id",
            "username",
            "type",
            "description",
        ]
        .iter()
        .any(|f| {
            let s = text(&v[*f]);
            !v[*f].is_null() && (s.contains(&want) || check(&v[*f]))
        }),
    }
}

fn search<'v>(
    items: impl IntoIterator<Item = &'v Value>,
    q: Option<&str>,
) -> Result<Vec<Value>, ApiErr> {
    let terms = match q {
        Some(q) => parse_query(q)?,
        None => Vec::new(),
    };
    Ok(items
        .into_iter()
        .filter(|v| terms.iter().all(|t| term_matches(t, v)))
        .cloned()
        .collect())
}

// ---------------------------------------------------------------------------
// Handlers

fn exec(route: &Route, method: &Method, ctx: &Ctx<'_>) -> Res {
    let mut guard = lock(&ctx.app.store);
    let store: &mut Store = &mut guard;
    let m = method.as_str();
    match (route, m) {
        (Route::Clients, "GET") => list_clients(ctx, store),
        (Route::Clients, "POST") => create_client(ctx, store),
        (Route::Client(id), "GET") => {
            let c = find(&store.clients, "client_id", id).ok_or_else(no_client)?;
            Ok(json(StatusCode::OK, &select_fields(ctx, c.clone())))
        }
        (Route::Client(id), "PATCH") => update_client(ctx, store, id),
        (Route::Client(id), "DELETE") => {
            store
                .clients
                .retain(|c| c["client_id"].as_str() != Some(id.as_str()));
            store
                .grants
                .retain(|g| g["client_id"].as_str() != Some(id.as_str()));
            store.client_keys.remove(id);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::ClientRotate(id), _) => {
            let c = find_mut(&mut store.clients, "client_id", id).ok_or_else(no_client)?;
            c["client_secret"] = Value::String(seed::client_secret());
            Ok(json(StatusCode::OK, c))
        }
        (Route::Grants, "GET") => {
            let items: Vec<Value> = store
                .grants
                .iter()
                .filter(|g| {
                    ctx.q("audience")
                        .is_none_or(|a| g["audience"].as_str() == Some(a))
                })
                .filter(|g| {
                    ctx.q("client_id")
                        .is_none_or(|c| g["client_id"].as_str() == Some(c))
                })
                .cloned()
                .collect();
            paginate(ctx, items, "client_grants", false, Some("id"))
        }
        (Route::Grants, "POST") => create_grant(ctx, store),
        (Route::Grant(id), "GET") => {
            let g = find(&store.grants, "id", id).ok_or_else(no_grant)?;
            Ok(json(StatusCode::OK, g))
        }
        (Route::Grant(id), "PATCH") => {
            let body = ctx.obj()?;
            only_props(
                &body,
                &["scope", "organization_usage", "allow_any_organization"],
            )?;
            if let Some(s) = body.get("scope") {
                string_array(s, "scope")?;
            }
            let g = find_mut(&mut store.grants, "id", id).ok_or_else(no_grant)?;
            merge(g, body);
            Ok(json(StatusCode::OK, g))
        }
        (Route::Grant(id), "DELETE") => {
            store
                .grants
                .retain(|g| g["id"].as_str() != Some(id.as_str()));
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::ResourceServers, "GET") => {
            let items = store.resource_servers.clone();
            paginate(ctx, items, "resource_servers", false, Some("id"))
        }
        (Route::ResourceServers, "POST") => create_resource_server(ctx, store),
        (Route::ResourceServer(id), "GET") => {
            let rs = find_rs(&store.resource_servers, id).ok_or_else(no_rs)?;
            Ok(json(StatusCode::OK, &select_fields(ctx, rs.clone())))
        }
        (Route::ResourceServer(id), "PATCH") => {
            let body = ctx.obj()?;
            if body.contains_key("identifier") {
                return Err(ApiErr::bad_body(
                    "Payload validation error: 'Additional properties not allowed: identifier'.",
                ));
            }
            if let Some(s) = body.get("scopes")
                && !s.is_array()
            {
                return Err(ApiErr::bad_body(format!(
                    "Payload validation error: 'Expected type array but found type {}' on property scopes.",
                    type_name(s)
                )));
            }
            let pos = store
                .resource_servers
                .iter()
                .position(|r| r["id"].as_str() == Some(id) || r["identifier"].as_str() == Some(id))
                .ok_or_else(no_rs)?;
            let rs = &mut store.resource_servers[pos];
            if rs["is_system"] == Value::Bool(true) {
                return Err(ApiErr(
                    StatusCode::FORBIDDEN,
                    "You cannot update the Auth0 Management API".into(),
                    Some("operation_not_supported"),
                ));
            }
            merge(rs, body);
            Ok(json(StatusCode::OK, rs))
        }
        (Route::ResourceServer(id), "DELETE") => {
            if let Some(rs) = find_rs(&store.resource_servers, id) {
                if rs["is_system"] == Value::Bool(true) {
                    return Err(ApiErr(
                        StatusCode::BAD_REQUEST,
                        "You cannot delete the Auth0 Management API".into(),
                        Some("operation_not_supported"),
                    ));
                }
                let identifier = rs["identifier"].clone();
                store.resource_servers.retain(|r| {
                    r["id"].as_str() != Some(id) && r["identifier"].as_str() != Some(id)
                });
                store.grants.retain(|g| g["audience"] != identifier);
            }
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::Users, "GET") => list_users(ctx, store),
        (Route::Users, "POST") => create_user(ctx, store),
        (Route::User(id), "GET") => {
            let u = find(&store.users, "user_id", id).ok_or_else(no_user)?;
            Ok(json(StatusCode::OK, &select_fields(ctx, u.clone())))
        }
        (Route::User(id), "PATCH") => update_user(ctx, store, id),
        (Route::User(id), "DELETE") => {
            store
                .users
                .retain(|u| u["user_id"].as_str() != Some(id.as_str()));
            store.user_roles.remove(id);
            store.user_permissions.remove(id);
            for members in store.org_members.values_mut() {
                members.retain(|m| m != id);
            }
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::UsersByEmail, _) => {
            let email = ctx.q("email").ok_or_else(|| {
                ApiErr::bad_query("Query validation error: 'Missing required property: email'.")
            })?;
            let email = email.to_lowercase();
            let users: Vec<Value> = store
                .users
                .iter()
                .filter(|u| u["email"].as_str().map(str::to_lowercase) == Some(email.clone()))
                .map(|u| select_fields(ctx, u.clone()))
                .collect();
            Ok(json(StatusCode::OK, &Value::Array(users)))
        }
        (Route::UserRoles(id), _) => user_roles(ctx, store, id, m),
        (Route::UserPermissions(id), _) => user_permissions(ctx, store, id, m),
        (Route::Roles, "GET") => {
            let items: Vec<Value> = store
                .roles
                .iter()
                .filter(|r| {
                    ctx.q("name_filter").is_none_or(|f| {
                        r["name"]
                            .as_str()
                            .is_some_and(|n| n.to_lowercase().contains(&f.to_lowercase()))
                    })
                })
                .cloned()
                .collect();
            paginate(ctx, items, "roles", false, None)
        }
        (Route::Roles, "POST") => {
            let body = ctx.obj()?;
            only_props(&body, &["name", "description"])?;
            let name = required_str(&body, "name")?;
            let desc = optional_str(&body, "description")?.unwrap_or_default();
            if store.roles.iter().any(|r| r["name"].as_str() == Some(name)) {
                return Err(ApiErr::conflict("Role name already exists", None));
            }
            let role = json!({"id": format!("rol_{}", random_alnum(16)), "name": name, "description": desc});
            store.roles.push(role.clone());
            Ok(json(StatusCode::OK, &role))
        }
        (Route::Role(id), "GET") => {
            let r = find(&store.roles, "id", id).ok_or_else(no_role)?;
            Ok(json(StatusCode::OK, r))
        }
        (Route::Role(id), "PATCH") => {
            let body = ctx.obj()?;
            only_props(&body, &["name", "description"])?;
            optional_str(&body, "name")?;
            optional_str(&body, "description")?;
            let r = find_mut(&mut store.roles, "id", id).ok_or_else(no_role)?;
            merge(r, body);
            Ok(json(StatusCode::OK, r))
        }
        (Route::Role(id), "DELETE") => {
            find(&store.roles, "id", id).ok_or_else(no_role)?;
            store
                .roles
                .retain(|r| r["id"].as_str() != Some(id.as_str()));
            store.role_permissions.remove(id);
            for roles in store.user_roles.values_mut() {
                roles.retain(|r| r != id);
            }
            Ok(json(StatusCode::OK, &json!({})))
        }
        (Route::RolePermissions(id), _) => role_permissions(ctx, store, id, m),
        (Route::RoleUsers(id), _) => role_users(ctx, store, id, m),
        (Route::Orgs, "GET") => {
            let items = store.organizations.clone();
            paginate(ctx, items, "organizations", false, Some("id"))
        }
        (Route::Orgs, "POST") => create_org(ctx, store),
        (Route::Org(id), "GET") => {
            let o = find(&store.organizations, "id", id).ok_or_else(no_org)?;
            Ok(json(StatusCode::OK, o))
        }
        (Route::OrgByName(name), _) => {
            let o = find(&store.organizations, "name", name).ok_or_else(no_org)?;
            Ok(json(StatusCode::OK, o))
        }
        (Route::Org(id), "PATCH") => {
            let body = ctx.obj()?;
            only_props(
                &body,
                &[
                    "name",
                    "display_name",
                    "branding",
                    "metadata",
                    "enabled_connections",
                ],
            )?;
            if let Some(n) = optional_str(&body, "name")? {
                check_org_name(n)?;
                if store
                    .organizations
                    .iter()
                    .any(|o| o["name"].as_str() == Some(n) && o["id"].as_str() != Some(id))
                {
                    return Err(org_conflict());
                }
            }
            optional_str(&body, "display_name")?;
            let o = find_mut(&mut store.organizations, "id", id).ok_or_else(no_org)?;
            merge(o, body);
            Ok(json(StatusCode::OK, o))
        }
        (Route::Org(id), "DELETE") => {
            find(&store.organizations, "id", id).ok_or_else(no_org)?;
            store
                .organizations
                .retain(|o| o["id"].as_str() != Some(id.as_str()));
            store.org_members.remove(id);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::OrgMembers(id), _) => org_members(ctx, store, id, m),
        (Route::Connections, "GET") => {
            let strategies: Option<Vec<&str>> = ctx.q("strategy").map(|s| s.split(',').collect());
            let items: Vec<Value> = store
                .connections
                .iter()
                .filter(|c| {
                    strategies
                        .as_ref()
                        .is_none_or(|s| c["strategy"].as_str().is_some_and(|x| s.contains(&x)))
                })
                .filter(|c| ctx.q("name").is_none_or(|n| c["name"].as_str() == Some(n)))
                .cloned()
                .collect();
            paginate(ctx, items, "connections", false, Some("id"))
        }
        (Route::Connection(id), _) => {
            let c = find(&store.connections, "id", id).ok_or_else(|| {
                ApiErr::not_found(
                    "The connection does not exist",
                    Some("inexistent_connection"),
                )
            })?;
            Ok(json(StatusCode::OK, &select_fields(ctx, c.clone())))
        }
        (Route::Logs, _) => list_logs(ctx, store),
        (Route::Log(id), _) => {
            let l = store
                .logs
                .iter()
                .find(|l| l["log_id"].as_str() == Some(id.as_str()))
                .ok_or_else(|| ApiErr::not_found("Log not found", Some("inexistent_log")))?;
            Ok(json(StatusCode::OK, l))
        }
        (Route::ActiveUsers, _) => Ok(json(StatusCode::OK, &json!(active_users(store)))),
        (Route::UserBlocks(id), "GET") => {
            find(&store.users, "user_id", id).ok_or_else(no_user)?;
            let blocks = store.user_blocks.get(id).cloned().unwrap_or_default();
            Ok(json(StatusCode::OK, &json!({"blocked_for": blocks})))
        }
        (Route::UserBlocks(id), _) => {
            find(&store.users, "user_id", id).ok_or_else(no_user)?;
            store.user_blocks.remove(id);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::JobsExport, _) => export_job(ctx, store),
        (Route::JobsImport, _) => import_job(ctx, store),
        (Route::Job(id), _) => {
            let job = find_mut(&mut store.jobs, "id", id).ok_or_else(|| {
                ApiErr::not_found("The job does not exist", Some("inexistent_job"))
            })?;
            let out = advance_job(job, &ctx.app.base_url);
            Ok(json(StatusCode::OK, &out))
        }
        (Route::TenantSettings, "GET") => Ok(json(
            StatusCode::OK,
            &select_fields(ctx, store.tenant_settings.clone()),
        )),
        (Route::TenantSettings, _) => {
            let body = ctx.obj()?;
            if let Some(n) = body.get("friendly_name")
                && !n.is_string()
            {
                return Err(ApiErr::bad_body(format!(
                    "Payload validation error: 'Expected type string but found type {}' on property friendly_name (The friendly name of the tenant).",
                    type_name(n)
                )));
            }
            for (k, v) in body {
                match (&mut store.tenant_settings[&k], v) {
                    (Value::Object(existing), Value::Object(new)) if k == "flags" => {
                        existing.extend(new);
                    }
                    (slot, v) => *slot = v,
                }
            }
            Ok(json(StatusCode::OK, &store.tenant_settings))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

fn find<'v>(items: &'v [Value], field: &str, id: &str) -> Option<&'v Value> {
    items.iter().find(|v| v[field].as_str() == Some(id))
}

fn find_mut<'v>(items: &'v mut [Value], field: &str, id: &str) -> Option<&'v mut Value> {
    items.iter_mut().find(|v| v[field].as_str() == Some(id))
}

fn find_rs<'v>(items: &'v [Value], id: &str) -> Option<&'v Value> {
    items
        .iter()
        .find(|r| r["id"].as_str() == Some(id) || r["identifier"].as_str() == Some(id))
}

fn no_client() -> ApiErr {
    ApiErr::not_found("The client does not exist", Some("inexistent_client"))
}
fn no_grant() -> ApiErr {
    ApiErr::not_found("The grant does not exist.", Some("inexistent_client_grant"))
}
fn no_rs() -> ApiErr {
    ApiErr::not_found(
        "The resource server does not exist",
        Some("inexistent_resource_server"),
    )
}
fn no_user() -> ApiErr {
    ApiErr::not_found("The user does not exist.", Some("inexistent_user"))
}
fn no_role() -> ApiErr {
    ApiErr::not_found("The role does not exist.", None)
}
fn no_org() -> ApiErr {
    ApiErr::not_found("No organization found by that id or name", None)
}
fn org_conflict() -> ApiErr {
    ApiErr::conflict("An organization with this name already exists.", None)
}

/// Shallow merge of `body` into `target`.
fn merge(target: &mut Value, body: Map<String, Value>) {
    if let Some(o) = target.as_object_mut() {
        for (k, v) in body {
            o.insert(k, v);
        }
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

fn list_clients(ctx: &Ctx<'_>, store: &Store) -> Res {
    let app_types: Option<Vec<&str>> = ctx.q("app_type").map(|s| s.split(',').collect());
    let first_party = ctx.q("is_first_party").map(|v| v == "true");
    let items: Vec<Value> = store
        .clients
        .iter()
        .filter(|c| {
            app_types
                .as_ref()
                .is_none_or(|t| c["app_type"].as_str().is_some_and(|a| t.contains(&a)))
        })
        .filter(|c| first_party.is_none_or(|f| c["is_first_party"] == Value::Bool(f)))
        .cloned()
        .collect();
    paginate(ctx, items, "clients", false, Some("client_id"))
}

const CLIENT_PROPS: &[&str] = &[
    "name",
    "description",
    "logo_uri",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "client_aliases",
    "allowed_clients",
    "allowed_logout_urls",
    "grant_types",
    "token_endpoint_auth_method",
    "app_type",
    "is_first_party",
    "oidc_conformant",
    "jwt_configuration",
    "encryption_key",
    "sso",
    "cross_origin_auth",
    "cross_origin_loc",
    "sso_disabled",
    "custom_login_page_on",
    "custom_login_page",
    "custom_login_page_preview",
    "form_template",
    "addons",
    "client_metadata",
    "mobile",
    "initiate_login_uri",
    "native_social_login",
    "refresh_token",
    "organization_usage",
    "organization_require_behavior",
    "client_authentication_methods",
    "require_pushed_authorization_requests",
    "oidc_logout",
    "callback_url_template",
    "is_token_endpoint_ip_header_trusted",
];

const APP_TYPES: &[&str] = &[
    "native",
    "spa",
    "regular_web",
    "non_interactive",
    "rms",
    "box",
    "cloudbees",
    "concur",
    "dropbox",
    "mscrm",
    "echosign",
    "egnyte",
    "newrelic",
    "office365",
    "salesforce",
    "sentry",
    "sharepoint",
    "slack",
    "springcm",
    "zendesk",
    "zoom",
    "sso_integration",
    "oag",
];

fn check_client_body(body: &Map<String, Value>) -> Result<(), ApiErr> {
    only_props(body, CLIENT_PROPS)?;
    if let Some(t) = optional_str(body, "app_type")?
        && !APP_TYPES.contains(&t)
    {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'No enum match for: \"{t}\"' on property app_type (The type of application this client represents)."
        )));
    }
    for key in [
        "callbacks",
        "allowed_origins",
        "web_origins",
        "grant_types",
        "allowed_logout_urls",
    ] {
        if let Some(v) = body.get(key) {
            string_array(v, key)?;
        }
    }
    if let Some(n) = body.get("name").and_then(Value::as_str)
        && n.contains(['<', '>'])
    {
        return Err(ApiErr::bad_body(
            "Payload validation error: 'String does not match pattern: ^[^<>]+$' on property name (The name of the client. Must contain at least one character. Does not allow '<' or '>'.).",
        ));
    }
    Ok(())
}

fn create_client(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    check_client_body(&body)?;
    let name = required_str(&body, "name")?.to_string();
    let app_type = body
        .get("app_type")
        .and_then(Value::as_str)
        .unwrap_or("regular_web")
        .to_string();
    let mut client = seed::new_client(&name, &app_type, seed::client_id(), seed::client_secret());
    merge(&mut client, body);
    store.clients.push(client.clone());
    Ok(json(StatusCode::CREATED, &client))
}

fn update_client(ctx: &Ctx<'_>, store: &mut Store, id: &str) -> Res {
    let body = ctx.obj()?;
    let mut checked = body.clone();
    checked.remove("client_secret");
    check_client_body(&checked)?;
    optional_str(&body, "name")?;
    optional_str(&body, "client_secret")?;
    let c = find_mut(&mut store.clients, "client_id", id).ok_or_else(no_client)?;
    merge(c, body);
    Ok(json(StatusCode::OK, c))
}

fn create_grant(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    only_props(
        &body,
        &[
            "client_id",
            "audience",
            "scope",
            "organization_usage",
            "allow_any_organization",
            "subject_type",
        ],
    )?;
    let client_id = required_str(&body, "client_id")?;
    let audience = required_str(&body, "audience")?;
    let scope = string_array(
        body.get("scope").ok_or_else(|| {
            ApiErr::bad_body("Payload validation error: 'Missing required property: scope'.")
        })?,
        "scope",
    )?;
    find(&store.clients, "client_id", client_id).ok_or_else(no_client)?;
    find(&store.resource_servers, "identifier", audience).ok_or_else(|| {
        ApiErr::not_found(
            &format!("No resource server found by identifier: {audience}"),
            Some("inexistent_resource_server"),
        )
    })?;
    if store.grants.iter().any(|g| {
        g["client_id"].as_str() == Some(client_id) && g["audience"].as_str() == Some(audience)
    }) {
        return Err(ApiErr::conflict(
            "A resource server grant for this client and audience already exists.",
            Some("client_grant_conflict"),
        ));
    }
    let mut grant = seed::new_grant(client_id, audience, &scope);
    let extra: Map<String, Value> = body
        .into_iter()
        .filter(|(k, _)| k != "scope" && k != "client_id" && k != "audience")
        .collect();
    merge(&mut grant, extra);
    store.grants.push(grant.clone());
    Ok(json(StatusCode::CREATED, &grant))
}

fn create_resource_server(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    let identifier = required_str(&body, "identifier")?.to_string();
    optional_str(&body, "name")?;
    if let Some(s) = body.get("scopes") {
        let ok = s.as_array().is_some_and(|a| {
            a.iter()
                .all(|e| e.get("value").is_some_and(Value::is_string))
        });
        if !ok {
            return Err(ApiErr::bad_body(
                "Payload validation error: 'Expected type array of {value, description}' on property scopes.",
            ));
        }
    }
    if find(&store.resource_servers, "identifier", &identifier).is_some() {
        return Err(ApiErr::conflict(
            "A resource server with the same identifier already exists",
            Some("operation_not_supported"),
        ));
    }
    let mut rs = json!({
        "id": random_hex(24),
        "name": identifier,
        "identifier": identifier,
        "allow_offline_access": false,
        "skip_consent_for_verifiable_first_party_clients": false,
        "token_lifetime": 86400,
        "token_lifetime_for_web": 7200,
        "signing_alg": "RS256",
        "scopes": [],
    });
    merge(&mut rs, body);
    store.resource_servers.push(rs.clone());
    Ok(json(StatusCode::CREATED, &rs))
}

fn list_users(ctx: &Ctx<'_>, store: &Store) -> Res {
    let p = list_params(ctx)?;
    if ctx
        .q("search_engine")
        .is_some_and(|e| e != "v3" && e != "v2")
    {
        return Err(ApiErr::bad_query(
            "Query validation error: 'No enum match for: \"v1\"' on property search_engine (The version of the search engine).",
        ));
    }
    if p.page.saturating_mul(p.per_page).saturating_add(p.per_page) > SEARCH_CAP && p.per_page > 0 {
        return Err(ApiErr(
            StatusCode::BAD_REQUEST,
            "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation".into(),
            Some("invalid_paging"),
        ));
    }
    let mut items = search(&store.users, ctx.q("q"))?;
    if let Some(sort) = ctx.q("sort") {
        let (field, dir) = sort.split_once(':').unwrap_or((sort, "1"));
        items.sort_by(|a, b| {
            let ord = a[field].to_string().cmp(&b[field].to_string());
            if dir == "-1" { ord.reverse() } else { ord }
        });
    }
    let items: Vec<Value> = items.into_iter().map(|v| select_fields(ctx, v)).collect();
    Ok(json(
        StatusCode::OK,
        &offset_page(items, "users", &p, true, Some(SEARCH_CAP)),
    ))
}

const USER_PROPS: &[&str] = &[
    "email",
    "phone_number",
    "user_metadata",
    "app_metadata",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "username",
    "blocked",
    "email_verified",
    "phone_verified",
    "user_id",
    "connection",
    "password",
    "verify_email",
    "client_id",
    "verify_phone_number",
    "verify_password",
];

fn check_user_body(body: &Map<String, Value>) -> Result<(), ApiErr> {
    only_props(body, USER_PROPS)?;
    for key in [
        "email",
        "name",
        "nickname",
        "given_name",
        "family_name",
        "username",
        "password",
        "connection",
        "picture",
    ] {
        optional_str(body, key)?;
    }
    for key in [
        "email_verified",
        "blocked",
        "verify_email",
        "phone_verified",
    ] {
        if let Some(v) = body.get(key)
            && !v.is_boolean()
        {
            return Err(ApiErr::bad_body(format!(
                "Payload validation error: 'Expected type boolean but found type {}' on property {key}.",
                type_name(v)
            )));
        }
    }
    if let Some(e) = body.get("email").and_then(Value::as_str)
        && (!e.contains('@') || e.starts_with('@') || e.ends_with('@'))
    {
        return Err(ApiErr::bad_body(
            "Payload validation error: 'Object didn't pass validation for format email: "
                .to_string()
                + e
                + "' on property email (The user's email).",
        ));
    }
    for key in ["user_metadata", "app_metadata"] {
        if let Some(v) = body.get(key)
            && !v.is_object()
        {
            return Err(ApiErr::bad_body(format!(
                "Payload validation error: 'Expected type object but found type {}' on property {key}.",
                type_name(v)
            )));
        }
    }
    Ok(())
}

fn create_user(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    check_user_body(&body)?;
    let connection = required_str(&body, "connection")?.to_string();
    let conn = find(&store.connections, "name", &connection).ok_or_else(|| {
        ApiErr(
            StatusCode::BAD_REQUEST,
            "The connection does not exist.".into(),
            Some("inexistent_connection"),
        )
    })?;
    let strategy = conn["strategy"].as_str().unwrap_or("").to_string();
    let email = required_str(&body, "email")?.to_string();
    if strategy == "auth0" {
        required_str(&body, "password")?;
    }
    if store.users.iter().any(|u| {
        u["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase())
            && u["identities"][0]["connection"].as_str() == Some(connection.as_str())
    }) {
        return Err(ApiErr::conflict(
            "The user already exists.",
            Some("auth0_idp_error"),
        ));
    }
    let mut user = seed::new_user(&email, &connection, now_ms());
    if let Some(o) = user.as_object_mut() {
        if strategy != "auth0" {
            o.insert(
                "identities".into(),
                json!([{"connection": connection, "provider": strategy,
                "user_id": random_hex(24), "isSocial": strategy != "email" && strategy != "sms"}]),
            );
        }
        if let Some(custom) = body.get("user_id").and_then(Value::as_str) {
            let provider = if strategy == "auth0" {
                "auth0"
            } else {
                strategy.as_str()
            };
            o.insert("user_id".into(), json!(format!("{provider}|{custom}")));
            o["identities"][0]["user_id"] = json!(custom);
        }
        for (k, v) in body {
            if matches!(
                k.as_str(),
                "connection"
                    | "password"
                    | "verify_email"
                    | "user_id"
                    | "client_id"
                    | "verify_phone_number"
                    | "verify_password"
            ) {
                continue;
            }
            o.insert(k, v);
        }
    }
    let uid = user["user_id"].as_str().unwrap_or_default();
    if find(&store.users, "user_id", uid).is_some() {
        return Err(ApiErr::conflict(
            "The user already exists.",
            Some("auth0_idp_error"),
        ));
    }
    store.users.push(user.clone());
    Ok(json(StatusCode::CREATED, &user))
}

fn update_user(ctx: &Ctx<'_>, store: &mut Store, id: &str) -> Res {
    let body = ctx.obj()?;
    check_user_body(&body)?;
    let u = find_mut(&mut store.users, "user_id", id).ok_or_else(no_user)?;
    for (k, v) in body {
        match k.as_str() {
            "connection"
            | "password"
            | "verify_email"
            | "client_id"
            | "user_id"
            | "verify_phone_number"
            | "verify_password" => {}
            "user_metadata" | "app_metadata" => {
                if let (Some(existing), Value::Object(new)) = (u[&k].as_object_mut(), &v) {
                    for (mk, mv) in new {
                        if mv.is_null() {
                            existing.remove(mk);
                        } else {
                            existing.insert(mk.clone(), mv.clone());
                        }
                    }
                } else {
                    u[&k] = v;
                }
            }
            _ => u[&k] = v,
        }
    }
    u["updated_at"] = json!(iso8601(now_ms()));
    Ok(json(StatusCode::OK, u))
}

fn ids_in(ctx: &Ctx<'_>, key: &str) -> Result<Vec<String>, ApiErr> {
    let body = ctx.obj()?;
    let v = body.get(key).ok_or_else(|| {
        ApiErr::bad_body(format!(
            "Payload validation error: 'Missing required property: {key}'."
        ))
    })?;
    let ids = string_array(v, key)?;
    if ids.is_empty() {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'Array is too short (0), minimum 1' on property {key}."
        )));
    }
    Ok(ids)
}

fn user_roles(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(&store.users, "user_id", id).ok_or_else(no_user)?;
    match m {
        "GET" => {
            let ids = store.user_roles.get(id).cloned().unwrap_or_default();
            let roles: Vec<Value> = ids
                .iter()
                .filter_map(|r| find(&store.roles, "id", r).cloned())
                .collect();
            paginate(ctx, roles, "roles", false, None)
        }
        "POST" => {
            let ids = ids_in(ctx, "roles")?;
            for r in &ids {
                find(&store.roles, "id", r).ok_or_else(no_role)?;
            }
            link(&mut store.user_roles, id, ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => {
            let ids = ids_in(ctx, "roles")?;
            unlink(&mut store.user_roles, id, &ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// Validates `{"permissions": [{resource_server_identifier, permission_name}]}`
/// and returns the full permission objects.
fn permissions_in(ctx: &Ctx<'_>, store: &Store) -> Result<Vec<Value>, ApiErr> {
    let body = ctx.obj()?;
    let list = body
        .get("permissions")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiErr::bad_body("Payload validation error: 'Missing required property: permissions'.")
        })?;
    let mut out = Vec::new();
    for p in list {
        let (Some(rs_id), Some(name)) = (
            p["resource_server_identifier"].as_str(),
            p["permission_name"].as_str(),
        ) else {
            return Err(ApiErr::bad_body(
                "Payload validation error: 'Missing required property: resource_server_identifier, permission_name' on property permissions.",
            ));
        };
        let rs = find(&store.resource_servers, "identifier", rs_id);
        let scope = rs.and_then(|rs| {
            rs["scopes"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["value"].as_str() == Some(name)))
        });
        let (Some(rs), Some(scope)) = (rs, scope) else {
            return Err(ApiErr::not_found(
                &format!("This permission does not exist: '{rs_id} - {name}'"),
                Some("inexistent_resource_server_permission"),
            ));
        };
        out.push(json!({
            "permission_name": name,
            "description": scope["description"].as_str().map_or_else(|| scope_description(name), String::from),
            "resource_server_identifier": rs_id,
            "resource_server_name": rs["name"],
        }));
    }
    Ok(out)
}

/// Adds each of `items` to the list `links` keeps for `owner`, unless `same` finds it there
/// already (role assignments, members and permissions are sets).
fn link<T>(
    links: &mut HashMap<String, Vec<T>>,
    owner: &str,
    items: Vec<T>,
    same: impl Fn(&T, &T) -> bool,
) {
    let entry = links.entry(owner.to_owned()).or_default();
    for item in items {
        if !entry.iter().any(|e| same(e, &item)) {
            entry.push(item);
        }
    }
}

/// Removes from the list `links` keeps for `owner` every entry that `same` matches in `items`.
fn unlink<T>(
    links: &mut HashMap<String, Vec<T>>,
    owner: &str,
    items: &[T],
    same: impl Fn(&T, &T) -> bool,
) {
    if let Some(entry) = links.get_mut(owner) {
        entry.retain(|e| !items.iter().any(|i| same(e, i)));
    }
}

fn same_permission(a: &Value, b: &Value) -> bool {
    a["permission_name"] == b["permission_name"]
        && a["resource_server_identifier"] == b["resource_server_identifier"]
}

fn user_permissions(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(&store.users, "user_id", id).ok_or_else(no_user)?;
    match m {
        "GET" => {
            let mut out: Vec<Value> = Vec::new();
            let direct = store.user_permissions.get(id).cloned().unwrap_or_default();
            for mut p in direct {
                p["sources"] =
                    json!([{"source_id": "", "source_name": "", "source_type": "DIRECT"}]);
                out.push(p);
            }
            for role_id in store.user_roles.get(id).cloned().unwrap_or_default() {
                let role_name = find(&store.roles, "id", &role_id)
                    .map(|r| r["name"].clone())
                    .unwrap_or(Value::Null);
                for p in store
                    .role_permissions
                    .get(&role_id)
                    .cloned()
                    .unwrap_or_default()
                {
                    let src = json!({"source_id": role_id, "source_name": role_name, "source_type": "ROLE"});
                    if let Some(existing) = out.iter_mut().find(|e| same_permission(e, &p)) {
                        if let Some(a) = existing["sources"].as_array_mut() {
                            a.push(src);
                        }
                    } else {
                        let mut p = p;
                        p["sources"] = json!([src]);
                        out.push(p);
                    }
                }
            }
            paginate(ctx, out, "permissions", false, None)
        }
        "POST" => {
            let perms = permissions_in(ctx, store)?;
            link(&mut store.user_permissions, id, perms, same_permission);
            Ok(json(StatusCode::CREATED, &json!({})))
        }
        _ => {
            let perms = permissions_in(ctx, store)?;
            unlink(&mut store.user_permissions, id, &perms, same_permission);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

fn role_permissions(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(&store.roles, "id", id).ok_or_else(no_role)?;
    match m {
        "GET" => {
            let perms = store.role_permissions.get(id).cloned().unwrap_or_default();
            paginate(ctx, perms, "permissions", false, None)
        }
        "POST" => {
            let perms = permissions_in(ctx, store)?;
            link(&mut store.role_permissions, id, perms, same_permission);
            Ok(json(StatusCode::CREATED, &json!({})))
        }
        _ => {
            let perms = permissions_in(ctx, store)?;
            unlink(&mut store.role_permissions, id, &perms, same_permission);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// The short user shape used by member and role-user lists.
fn short_user(u: &Value) -> Value {
    json!({"user_id": u["user_id"], "email": u["email"], "picture": u["picture"], "name": u["name"]})
}

fn role_users(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(&store.roles, "id", id).ok_or_else(no_role)?;
    if m == "GET" {
        let users: Vec<Value> = store
            .users
            .iter()
            .filter(|u| {
                u["user_id"].as_str().is_some_and(|uid| {
                    store
                        .user_roles
                        .get(uid)
                        .is_some_and(|r| r.iter().any(|r| r == id))
                })
            })
            .map(short_user)
            .collect();
        return paginate(ctx, users, "users", false, Some("user_id"));
    }
    let ids = ids_in(ctx, "users")?;
    for u in &ids {
        find(&store.users, "user_id", u).ok_or_else(no_user)?;
    }
    for u in ids {
        link(&mut store.user_roles, &u, vec![id.to_string()], String::eq);
    }
    Ok(json(StatusCode::OK, &json!({})))
}

fn check_org_name(name: &str) -> Result<(), ApiErr> {
    let ok = !name.is_empty()
        && name.len() <= 50
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiErr::bad_body(
            "Payload validation error: 'String does not match pattern: ^[a-z0-9]([a-z0-9\\-_]*[a-z0-9])?$' on property name (The name of this organization.).",
        ))
    }
}

fn create_org(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    only_props(
        &body,
        &[
            "name",
            "display_name",
            "branding",
            "metadata",
            "enabled_connections",
        ],
    )?;
    let name = required_str(&body, "name")?;
    check_org_name(name)?;
    optional_str(&body, "display_name")?;
    if find(&store.organizations, "name", name).is_some() {
        return Err(org_conflict());
    }
    let mut org = json!({"id": format!("org_{}", random_alnum(16))});
    let body: Map<String, Value> = body
        .into_iter()
        .filter(|(k, _)| k != "enabled_connections")
        .collect();
    merge(&mut org, body);
    store.organizations.push(org.clone());
    Ok(json(StatusCode::CREATED, &org))
}

fn org_members(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(&store.organizations, "id", id).ok_or_else(no_org)?;
    match m {
        "GET" => {
            let ids = store.org_members.get(id).cloned().unwrap_or_default();
            let members: Vec<Value> = ids
                .iter()
                .filter_map(|u| find(&store.users, "user_id", u).map(short_user))
                .collect();
            paginate(ctx, members, "members", false, Some("user_id"))
        }
        "POST" => {
            let ids = ids_in(ctx, "members")?;
            for u in &ids {
                find(&store.users, "user_id", u).ok_or_else(no_user)?;
            }
            link(&mut store.org_members, id, ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => {
            let ids = ids_in(ctx, "members")?;
            unlink(&mut store.org_members, id, &ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// Users whose `last_login` lies within the last 30 days, as `GET /stats/active-users` counts.
fn active_users(store: &Store) -> usize {
    let since = iso8601(now_ms().saturating_sub(30 * 86_400 * 1000));
    store
        .users
        .iter()
        .filter(|u| {
            u["last_login"]
                .as_str()
                .is_some_and(|d| d >= since.as_str())
        })
        .count()
}

fn list_logs(ctx: &Ctx<'_>, store: &Store) -> Res {
    let p = list_params(ctx)?;
    let logs = search(store.logs.iter(), ctx.q("q"))?;
    if p.from.is_some() || p.take.is_some() {
        // Checkpoint mode: events after `from`, oldest first, as a bare array.
        let take = p.take.unwrap_or(50);
        let from = p.from.clone().unwrap_or_default();
        let out: Vec<Value> = logs
            .into_iter()
            .filter(|l| l["log_id"].as_str().is_some_and(|id| id > from.as_str()))
            .take(take)
            .map(|v| select_fields(ctx, v))
            .collect();
        return Ok(json(StatusCode::OK, &Value::Array(out)));
    }
    let ascending = ctx.q("sort").is_some_and(|s| s.ends_with(":1"));
    let mut logs: Vec<Value> = logs.into_iter().map(|v| select_fields(ctx, v)).collect();
    if !ascending {
        logs.reverse();
    }
    Ok(json(
        StatusCode::OK,
        &offset_page(logs, "logs", &p, true, None),
    ))
}

fn connection_by_id(store: &Store, id: &str) -> Result<Value, ApiErr> {
    find(&store.connections, "id", id).cloned().ok_or_else(|| {
        ApiErr::bad_body(format!(
            "Payload validation error: 'The connection does not exist: {id}' on property connection_id."
        ))
    })
}

fn export_job(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = if ctx.body.is_empty() {
        Map::new()
    } else {
        ctx.obj()?
    };
    only_props(&body, &["connection_id", "format", "limit", "fields"])?;
    let format = optional_str(&body, "format")?.unwrap_or("csv").to_string();
    if format != "csv" && format != "json" {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'No enum match for: \"{format}\"' on property format."
        )));
    }
    let mut job = json!({
        "id": format!("job_{}", random_alnum(16)),
        "type": "users_export",
        "status": "pending",
        "format": format,
        "created_at": iso8601(now_ms()),
        "created_ms": now_ms(),
    });
    if let Some(cid) = optional_str(&body, "connection_id")? {
        let conn = connection_by_id(store, cid)?;
        job["connection_id"] = json!(cid);
        job["connection"] = conn["name"].clone();
    }
    if let Some(l) = body.get("limit") {
        job["limit"] = l.clone();
    }
    if let Some(f) = body.get("fields") {
        job["fields"] = f.clone();
    }
    store.jobs.push(job.clone());
    Ok(json(StatusCode::OK, &public_job(&job)))
}

/// Minimal multipart/form-data reader: returns (name, content) per part.
fn multipart_parts(content_type: &str, body: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find_bytes(body, &delim, 0)? + delim.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            break;
        }
        let next = find_bytes(body, &delim, pos)?;
        let part = &body[pos..next];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let split = find_bytes(part, b"\r\n\r\n", 0)?;
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let mut content = &part[split + 4..];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = headers
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| n.trim_matches('"').trim().to_string())
            .unwrap_or_default();
        parts.push((name, content.to_vec()));
        pos = next + delim.len();
    }
    Some(parts)
}

fn find_bytes(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn import_job(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    if !ctx
        .content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ApiErr::bad_body(
            "Payload validation error: 'Expected content type multipart/form-data'.",
        ));
    }
    let parts = multipart_parts(&ctx.content_type, &ctx.body)
        .ok_or_else(|| ApiErr::bad_body("Invalid multipart/form-data payload"))?;
    let field = |n: &str| parts.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let users = field("users").ok_or_else(|| {
        ApiErr::bad_body("Payload validation error: 'Missing required property: users'.")
    })?;
    let users: Value = serde_json::from_slice(&users).map_err(|_| {
        ApiErr::bad_body("Users file must be an array of user objects in JSON format")
    })?;
    let count = users.as_array().map_or(0, Vec::len);
    if !users.is_array() {
        return Err(ApiErr::bad_body(
            "Users file must be an array of user objects in JSON format",
        ));
    }
    let cid = field("connection_id")
        .map(|v| String::from_utf8_lossy(&v).trim().to_string())
        .ok_or_else(|| {
            ApiErr::bad_body(
                "Payload validation error: 'Missing required property: connection_id'.",
            )
        })?;
    let conn = connection_by_id(store, &cid)?;
    let mut job = json!({
        "id": format!("job_{}", random_alnum(16)),
        "type": "users_import",
        "status": "pending",
        "connection_id": cid,
        "connection": conn["name"],
        "created_at": iso8601(now_ms()),
        "summary_total": count,
        "created_ms": now_ms(),
    });
    if let Some(ext) = field("external_id") {
        job["external_id"] = json!(String::from_utf8_lossy(&ext).trim());
    }
    store.jobs.push(job.clone());
    Ok(json(StatusCode::ACCEPTED, &public_job(&job)))
}

/// Jobs complete half a second after creation; `created_ms` is internal.
fn advance_job(job: &mut Value, base_url: &str) -> Value {
    let due = job["created_ms"]
        .as_u64()
        .is_some_and(|ms| now_ms() >= ms + 500);
    if job["status"] == "pending"
        && due
        && let Some(o) = job.as_object_mut()
    {
        o.insert("status".into(), json!("completed"));
        if o.get("type") == Some(&json!("users_export")) {
            let id = o
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            o.insert(
                "location".into(),
                json!(format!("{base_url}/__fake/exports/{id}.json.gz")),
            );
        } else {
            let total = o.remove("summary_total").unwrap_or(json!(0));
            o.insert(
                "summary".into(),
                json!({"failed": 0, "inserted": total, "total": total, "updated": 0}),
            );
        }
    }
    public_job(job)
}

/// A job without its internal bookkeeping fields.
fn public_job(job: &Value) -> Value {
    let mut out = job.clone();
    if let Some(o) = out.as_object_mut() {
        o.remove("created_ms");
        o.remove("summary_total");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lucene_terms() {
        let t = parse_query("email:\"a@b.c\" AND name:jo* plain").expect("parse");
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].field.as_deref(), Some("email"));
        assert_eq!(t[0].value, "a@b.c");
        assert!(t[1].prefix);
        assert!(t[2].field.is_none());
        assert!(parse_query("email:\"open").is_err());
    }

    #[test]
    fn matches_nested_fields() {
        let u = json!({"email": "A@b.c", "identities": [{"connection": "db"}], "app_metadata": {"plan": "pro"}});
        let users = vec![u];
        assert_eq!(
            search(&users, Some("email:a@b.c")).map(|v| v.len()).ok(),
            Some(1)
        );
        assert_eq!(
            search(&users, Some("identities.connection:db"))
                .map(|v| v.len())
                .ok(),
            Some(1)
        );
        assert_eq!(
            search(&users, Some("app_metadata.plan:free"))
                .map(|v| v.len())
                .ok(),
            Some(0)
        );
        assert_eq!(
            search(&users, Some("_exists_:app_metadata.plan"))
                .map(|v| v.len())
                .ok(),
            Some(1)
        );
    }

    #[test]
    fn routes_decode_and_map_scopes() {
        let segs = vec!["users".to_string(), "auth0|abc".to_string()];
        let (r, s) = match_route(&Method::GET, &segs).expect("route");
        assert_eq!(r, Route::User("auth0|abc".into()));
        assert_eq!(s, &["read:users"]);
        assert!(match_route(&Method::PUT, &segs).is_none());
    }

    #[test]
    fn reads_multipart() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"connection_id\"\r\n\r\ncon_1\r\n--XX\r\nContent-Disposition: form-data; name=\"users\"; filename=\"u.json\"\r\nContent-Type: application/json\r\n\r\n[]\r\n--XX--\r\n";
        let parts = multipart_parts("multipart/form-data; boundary=XX", body).expect("parts");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], ("connection_id".to_string(), b"con_1".to_vec()));
        assert_eq!(parts[1].1, b"[]".to_vec());
    }
}
