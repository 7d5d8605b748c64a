//! Public-API tests: path encoding (including a round-trip property), custom endpoints,
//! pagination validation and model tolerance.

use auth0_m2m_management::path::{build, decode_segment, encode_segment};
use auth0_m2m_management::users::{GetUser, UserResponseSchema as User};
use auth0_m2m_management::{
    Body, Endpoint, Error, NoContent, Page, PageRequest, Paginated, QueryPairs, Secret,
};
use http::Method;
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::json;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn segment_encoding_round_trips(s in any::<String>()) {
        let encoded = encode_segment(&s);
        prop_assert!(!encoded.contains('/'));
        prop_assert!(!encoded.contains('|'));
        prop_assert!(!encoded.contains(' '));
        prop_assert!(!encoded.contains('?'));
        prop_assert!(encoded.is_ascii());
        prop_assert_eq!(decode_segment(&encoded), Some(s));
    }

    #[test]
    fn user_paths_keep_one_segment(id in "\\PC*") {
        let path = GetUser::new(id.clone()).path();
        let rest = path.strip_prefix("/api/v2/users/").expect("prefix");
        prop_assert!(!rest.contains('/'));
        prop_assert_eq!(decode_segment(rest), Some(id));
    }
}

#[test]
fn documented_encodings() {
    assert_eq!(
        GetUser::new("auth0|abc").path(),
        "/api/v2/users/auth0%7Cabc"
    );
    assert_eq!(build(&["users", "a/b c"]), "/api/v2/users/a%2Fb%20c");
}

/// An endpoint this crate does not model, defined the way a user would.
struct GetUserBlocks {
    id: String,
}

#[derive(Debug, Deserialize)]
struct UserBlocks {
    blocked_for: Vec<serde_json::Value>,
}

impl Endpoint for GetUserBlocks {
    type Response = UserBlocks;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        build(&["user-blocks", &self.id])
    }
    fn query(&self) -> QueryPairs {
        [("consider_brute_force_enablement", "true")]
            .into_iter()
            .collect()
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:users"]
    }
}

#[test]
fn custom_endpoint_works_like_a_builtin_one() {
    let ep = GetUserBlocks {
        id: "auth0|1".into(),
    };
    assert_eq!(ep.path(), "/api/v2/user-blocks/auth0%7C1");
    assert_eq!(
        ep.query().to_query_string(),
        "consider_brute_force_enablement=true"
    );
    assert!(ep.body().unwrap().is_none());
    let blocks = ep
        .parse_response(br#"{"blocked_for":[{"identifier":"x","ip":"1.2.3.4"}]}"#)
        .unwrap();
    assert_eq!(blocks.blocked_for.len(), 1);
    assert!(matches!(ep.parse_response(b"[]"), Err(Error::Response(_))));
    let raw = ep.returning::<serde_json::Value>();
    assert_eq!(raw.parse_response(b"{\"a\":1}").unwrap()["a"], 1);
    let ignored = GetUser::new("u").returning::<NoContent>();
    assert_eq!(ignored.parse_response(b"").unwrap(), NoContent);
}

#[test]
fn invalid_page_sizes_are_errors_not_panics() {
    for bad in [0, 101, 1000, u64::MAX] {
        assert!(matches!(
            PageRequest::offset(bad),
            Err(Error::InvalidPageSize { .. })
        ));
        assert!(matches!(
            PageRequest::checkpoint(bad),
            Err(Error::InvalidPageSize { .. })
        ));
    }
    assert!(
        auth0_m2m_management::users::ListUsers::new()
            .with_page(PageRequest::checkpoint(10).unwrap())
            .is_err()
    );
}

#[test]
fn pages_and_models_are_tolerant() {
    let page: Page<User> = serde_json::from_value(json!({
        "start": 0, "limit": 50, "length": 1, "total": 1,
        "users": [{"user_id": "auth0|1", "identities": null, "brand_new": {"x": [1]}}]
    }))
    .unwrap();
    let user = &page.items()[0];
    assert_eq!(user.identities, None);
    assert_eq!(user.extra["brand_new"]["x"][0], 1);
    let back = serde_json::to_value(&page).unwrap();
    assert_eq!(back["users"][0]["brand_new"], json!({"x": [1]}));
    assert_eq!(back["length"], 1);
}

#[test]
fn secrets_never_show_in_debug() {
    let body = auth0_m2m_management::clients::UpdateClientRequestContent::new()
        .with_client_secret(Secret::new("s3cr3t-value"));
    assert!(!format!("{body:?}").contains("s3cr3t-value"));
    let ep = auth0_m2m_management::clients::UpdateClient::new("c", body);
    assert!(!format!("{ep:?}").contains("s3cr3t-value"));
    let Some(Body::Json(json)) = ep.body().unwrap() else {
        panic!("expected JSON");
    };
    assert_eq!(json["client_secret"], "s3cr3t-value");
}

#[test]
fn secrets_in_connection_options_and_json_bodies_stay_out_of_debug() {
    use auth0_m2m_management::{Body, Endpoint, connections::GetConnection};
    let conn = GetConnection::new("con_1")
        .parse_response(
            br#"{"id":"con_1","strategy":"google-oauth2","options":{"client_id":"gid","client_secret":"g00gle-s3cret-value","upstream_params":{"password":"nested-p4ss"}}}"#,
        )
        .unwrap();
    let printed = format!("{conn:?} {conn:#?}");
    assert!(!printed.contains("g00gle-s3cret-value"), "{printed}");
    assert!(!printed.contains("nested-p4ss"), "{printed}");
    assert!(printed.contains("gid"), "{printed}");
    // The value is still there for the program, and written back unchanged.
    let options = conn.options.as_ref().unwrap();
    assert_eq!(options["client_secret"], "g00gle-s3cret-value");
    let back = serde_json::to_value(&conn).unwrap();
    assert_eq!(back["options"]["client_secret"], "g00gle-s3cret-value");

    let body =
        Body::json(&serde_json::json!({"email": "a@b.c", "password": "Passw0rd!-body"})).unwrap();
    let printed = format!("{body:?} {body:#?}");
    assert!(!printed.contains("Passw0rd!-body"), "{printed}");
    assert!(printed.contains("a@b.c"), "{printed}");
}

#[test]
fn empty_path_parameters_are_refused_before_any_request() {
    use auth0_m2m_management::{
        Endpoint, Error,
        users::{DeleteUser, GetUser},
    };
    for id in ["", " ", "\t"] {
        assert!(matches!(
            GetUser::new(id).checked_path(),
            Err(Error::EmptyPathParameter { .. })
        ));
        assert!(matches!(
            DeleteUser::new(id).checked_path(),
            Err(Error::EmptyPathParameter { .. })
        ));
    }
    assert_eq!(
        GetUser::new("auth0|1").checked_path().unwrap(),
        "/api/v2/users/auth0%7C1"
    );
}
