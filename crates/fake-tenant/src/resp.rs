//! Response building shared by the token endpoint and the Management API.

use crate::conn::ConnCtx;
use crate::state::{App, RateInfo, bump};
use crate::util::json;
use crate::{Fault, FaultTarget};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;
use std::time::Duration;

/// A request as the routes see it: its whole body already read (see `server::read_body`).
pub(crate) type Request = http::Request<Bytes>;

/// An answer: its whole body in one piece.
pub(crate) type Response = http::Response<Bytes>;

/// A JSON response with Auth0's content type.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    with_content_type(status, body, "application/json; charset=utf-8")
}

/// A `200` JSON response with the plain `application/json` content type (the tenant's own
/// control routes).
pub(crate) fn plain_json(body: &Value) -> Response {
    with_content_type(StatusCode::OK, body, "application/json")
}

fn with_content_type(status: StatusCode, body: &Value, content_type: &'static str) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(Bytes::from(bytes));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// An empty response (e.g. 204 No Content).
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(Bytes::new());
    *r.status_mut() = status;
    r
}

/// Sets a header from a string, ignoring values that are not valid header values.
pub(crate) fn set_header(r: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// Adds the `X-RateLimit-*` headers Auth0 sends on every answer.
pub(crate) fn rate_headers(r: &mut Response, info: RateInfo) {
    set_header(r, "x-ratelimit-limit", &info.limit.to_string());
    set_header(r, "x-ratelimit-remaining", &info.remaining.to_string());
    set_header(r, "x-ratelimit-reset", &info.reset.to_string());
}

/// Adds `Retry-After` to a rate-limited answer: the seconds until the window of `info`
/// resets, at least 1.
pub(crate) fn retry_after_header(r: &mut Response, info: RateInfo, now: u64) {
    let secs = info
        .retry_after
        .unwrap_or_else(|| info.reset.saturating_sub(now));
    set_header(r, "retry-after", &secs.max(1).to_string());
}

/// An Authentication API error: `{"error", "error_description"}`.
pub(crate) fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// A Management API error: `{"statusCode", "error", "message", "errorCode"?}`.
pub(crate) fn api_error(status: StatusCode, message: &str, code: Option<&str>) -> Response {
    let mut body = json!({
        "statusCode": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
    });
    if let (Some(c), Some(o)) = (code, body.as_object_mut()) {
        o.insert("errorCode".into(), Value::String(c.into()));
    }
    json(status, &body)
}

/// Applies an injected fault: waits the added latency, then drops the
/// connection, answers with the fault's status (with the rate-limit headers
/// of the target's window, changed as the fault says), or lets the request
/// proceed (`None`).
/// The credentials a request carried, for a fault body that echoes them.
#[derive(Default)]
pub(crate) struct Echo {
    /// The bearer token of the `Authorization` header.
    pub(crate) token: Option<String>,
    /// The client secret of the token request.
    pub(crate) secret: Option<String>,
}

impl Echo {
    /// `template` with `{TOKEN}` and `{SECRET}` replaced.
    fn fill(&self, template: &str) -> String {
        template
            .replace("{TOKEN}", self.token.as_deref().unwrap_or(""))
            .replace("{SECRET}", self.secret.as_deref().unwrap_or(""))
    }
}

pub(crate) async fn apply_fault(
    app: &App,
    fault: Fault,
    conn: Option<&ConnCtx>,
    target: FaultTarget,
    echo: &Echo,
) -> Option<Response> {
    if let Some(ms) = fault.latency_ms.filter(|ms| *ms > 0) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.drop_connection {
        bump(&app.counters.dropped_connections);
        if let Some(c) = conn {
            c.kill();
            // The connection task drops the socket; this answer is never sent.
            std::future::pending::<()>().await;
        }
        return Some(empty(StatusCode::BAD_GATEWAY));
    }
    let code = fault.status?;
    let info = match target {
        FaultTarget::Token => app.hit_token_window(),
        // With token buckets, the fault's answer counts against the tenant's bucket (the
        // class of "other" endpoints) and carries its headers, as every answer does.
        FaultTarget::Api => match app.buckets.hit(&http::Method::GET, "/api/v2/") {
            Some(info) => info,
            None => app.hit_api_window(),
        },
    };
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    if status.is_server_error() {
        match target {
            FaultTarget::Token => bump(&app.counters.token_5xx_injected),
            FaultTarget::Api => bump(&app.counters.api_5xx_injected),
        }
    }
    let mut r = match (target, status) {
        (FaultTarget::Token, StatusCode::TOO_MANY_REQUESTS) => {
            bump(&app.counters.token_429);
            token_error(status, "too_many_requests", "Global limit has been reached")
        }
        (FaultTarget::Api, StatusCode::TOO_MANY_REQUESTS) => {
            bump(&app.counters.api_429);
            api_error(
                status,
                "Global limit has been reached",
                Some("too_many_requests"),
            )
        }
        (FaultTarget::Api, StatusCode::UNAUTHORIZED) => {
            bump(&app.counters.api_401);
            api_error(status, "Invalid token", None)
        }
        (FaultTarget::Token, s) if s.is_server_error() => token_error(
            s,
            "temporarily_unavailable",
            "The service is temporarily unavailable. Please try again later.",
        ),
        (FaultTarget::Token, s) => token_error(
            s,
            "server_error",
            s.canonical_reason().unwrap_or("Injected error"),
        ),
        (FaultTarget::Api, s) => {
            api_error(s, s.canonical_reason().unwrap_or("Injected error"), None)
        }
    };
    rate_headers(&mut r, info);
    if let Some(secs) = fault.rate_limit_reset_in {
        let reset = crate::util::now_secs().saturating_add(secs);
        set_header(&mut r, "x-ratelimit-reset", &reset.to_string());
    }
    if let Some(remaining) = fault.rate_limit_remaining {
        set_header(&mut r, "x-ratelimit-remaining", &remaining.to_string());
    }
    if let Some(secs) = fault.retry_after {
        set_header(&mut r, "retry-after", &secs.to_string());
    }
    if let Some(template) = &fault.body {
        *r.body_mut() = Bytes::from(echo.fill(template));
        r.headers_mut().remove(http::header::CONTENT_LENGTH);
    }
    for (name, value) in &fault.headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            r.headers_mut().insert(n, v);
        }
    }
    Some(r)
}
