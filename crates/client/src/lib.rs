//! An Auth0 Management API client whose access token takes care of itself.
//!
//! [`ManagementClient`] obtains a Management API access token with the client-credentials
//! grant, shares it through a cache (in memory, in files shared by the processes of a host,
//! or in Redis shared by a fleet), refreshes it before it expires, and sends typed
//! [`Endpoint`](management::Endpoint)s with it, retrying what can safely be retried.
//!
//! ```no_run
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = auth0_m2m::ManagementClient::builder("tenant.eu.auth0.com")
//!     .with_client_secret("my-client-id", std::env::var("AUTH0_CLIENT_SECRET")?)
//!     .build()?;
//!
//! // Typed resource handles.
//! let user = client.users().get("auth0|5f7c8ec7c33c6c004bbafe82").await?;
//! println!("{:?}", user.email);
//!
//! // Every client of the tenant, page after page.
//! let clients: Vec<_> = client.clients().list().items().try_collect().await?;
//! println!("{} clients", clients.len());
//!
//! // Any endpoint, modeled or not.
//! let stats: serde_json::Value = client
//!     .request(http::Method::GET, "/api/v2/stats/active-users")
//!     .send()
//!     .await?;
//! println!("{stats}");
//! # Ok(())
//! # }
//! ```
//!
//! # Calls
//!
//! - [`ManagementClient::execute`] runs any [`Endpoint`](management::Endpoint) (the modeled
//!   ones in [`management`], or your own implementation of the trait).
//! - Resource handles ([`ManagementClient::clients`], [`users`](ManagementClient::users),
//!   [`roles`](ManagementClient::roles), [`actions`](ManagementClient::actions),
//!   [`log_streams`](ManagementClient::log_streams)…) wrap every operation of the Management
//!   API: one handle per operation group of Auth0's API description, generated from it
//!   ([`handles`]), with subgroups as handles of their own
//!   (`client.actions().versions().list(action_id)`). The table of every operation with its
//!   type and call is in [`management::operations`]. Each method takes the operation's required
//!   inputs and returns a request builder: a [`Call`] (`.await` it; optional query parameters
//!   and [`Call::options`] first), or a [`List`] for a list operation.
//! - [`List`] pages through a list endpoint as a [`Stream`](futures_util::Stream) of pages
//!   ([`List::pages`]) or of items ([`List::items`]), with offset (`page`/`per_page`) or
//!   checkpoint (`from`/`take`) pagination.
//! - [`ManagementClient::request`] is the escape hatch for endpoints this crate does not
//!   model: a method, a path, a query and a body, read as `serde_json::Value` or any type.
//!
//! # Tokens, retries and errors
//!
//! Before every attempt the client reads the token from its [`TokenProvider`](cache::TokenProvider)
//! (a lock-free read while the token is fresh). A 401 answer invalidates exactly the token
//! that was sent and the call is retried once with a fresh token. 429 answers, and 5xx
//! answers, timeouts and lost connections of idempotent calls, are retried with exponential
//! backoff and jitter; the server's wait is honoured up to a cap ([`RetryPolicy`]) by one
//! rule: `Retry-After` on a 429 or 503, `X-RateLimit-Reset` on a 429 only (Auth0 sends it on
//! every answer). `POST` and `PATCH` calls are never retried once they may have been
//! processed. A certificate the client does not trust is an [`Error::Tls`], never retried.
//! Every failure is an [`Error`] carrying the status, the Management API error body and the
//! answer's [`ResponseMeta`] (headers, rate limit, request id); no error, log line or `Debug`
//! output contains the client secret or a token.
//!
//! # Responses and per-call options
//!
//! [`Call::send_with_response`], [`ManagementClient::execute_with`],
//! [`RawRequest::send_with_response`], [`List::send_with_response`] and [`List::responses`]
//! return each answer as a [`Response`]:
//! the body with its [`ResponseMeta`] (status, headers, request id, the parsed rate limit and
//! M2M quotas). [`CallOptions`] change one call: a per-attempt timeout, a whole-call deadline,
//! extra headers, a retry budget, an application name for the `User-Agent`.
//!
//! # Time limits
//!
//! The timeout ([`CallOptions::timeout`], [`ManagementClientBuilder::with_timeout`], 30 s by
//! default) bounds each attempt; every retry gets a new one, and running out is an
//! [`Error::Timeout`]. The deadline ([`CallOptions::deadline`],
//! [`ManagementClientBuilder::with_deadline`], none by default) bounds the whole call: token
//! fetch, attempts, and the waits before retries. Running out is an
//! [`Error::DeadlineExceeded`] ([`ErrorKind::DeadlineExceeded`]); a wait that would end past
//! the deadline is not started, and the call ends with the failure it would have retried. On
//! a [`List`] the deadline applies to each page's call.
//!
//! # HTTP
//!
//! Token requests and Management API calls go through one [`HttpClient`] (by default
//! [`ReqwestHttpClient`](token::ReqwestHttpClient): reqwest with rustls, one connection
//! pool). Hand in your own with [`ManagementClientBuilder::with_http_client`] (a proxy, a
//! custom TLS setup, a fake in tests) or a configured `reqwest::Client` with
//! [`ManagementClientBuilder::with_reqwest_client`]. The [`http`] crate is re-exported, so
//! `auth0_m2m::http::Method` needs no dependency of your own.
//!
//! # Defaults
//!
//! The defaults (audience `https://{domain}/api/v2/`, in-memory cache, 5 s connect timeout,
//! 30 s timeout per attempt, no whole-call deadline, 3 retries, 16 MiB response cap, telemetry on, HTTPS only) are
//! listed on [`ManagementClientBuilder`].
//!
//! # Features
//!
//! The default feature is `full`: every operation group. Each group is a feature of its own,
//! named like its module and its handle accessor (`clients`, `log_streams`, `users`…); with
//! `default-features = false` and only the groups a service calls, the build is much smaller.
//! None of the following is enabled by default:
//!
//! - `time`: conversions between [`management::Timestamp`] and `time::OffsetDateTime`.
//! - `file`: [`ManagementClientBuilder::with_file_cache`], tokens shared by the processes of
//!   one host through [`cache::FileCache`].
//! - `redis`: [`ManagementClientBuilder::with_redis_cache`], tokens shared by a fleet through
//!   [`cache::RedisCache`].
//! - `private-key-jwt`: [`ManagementClientBuilder::with_private_key`], `private_key_jwt`
//!   client authentication with [`token::PrivateKey`].
//!
//! # Crates
//!
//! The lower layers are re-exported so that one dependency is enough: [`token`] (the
//! client-credentials exchange), [`cache`] (the caches and the token provider) and
//! [`management`] (the endpoint models).
//! [`prelude`] holds the names most programs use (`use auth0_m2m::prelude::*;`).
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "actions")]
mod action_build;
mod budget;
mod builder;
mod call;
mod client;
mod env;
mod error;
pub mod handles;
mod own_api;
pub mod prelude;
mod raw;
mod response;
mod stream;

