//! Listener, TLS, connection handling and the test control routes.

use crate::state::App;
use crate::{Fault, api, token};
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use bytes::Bytes;
use http::StatusCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Per-connection context: lets a handler close its TCP connection without answering.
#[derive(Clone)]
pub(crate) struct ConnCtx(Arc<Notify>, Option<Arc<str>>);

impl ConnCtx {
    /// Closes the connection this request arrived on.
    pub(crate) fn kill(&self) {
        self.0.notify_one();
    }

    /// The SHA-256 thumbprint (base64url) of the certificate the client presented in the TLS
    /// handshake, on the mTLS alias.
    pub(crate) fn peer_x5t(&self) -> Option<&str> {
        self.1.as_deref()
    }
}

/// The tenant's routes.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/oauth/token", post(token::handle))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/__fake/stats", get(stats))
        .route("/__fake/faults", post(faults).delete(clear_faults))
        .route("/__fake/revoke", post(revoke))
        .route("/__fake/latency", post(latency))
        .route("/__fake/rate-window", post(rate_window))
        .route(
            "/__fake/rate-buckets",
            get(get_rate_buckets).post(set_rate_buckets),
        )
        .route("/__fake/routes", get(routes))
        .route("/__fake/reset", post(reset))
        .route("/__fake/state", get(state))
        .route("/__fake/resource", any(resource))
        .route("/api/v2", any(api::handle))
        .route("/api/v2/{*rest}", any(api::handle))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(read_body_first))
        .with_state(app)
}

/// How much of a body longer than [`MAX_BODY`](crate::api::MAX_BODY) is read and dropped
/// before answering `413`, so that the connection stays usable; past this, the answer closes
/// the connection instead.
const DRAIN_CAP: usize = 64 * 1024 * 1024;

/// Reads the whole request body before any route sees the request, so that every answer,
/// those given without looking at the body included (an unknown route, a wrong method, a
/// refused token, an injected fault), leaves a kept-alive connection ready for its next
/// request: an answer sent while the body is still arriving makes the server close the
/// connection. A body longer than [`MAX_BODY`](crate::api::MAX_BODY) is answered `413`.
async fn read_body_first(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use hyper::body::Body as _;
    let (parts, mut body) = req.into_parts();
    let mut kept = bytes::BytesMut::new();
    let mut read: usize = 0;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    // Trailers carry nothing the tenant reads.
                    continue;
                };
                read = read.saturating_add(data.len());
                if read <= crate::api::MAX_BODY {
                    kept.extend_from_slice(&data);
                } else if read > DRAIN_CAP {
                    let mut r = too_large();
                    crate::resp::set_header(&mut r, "connection", "close");
                    return r;
                }
            }
            Some(Err(_)) => {
                return crate::resp::api_error(
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read",
                    Some("invalid_body"),
                );
            }
        }
    }
    if read > crate::api::MAX_BODY {
        return too_large();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(kept.freeze()),
    ))
    .await
}

fn too_large() -> Response {
    crate::resp::api_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Payload too large",
        Some("payload_too_large"),
    )
}

