//! The Management API (`/api/v2/...`): the request pipeline (faults, rate limit, routing,
//! authorization, scopes, body) here; the route table in `routes`, bearer validation in
//! `auth`, pagination and field selection in `pagination`, the `q` search in `search`,
//! `multipart/form-data` in `multipart`, assignments shared by several resources in `links`,
//! and one module of handlers per resource.

use crate::FaultTarget;
use crate::conn::ConnCtx;
use crate::resp::{Echo, api_error, apply_fault, rate_headers, retry_after_header};
pub(crate) use crate::resp::{Request, Response};
use crate::state::{bump, lock};

mod auth;
mod base;
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
mod operation;
mod organizations;
mod pagination;
mod resource_servers;
mod roles;
mod routes;
mod search;
mod stats;
mod tenant;
mod undescribed;
mod users;

use auth::authorize;
use base::*;
pub(crate) use routes::ROUTES;
use routes::{Route, match_route};

/// The largest request body accepted (user imports can be big).
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

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
    // A hand-written handler where there is one, else the generic one of the description,
    // else a route Auth0 serves that the description lacks.
    let undescribed = crate::overrides::undescribed_route(
        parts.uri.path().strip_prefix("/api/v2").unwrap_or_default(),
    )
    .filter(|r| undescribed::serves(r, parts.method.as_str()));
    let undescribed_scope;
    let (handler, scopes) = match match_route(&parts.method, &segs) {
        Some((route, scopes)) => (Handler::Route(route), scopes),
        None => match (generic::find(&parts.method, &segs), undescribed) {
            (Some(op), _) => (Handler::Generic(op), op.scopes),
            (None, Some(route)) => {
                undescribed_scope = [undescribed::scope(route, parts.method.as_str())];
                (Handler::Undescribed(route), &undescribed_scope[..])
            }
            (None, None) => return api_error(StatusCode::NOT_FOUND, "Not Found", None),
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
        Handler::Undescribed(route) => {
            let mut guard = lock(&app.store);
            let result = undescribed::handle(route, method.as_str(), &segs, &ctx, &mut guard);
            (result, format!("Call {}", route.path))
        }
        Handler::Generic(op) => {
            let mut guard = lock(&app.store);
            let store: &mut Store = &mut guard;
            let result = if credentials::owns(op, &segs, store) {
                credentials::handle(&method, &segs, &ctx, store)
            } else if op.id == "post_clients_cimd_register" || op.id == "post_clients_cimd_preview"
            {
                clients::cimd(op.id == "post_clients_cimd_register", &ctx, store)
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
    Undescribed(&'static crate::overrides::UndescribedRoute),
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
        | Route::UserBlocks(_)
        | Route::UserIdentities(_)
        | Route::UserIdentity(..) => users::handle(route, m, ctx, store),
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
