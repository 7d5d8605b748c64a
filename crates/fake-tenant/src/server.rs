//! Listener, TLS, connection handling and the test control routes.

use crate::conn::ConnCtx;
use crate::json_form as form;
use crate::resp::{Request, Response};
use crate::state::App;
use crate::util::json;
use crate::{Fault, api, token};
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio_rustls::TlsAcceptor;

/// Answers one request: reads its whole body (see [`read_body`]), then routes it.
async fn answer(app: &App, req: http::Request<Incoming>) -> Response {
    let (parts, body) = req.into_parts();
    let head = parts.method == Method::HEAD;
    let r = match read_body(body).await {
        Ok(body) => route(app, Request::from_parts(parts, body)).await,
        Err(r) => r,
    };
    finish(r, head)
}

/// Gives an answer its `Content-Length` and, to a `HEAD` request, no body.
fn finish(mut r: Response, head: bool) -> Response {
    if !r.headers().contains_key(header::CONTENT_LENGTH) {
        let len = HeaderValue::from(r.body().len());
        r.headers_mut().insert(header::CONTENT_LENGTH, len);
    }
    if head {
        *r.body_mut() = Bytes::new();
    }
    r
}

/// The tenant's routes: those of [`OTHER_ROUTES`] and everything below `/api/v2/`. A `GET`
/// route answers `HEAD` too; a known path asked with another method is answered `405` with
/// the methods it allows (`Allow`), an unknown path `404`.
pub(crate) async fn route(app: &App, req: Request) -> Response {
    let path = req.uri().path();
    let method = req.method();
    let get = *method == Method::GET || *method == Method::HEAD;
    let post = *method == Method::POST;
    match path {
        "/oauth/token" if post => token::handle(app, req).await,
        "/.well-known/jwks.json" if get => crate::resp::json(StatusCode::OK, &app.jwks()),
        "/__fake/stats" if get => stats(app),
        "/__fake/faults" if post => faults(app, req.body()),
        "/__fake/faults" if *method == Method::DELETE => clear_faults(app),
        "/__fake/revoke" if post => revoke(app),
        "/__fake/latency" if post => latency(app, req.body()),
        "/__fake/rate-window" if post => rate_window(app, req.body()),
        "/__fake/rate-buckets" if get => get_rate_buckets(app),
        "/__fake/rate-buckets" if post => set_rate_buckets(app, req.body()),
        "/__fake/routes" if get => routes(app),
        "/__fake/reset" if post => reset(app),
        "/__fake/state" if get => state(app),
        "/__fake/resource" => resource(app, &req),
        _ if path == "/api/v2" || path.strip_prefix("/api/v2/").is_some_and(|r| !r.is_empty()) => {
            api::handle(app, req).await
        }
        _ => {
            let mut allow = String::new();
            for (m, p) in OTHER_ROUTES {
                if *p == path {
                    let m = if *m == "GET" { "GET,HEAD" } else { m };
                    if !allow.is_empty() {
                        allow.push(',');
                    }
                    allow.push_str(m);
                }
            }
            if allow.is_empty() {
                crate::resp::api_error(StatusCode::NOT_FOUND, "Not Found", None)
            } else {
                let mut r = crate::resp::empty(StatusCode::METHOD_NOT_ALLOWED);
                crate::resp::set_header(&mut r, "allow", &allow);
                r
            }
        }
    }
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
async fn read_body(mut body: Incoming) -> Result<Bytes, Response> {
    use hyper::body::Body as _;
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
                    return Err(r);
                }
            }
            Some(Err(_)) => {
                return Err(crate::resp::api_error(
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read",
                    Some("invalid_body"),
                ));
            }
        }
    }
    if read > crate::api::MAX_BODY {
        return Err(too_large());
    }
    Ok(kept.freeze())
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
fn routes(app: &App) -> Response {
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
            crate::overrides::Undescribed::StreamStats => &["GET"],
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
fn reset(app: &App) -> Response {
    app.reset();
    crate::resp::json(StatusCode::OK, &json!({"reset": true}))
}

/// `GET /__fake/state`: the state document (see `persist`), clients' secrets included.
fn state(app: &App) -> Response {
    match crate::persist::document(app) {
        Ok(doc) => crate::resp::json(StatusCode::OK, &doc),
        Err(e) => crate::resp::api_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the state could not be written as JSON: {e}"),
            None,
        ),
    }
}

fn stats(app: &App) -> Response {
    let v = serde_json::to_value(app.counters.snapshot()).unwrap_or(Value::Null);
    crate::resp::json(StatusCode::OK, &v)
}

fn bad_control(msg: String) -> Response {
    crate::resp::json(
        StatusCode::BAD_REQUEST,
        &json!({"error": "invalid_request", "error_description": msg}),
    )
}