/// The routes outside `/api/v2`: method and path.
pub(crate) const OTHER_ROUTES: &[(&str, &str)] = &[
    ("POST", "/oauth/token"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/__fake/stats"),
    ("POST", "/__fake/faults"),
    ("DELETE", "/__fake/faults"),
    ("POST", "/__fake/revoke"),
    ("POST", "/__fake/latency"),
    ("POST", "/__fake/rate-window"),
    ("GET", "/__fake/rate-buckets"),
    ("POST", "/__fake/rate-buckets"),
    ("GET", "/__fake/routes"),
    ("POST", "/__fake/reset"),
    ("GET", "/__fake/state"),
    ("ANY", "/__fake/resource"),
];

/// `GET /__fake/routes`: every served route with the scopes it needs (none outside `/api/v2`);
/// Management API routes say whether a hand-written or the generic handler answers them, and
/// generic ones give a `sample_path` that a tenant with schema samples answers. A route whose behaviour a
/// recording fixes (a status, an id format, an idempotent delete) says so under `recorded`,
/// naming the recording; routes Auth0 serves that the description lacks come last, with theirs.
async fn routes(State(app): State<Arc<App>>) -> Response {
    let mut out: Vec<Value> = OTHER_ROUTES
        .iter()
        .map(|(method, path)| json!({"method": method, "path": path, "scopes": []}))
        .collect();
    out.extend(api::ROUTES.iter().map(|r| {
        let mut route = json!({"method": r.method, "path": format!("/api/v2{}", r.path),
                               "scopes": r.scopes, "handler": "hand-written"});
        if let Some(body) = api::generic::body_sample(r.method, r.path) {
            route["body_sample"] = body;
        }
        if let Some(o) = crate::overrides::describe(r.method, r.path) {
            route["recorded"] = o;
        }
        route
    }));
    let store = crate::state::lock(&app.store);
    out.extend(api::generic::generic_operations().map(|op| {
        let mut route = json!({"method": op.method, "path": format!("/api/v2{}", op.path),
               "scopes": op.scopes, "handler": "generic", "operation": op.id,
               "sample_path": format!("/api/v2{}", api::generic::sample_path(op, &store))});
        if let Some(body) = api::generic::body_sample(op.method, op.path) {
            route["body_sample"] = body;
        }
        if let Some(o) = crate::overrides::describe(op.method, op.path) {
            route["recorded"] = o;
        }
        route
    }));
    for r in crate::overrides::UNDESCRIBED_ROUTES {
        let methods: &[&str] = match r.kind {
            crate::overrides::Undescribed::Setting(_) => &["GET", "PUT", "PATCH"],
            crate::overrides::Undescribed::List => &["GET", "POST"],
        };
        out.extend(methods.iter().map(|m| {
            let scope = if *m == "GET" { r.read_scope } else { r.write_scope };
            json!({"method": m, "path": format!("/api/v2{}", r.path), "scopes": [scope],
                   "handler": "undescribed", "recorded": {"undescribed": {"recording": r.recording}}})
        }));
    }
    crate::resp::json(StatusCode::OK, &Value::Array(out))
}

/// `POST /__fake/reset`: the tenant as it started fresh (see `App::reset`); answers
/// `200 {"reset": true}`.
async fn reset(State(app): State<Arc<App>>) -> Response {
    app.reset();
    crate::resp::json(StatusCode::OK, &json!({"reset": true}))
}

/// `GET /__fake/state`: the state document (see `persist`), clients' secrets included.
async fn state(State(app): State<Arc<App>>) -> Response {
    match crate::persist::document(&app) {
        Ok(doc) => crate::resp::json(StatusCode::OK, &doc),
        Err(e) => crate::resp::api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the state could not be written as JSON: {e}"),
            None,
        ),
    }
}

async fn jwks(State(app): State<Arc<App>>) -> Response {
    crate::resp::json(StatusCode::OK, &app.key.jwks())
}

async fn stats(State(app): State<Arc<App>>) -> Response {
    let v = serde_json::to_value(app.counters.snapshot()).unwrap_or(Value::Null);
    crate::resp::json(StatusCode::OK, &v)
}

fn bad_control(msg: String) -> Response {
    crate::resp::json(
        StatusCode::BAD_REQUEST,
        &json!({"error": "invalid_request", "error_description": msg}),
    )
}

async fn faults(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let fault = serde_json::from_slice::<Fault>(&body)
        .map_err(|e| e.to_string())
        .and_then(|f| f.check_headers().map(|()| f));
    match fault {
        Ok(f) => {
            app.add_fault(f);
            crate::resp::empty(StatusCode::NO_CONTENT)
        }
        Err(e) => bad_control(format!("invalid fault: {e}")),
    }
}

