//! Defines a Management API endpoint that `auth0-m2m-management` does not model — the
//! user blocks of a user — by implementing the `Endpoint` trait, and prints its description
//! (method, path, query, scopes) as JSON.
//!
//! Run with `cargo run -p auth0-m2m-examples --example custom_endpoint`.

use auth0_m2m_management::path;
use auth0_m2m_management::{Endpoint, QueryPairs};
use http::Method;
use serde::Deserialize;

/// `GET /api/v2/user-blocks/{id}`: the brute-force blocks of a user.
struct GetUserBlocks {
    user_id: String,
}

/// The response: the identifiers and IPs the user is blocked for.
#[derive(Debug, Deserialize)]
struct UserBlocks {
    #[serde(default)]
    blocked_for: Vec<serde_json::Value>,
}

impl Endpoint for GetUserBlocks {
    type Response = UserBlocks;

    fn method(&self) -> Method {
        Method::GET
    }

    fn path(&self) -> String {
        // Segments are percent-encoded: `auth0|abc` becomes `auth0%7Cabc`.
        path::build(&["user-blocks", &self.user_id])
    }

    fn query(&self) -> QueryPairs {
        let mut query = QueryPairs::new();
        query.push("consider_brute_force_enablement", true);
        query
    }

    fn scopes(&self) -> &[&'static str] {
        &["read:users"]
    }
}

fn main() {
    let endpoint = GetUserBlocks {
        user_id: "auth0|5f7c8ec7c33c6c004bbafe82".to_owned(),
    };
    let description = serde_json::json!({
        "method": endpoint.method().as_str(),
        "path": endpoint.path(),
        "query": endpoint
            .query()
            .pairs()
            .iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect::<Vec<_>>(),
        "scopes": endpoint.scopes(),
    });
    match serde_json::to_string_pretty(&description) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("could not print the description: {e}"),
    }
    match endpoint.parse_response(br#"{"blocked_for":[]}"#) {
        Ok(blocks) => println!("blocked for {} identifiers", blocks.blocked_for.len()),
        Err(e) => eprintln!("{e}"),
    }
}
