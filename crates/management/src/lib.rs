//! Auth0 Management API v2 endpoint descriptions and models, without I/O.
//!
//! Every operation is a value implementing [`Endpoint`]: it knows its HTTP method, its
//! percent-encoded path, its query, its body, the scopes it needs and the type its response
//! deserializes into. Any HTTP stack can execute it; the `auth0-m2m` crate does so with a
//! token that never seems to expire.
//!
//! ```
//! use auth0_m2m_management::{Endpoint, Paginated, PageRequest, Page};
//! use auth0_m2m_management::users::{ListUsers, UserResponseSchema};
//!
//! # fn main() -> Result<(), auth0_m2m_management::Error> {
//! let list = ListUsers::new()
//!     .q("email:\"jane@example.com\"")
//!     .with_page(PageRequest::offset(50)?)?;
//! assert_eq!(list.method(), http::Method::GET);
//! assert_eq!(list.path(), "/api/v2/users");
//! assert_eq!(
//!     list.query().to_query_string(),
//!     "q=email%3A%22jane%40example.com%22&search_engine=v3&page=0&per_page=50&include_totals=true"
//! );
//! assert_eq!(list.scopes(), ["read:users", "read:user_idp_tokens"]);
//!
//! // What the executor does with the response body:
//! let page: Page<UserResponseSchema> = list.parse_response(
//!     br#"{"start":0,"limit":50,"length":1,"total":1,
//!          "users":[{"user_id":"auth0|1","email":"jane@example.com","shiny_new_field":true}]}"#,
//! )?;
//! assert_eq!(page.items()[0].user_id.as_deref(), Some("auth0|1"));
//! assert_eq!(page.items()[0].extra["shiny_new_field"], true);
//! assert!(list.next_page_request(&page).is_none());
//! # Ok(())
//! # }
//! ```
//!
//! # Conventions
//!
//! - One module per operation group of Auth0's API description ([`clients`], [`users`],
//!   [`log_streams`]…, each behind the cargo feature of its name), holding its operations'
//!   endpoint types and the models only it uses; [`shared`] holds the models several groups
//!   use. [`operations`] is the index of every operation, its type and its facade call, with
//!   the naming rule.
//! - Models are `#[non_exhaustive]`; every field is an `Option` (an absent field or `null`
//!   reads as `None`); fields this crate does not name are kept in `extra` and serialized
//!   back. Enums keep unknown values in an `Unknown(String)` variant.
//! - Request bodies are built with `new(required…)` and one `with_…` method per optional field; only
//!   the fields that were set are sent. A property that may be `null` is a [`Nullable`] with a
//!   `clear_…` method beside its `with_…` one: left out, a value, or `null`, each sent as itself
//!   (a `None` enum variant is the string `"none"`, never `null`).
//! - Models read from answers have one getter per field, named after it (as aws-sdk-rust's
//!   models have): `Option<&T>`, `Option<&str>` for a string, `Option<T>` for a boolean or a
//!   number, and a slice for a list (empty when the list is absent; the field itself tells
//!   absent from empty). Nested optional fields read as a chain (see [Reading
//!   answers](#reading-answers)). String fields that identify a resource (`id`, `name`,
//!   `email`, `*_id`, `*_name`) have `&str` accessors instead, `""` when absent.
//! - Field docs carry, as a `Note:`, what Auth0's API description says of a field only in
//!   words: a scope of its own, fields it cannot be sent with, another field's value it needs.
//! - Secrets (client secrets, passwords, signing keys) are [`Secret`]s, whose `Debug` output is
//!   redacted.
//! - [`Endpoint::returning`] reads any response as another type, and [`RawEndpoint`] describes
//!   an operation this crate does not model. To model one in your own code, implement
//!   [`Endpoint`] for your type.
//! - [`catalogue()`] lists every modeled operation with its path template, for conformance
//!   checks against the published API description.
//!
//! # Reading answers
//!
//! Every field of a model is public and an `Option`; the getters save the
//! `field.as_ref().and_then(|x| x.inner.as_ref())` chains:
//!
//! ```
//! use auth0_m2m_management::clients::Client;
//! use auth0_m2m_management::shared::SigningAlgorithmEnum;
//! use auth0_m2m_management::users::UserResponseSchema;
//!
//! # fn main() -> Result<(), serde_json::Error> {
//! let client: Client = serde_json::from_str(
//!     r#"{"client_id": "AaiyAPdpYdesoKnqjj8HJqRn4T5titww",
//!         "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000},
//!         "callbacks": ["https://example.com/callback"]}"#,
//! )?;
//! let alg = client.jwt_configuration().and_then(|jwt| jwt.alg());
//! assert_eq!(alg, Some(&SigningAlgorithmEnum::Rs256));
//! let lifetime = client.jwt_configuration().and_then(|jwt| jwt.lifetime_in_seconds());
//! assert_eq!(lifetime, Some(36000));
//! assert_eq!(client.callbacks(), ["https://example.com/callback"]);
//! assert!(client.allowed_origins().is_empty()); // absent
//! assert_eq!(client.client_id(), "AaiyAPdpYdesoKnqjj8HJqRn4T5titww");
//!
//! let user: UserResponseSchema = serde_json::from_str(
//!     r#"{"user_id": "auth0|1", "app_metadata": {"plan": "pro"}}"#,
//! )?;
//! let plan = user.app_metadata().and_then(|m| m.get("plan")).and_then(|v| v.as_str());
//! assert_eq!(plan, Some("pro"));
//! assert_eq!(user.logins_count(), None);
//! # Ok(())
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

mod api_support;
pub mod catalogue;
pub mod endpoint;
pub mod error;
mod generated;
mod json;
mod nullable;
pub mod pagination;
pub mod path;
pub mod secret;
mod timestamp;

pub use generated::*;

pub use api_support::Unclassified;
pub use catalogue::{EndpointInfo, catalogue};
pub use endpoint::{
    Body, CUSTOM_DOMAIN_HEADER, Endpoint, NoContent, Part, QueryPairs, RawEndpoint, Returning,
};
pub use error::{ApiErrorBody, Error};
pub use nullable::Nullable;
pub use pagination::{
    CheckpointRequest, OffsetRequest, Page, PageRequest, PageSize, Paginated, PaginationStyle,
    PaginationSupport,
};
pub use secret::Secret;
pub use timestamp::Timestamp;