/// `DELETE /__fake/faults`: `{"cleared": faults removed, "requests": requests they had left}`.
async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    let removed = app.clear_faults();
    let requests: u64 = removed.iter().map(|f| f.count).sum();
    crate::resp::json(
        StatusCode::OK,
        &json!({"cleared": removed.len(), "requests": requests}),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RateWindowAction {
    Freeze,
    Next,
    Release,
}

#[derive(Deserialize)]
struct RateWindow {
    action: RateWindowAction,
}

/// `POST /__fake/rate-window`: `{"action": "freeze" | "next" | "release"}`.
async fn rate_window(State(app): State<Arc<App>>, body: Bytes) -> Response {
    match serde_json::from_slice::<RateWindow>(&body) {
        Ok(w) => {
            match w.action {
                RateWindowAction::Freeze => app.rate_clock.freeze(),
                RateWindowAction::Next => app.next_rate_window(),
                RateWindowAction::Release => app.rate_clock.release(),
            }
            crate::resp::empty(StatusCode::NO_CONTENT)
        }
        Err(e) => bad_control(format!("invalid rate-window action: {e}")),
    }
}

/// `POST /__fake/rate-buckets`: a [`RateBuckets`](crate::RateBuckets) document.
async fn set_rate_buckets(State(app): State<Arc<App>>, body: Bytes) -> Response {
    match serde_json::from_slice::<crate::RateBuckets>(&body) {
        Ok(b) => {
            let valid = b
                .tenant
                .iter()
                .chain(b.endpoints.values())
                .all(|l| crate::BucketLimit::new(l.burst, l.per_second).is_some());
            if !valid {
                return bad_control(
                    "invalid rate buckets: a burst is at least 1 and a rate above zero".to_owned(),
                );
            }
            app.buckets.set(b);
            crate::resp::empty(StatusCode::NO_CONTENT)
        }
        Err(e) => bad_control(format!("invalid rate buckets: {e}")),
    }
}

/// `GET /__fake/rate-buckets`: the configured buckets.
async fn get_rate_buckets(State(app): State<Arc<App>>) -> Response {
    axum::Json(app.buckets.config()).into_response()
}

async fn revoke(State(app): State<Arc<App>>) -> Response {
    let revoked = app.revoke_all();
    axum::Json(serde_json::json!({ "revoked": revoked })).into_response()
}

#[derive(serde::Deserialize)]
struct Latency {
    token_ms: u64,
}

async fn latency(State(app): State<Arc<App>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Latency>(&body) {
        Ok(l) => {
            app.token_latency_ms.store(l.token_ms, Ordering::Relaxed);
            crate::resp::empty(StatusCode::NO_CONTENT)
        }
        Err(e) => bad_control(format!("invalid latency: {e}")),
    }
}

/// `/__fake/resource`, any method: a protected resource of one of the tenant's APIs. It answers
/// `200 {"sub", "scope", "aud", "cnf", "method"}` when the request presents a valid token the
/// way the token is bound (see `dpop::check_binding`), else `401` with a challenge.
async fn resource(
    State(app): State<Arc<App>>,
    conn: Option<axum::Extension<ConnCtx>>,
    method: http::Method,
    headers: http::HeaderMap,
) -> Response {
    let peer = conn
        .as_ref()
        .and_then(|axum::Extension(c)| c.peer_x5t().map(str::to_owned));
    let deny = |msg: &str| {
        let mut r = crate::resp::api_error(StatusCode::UNAUTHORIZED, msg, None);
        crate::resp::set_header(
            &mut r,
            "www-authenticate",
            &format!(
                "Bearer realm=\"{}\", error=\"invalid_token\", error_description=\"{msg}\"",
                app.domain
            ),
        );
        r
    };
    let Some((scheme, token)) = crate::dpop::presented_token(&headers) else {
        let mut r =
            crate::resp::api_error(StatusCode::UNAUTHORIZED, "Missing authentication", None);
        crate::resp::set_header(&mut r, "www-authenticate", "Bearer, DPoP");
        return r;
    };
    // The token's audience must be one of the tenant's APIs.
    let aud = token
        .split('.')
        .nth(1)
        .and_then(|p| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|c| c["aud"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let known = crate::state::lock(&app.store)
        .items(crate::store::RESOURCE_SERVERS)
        .iter()
        .any(|rs| rs["identifier"].as_str() == Some(aud.as_str()));
    if !known {
        return deny("The token is not for an API of this tenant");
    }
    let claims = match app.key.verify(token, &app.issuer, &aud) {
        Ok(c) => c,
        Err(_) => return deny("Invalid token"),
    };
    if crate::state::lock(&app.registry).is_revoked(claims["jti"].as_str().unwrap_or("")) {
        return deny("Token has been revoked");
    }
    match crate::dpop::check_binding(
        &app,
        scheme,
        token,
        claims,
        method.as_str(),
        "/__fake/resource",
        &headers,
        peer.as_deref(),
    ) {
        Ok(access) => crate::resp::json(
            StatusCode::OK,
            &json!({"sub": access.claims["sub"], "scope": access.claims["scope"],
                    "aud": access.claims["aud"], "cnf": access.claims["cnf"],
                    "method": method.as_str()}),
        ),
        Err(r) => *r,
    }
}

async fn not_found() -> Response {
    crate::resp::api_error(StatusCode::NOT_FOUND, "Not Found", None)
}

/// Serves one accepted connection until it ends, is killed, or the tenant shuts down.
macro_rules! serve_io {
    ($io:expr, $router:expr, $shutdown:expr, $peer:expr) => {{
        let kill = Arc::new(Notify::new());
        let ctx = ConnCtx(kill.clone(), $peer);
        let router = $router;
        let svc = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
            req.extensions_mut().insert(ctx.clone());
            router.clone().oneshot(req)
        });
        let builder = auto::Builder::new(TokioExecutor::new());
        let conn = builder.serve_connection(TokioIo::new($io), svc);
        tokio::select! {
            _ = conn => {}
            _ = kill.notified() => {}
            _ = $shutdown.changed() => {}
        }
    }};
}

/// Accepts connections until `shutdown` changes or its sender is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    app: Arc<App>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        crate::state::bump(&app.counters.connections_accepted);
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let tls = tls.clone();
        let mut sd = shutdown.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    let accepted = tokio::select! {
                        r = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)) => r,
                        _ = sd.changed() => return,
                    };
                    if let Ok(Ok(s)) = accepted {
                        let peer: Option<Arc<str>> = s
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|c| c.first())
                            .map(|c| crate::keys::x5t_s256(c.as_ref()).into());
                        serve_io!(s, router, sd, peer);
                    }
                }
                None => serve_io!(stream, router, sd, None),
            }
        });
    }
}