// The scripted-transport tests call operations of these groups (all are enabled by default).
#[cfg(all(
    test,
    feature = "actions",
    feature = "clients",
    feature = "roles",
    feature = "users"
))]
mod tests;

/// The client-credentials exchange (the `auth0-m2m-token` crate).
pub use auth0_m2m_token as token;

/// Token caches and the caching, refreshing token provider (the `auth0-m2m-cache` crate).
pub use auth0_m2m_cache as cache;

/// Management API endpoint descriptions and models (the `auth0-m2m-management` crate).
pub use auth0_m2m_management as management;

/// The `http` crate, whose types ([`Method`](http::Method), [`HeaderMap`](http::HeaderMap))
/// appear in this crate's API: use `auth0_m2m::http::Method` without adding the dependency.
pub use http;

#[cfg(feature = "actions")]
#[cfg_attr(docsrs, doc(cfg(feature = "actions")))]
pub use action_build::{DEFAULT_BUILD_WAIT, WaitUntilBuilt};
pub use auth0_m2m_token::{BoxFuture, ClientAuth, HttpClient, Quota, RateLimit, RetryPolicy};
pub use budget::{DEFAULT_BACKGROUND_SHARE, Plan, Priority, RateBudget, RateBudgetSnapshot};
pub use builder::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ManagementClientBuilder,
    TELEMETRY_HEADER,
};
pub use call::{Call, CallFuture};
pub use client::ManagementClient;
pub use error::{ApiError, ConfigError, ERROR_EXCERPT_CHARS, Error, ErrorKind};
pub use own_api::ApiClient;
pub use raw::RawRequest;
pub use response::{CallOptions, Response, ResponseMeta};
pub use stream::{
    DEFAULT_PAGE_SIZE, ItemStream, List, MAX_OFFSET_PAGES, PageStream, ResponseStream,
};

/// The README's usage example, compiled as a documentation test so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
