//! The fake tenant's default client holds every scope a served operation accepts: `--demo` and
//! the `auth0-m2m-fake` binary answer the whole Management API, not only its central resources.

mod common;

use common::{Fake, Home, run, run_ok, stderr};
use serde_json::Value;

/// Runs `auth0-m2m --demo api get PATH -i` and returns its status line and body.
fn demo_get(home: &Home, path: &str) -> (String, Value) {
    let out = run(home.cli(None).args(["--demo", "api", "get", path, "-i"]));
    let err = stderr(&out);
    assert!(out.status.success(), "{path}: {err}");
    let status = err
        .lines()
        .find(|l| l.starts_with("HTTP "))
        .unwrap_or_default()
        .to_owned();
    let body = serde_json::from_slice(&out.stdout).expect("a JSON body on stdout");
    (status, body)
}

#[test]
fn demo_answers_actions_and_log_streams() {
    let home = Home::new();
    let (status, actions) = demo_get(&home, "actions/actions");
    assert_eq!(status, "HTTP 200");
    // A new tenant has no action and no log stream: both read as empty lists.
    assert!(actions["actions"].is_array(), "{actions}");
    let (status, streams) = demo_get(&home, "log-streams");
    assert_eq!(status, "HTTP 200");
    assert!(streams.is_array(), "{streams}");
}

#[test]
fn the_binary_default_client_and_a_client_without_scopes_hold_every_scope() {
    let fake = Fake::start(&["--client", "wide:wide-secret-0123456789"]);
    let home = Home::new();
    let out = run(home
        .cli(None)
        .env("AUTH0_DOMAIN", &fake.domain)
        .env("AUTH0_CLIENT_ID", "wide")
        .env("AUTH0_CLIENT_SECRET", "wide-secret-0123456789")
        .env("AUTH0_CA_CERT", &fake.ca_cert)
        .args(["api", "get", "log-streams"]));
    assert!(out.status.success(), "{}", stderr(&out));

    let fake = Fake::start(&[]);
    let json: Value =
        serde_json::from_str(&run_ok(home.cli(Some(&fake)).args(["token", "--json"])))
            .expect("token JSON");
    let scopes: Vec<&str> = json["scope"].as_str().expect("scope").split(' ').collect();
    for scope in [
        "read:actions",
        "create:log_streams",
        "read:users",
        "read:stats",
    ] {
        assert!(scopes.contains(&scope), "{scope} in {scopes:?}");
    }
    // The token of every scope is large (about 8 KB); it is kept in the file cache and sent as
    // a header all the same.
    let token = json["access_token"].as_str().expect("access_token");
    assert!(token.len() > 4 * 1024, "{} bytes", token.len());
    let again = run_ok(home.cli(Some(&fake)).arg("token"));
    assert_eq!(again.trim(), token, "read back from the file cache");
    run_ok(
        home.cli(Some(&fake))
            .args(["api", "get", "actions/actions"]),
    );
    assert_eq!(fake.token_requests(), 1);
}