fn faults(app: &App, body: &[u8]) -> Response {
    let fault = serde_json::from_slice::<Fault>(body)
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
fn clear_faults(app: &App) -> Response {
    let removed = app.clear_faults();
    let requests: u64 = removed.iter().map(|f| f.count).sum();
    crate::resp::json(
        StatusCode::OK,
        &json!({"cleared": removed.len(), "requests": requests}),
    )
}

/// `POST /__fake/rate-window`: `{"action": "freeze" | "next" | "release"}`.
fn rate_window(app: &App, body: &[u8]) -> Response {
    let action = control_body(body, |f| f.required("action", form::string));
    match action.as_deref() {
        Ok("freeze") => app.rate_clock.freeze(),
        Ok("next") => app.next_rate_window(),
        Ok("release") => app.rate_clock.release(),
        Ok(other) => {
            return bad_control(format!(
                "invalid rate-window action: unknown variant `{other}`, expected one of \
                 `freeze`, `next`, `release`"
            ));
        }
        Err(e) => return bad_control(format!("invalid rate-window action: {e}")),
    }
    crate::resp::empty(StatusCode::NO_CONTENT)
}

/// `POST /__fake/rate-buckets`: a [`RateBuckets`](crate::RateBuckets) document.
fn set_rate_buckets(app: &App, body: &[u8]) -> Response {
    match serde_json::from_slice::<crate::RateBuckets>(body) {
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
fn get_rate_buckets(app: &App) -> Response {
    let v = serde_json::to_value(app.buckets.config()).unwrap_or(Value::Null);
    crate::resp::plain_json(&v)
}

fn revoke(app: &App) -> Response {
    let revoked = app.revoke_all();
    crate::resp::plain_json(&json!({ "revoked": revoked }))
}

/// A control request's JSON body, read by `read` (the body's other fields are ignored).
fn control_body<T>(
    body: &[u8],
    read: impl FnOnce(&mut form::Fields) -> Result<T, String>,
) -> Result<T, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    read(&mut form::Fields::of(value, "a JSON object")?)
}

fn latency(app: &App, body: &[u8]) -> Response {
    match control_body(body, |f| f.required("token_ms", form::u64_)) {
        Ok(token_ms) => {
            app.token_latency_ms.store(token_ms, Ordering::Relaxed);
            crate::resp::empty(StatusCode::NO_CONTENT)
        }
        Err(e) => bad_control(format!("invalid latency: {e}")),
    }
}

/// `/__fake/resource`, any method: a protected resource of one of the tenant's APIs. It answers
/// `200 {"sub", "scope", "aud", "cnf", "method"}` when the request presents a valid token the
/// way the token is bound (see `dpop::check_binding`), else `401` with a challenge.
fn resource(app: &App, req: &Request) -> Response {
    let (method, headers) = (req.method(), req.headers());
    let peer = req
        .extensions()
        .get::<ConnCtx>()
        .and_then(|c| c.peer_x5t().map(str::to_owned));
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
    let Some((scheme, token)) = crate::dpop::presented_token(headers) else {
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
    let claims = match app.verify_token(token, &app.issuer, &aud) {
        Ok(c) => c,
        Err(_) => return deny("Invalid token"),
    };
    if crate::state::lock(&app.registry).is_revoked(claims["jti"].as_str().unwrap_or("")) {
        return deny("Token has been revoked");
    }
    match crate::dpop::check_binding(
        app,
        scheme,
        token,
        claims,
        method.as_str(),
        "/__fake/resource",
        headers,
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

/// A task of the tenant. Every task is spawned as this one boxed type, through [`spawn`], so
/// tokio's task code is compiled once for all of them, in this crate, rather than once for each
/// future type in every program that starts a tenant.
pub(crate) type Task = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Spawns `task` on the current tokio runtime.
pub(crate) fn spawn(task: Task) -> tokio::task::JoinHandle<()> {
    tokio::spawn(task)
}

/// The HTTP server's executor (HTTP/2 streams): spawns through [`spawn`].
#[derive(Clone, Copy)]
struct Exec;

impl<F> hyper::rt::Executor<F> for Exec
where
    F: std::future::Future + Send + 'static,
{
    fn execute(&self, fut: F) {
        spawn(Box::pin(async move {
            fut.await;
        }));
    }
}

/// An accepted connection, plain or TLS: one type, so the HTTP server below is compiled once.
enum Conn {
    Plain(tokio::net::TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>),
}

impl tokio::io::AsyncRead for Conn {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Conn {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Serves one accepted connection until it ends, is killed, or the tenant shuts down.
async fn serve_conn(
    io: Conn,
    app: Arc<App>,
    mut shutdown: watch::Receiver<bool>,
    peer: Option<Arc<str>>,
) {
    let kill = Arc::new(Notify::new());
    let ctx = ConnCtx(kill.clone(), peer);
    let svc = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
        req.extensions_mut().insert(ctx.clone());
        let app = app.clone();
        async move {
            let r = answer(&app, req).await;
            Ok::<_, std::convert::Infallible>(r.map(http_body_util::Full::new))
        }
    });
    let builder = auto::Builder::new(Exec);
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = shutdown.changed() => {}
    }
}

/// Accepts connections until `shutdown` changes or its sender is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
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
        let app = app.clone();
        let tls = tls.clone();
        let mut sd = shutdown.clone();
        spawn(Box::pin(async move {
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
                        serve_conn(Conn::Tls(Box::new(s)), app, sd, peer).await;
                    }
                }
                None => serve_conn(Conn::Plain(stream), app, sd, None).await,
            }
        }));
    }
}
