//! `token`, `api`, `ops` and `completions`, run as a user would, against the fake tenant.

mod common;

use std::collections::HashSet;
use std::process::Command;

use common::{Fake, Home, run, run_ok, stderr};
use serde_json::Value;

#[test]
fn two_token_calls_make_one_token_request() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let first = run_ok(home.cli(Some(&fake)).arg("token"));
    let second = run_ok(home.cli(Some(&fake)).arg("token"));
    assert_eq!(first, second);
    assert_eq!(first.trim().split('.').count(), 3, "a JWT alone on stdout");
    assert!(first.ends_with('\n') && !first.trim().contains(char::is_whitespace));
    assert_eq!(fake.token_requests(), 1);

    // The cache file is private.
    let dir = home.path().join("cache").join("auth0-m2m");
    let records: Vec<_> = std::fs::read_dir(&dir)
        .expect("default cache directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&records[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let json: Value =
        serde_json::from_str(&run_ok(home.cli(Some(&fake)).args(["token", "--json"]))).unwrap();
    assert_eq!(json["access_token"].as_str(), Some(first.trim()));
    assert_eq!(json["token_type"], "Bearer");
    let expires_in = json["expires_in"].as_u64().expect("expires_in");
    assert!(expires_in > 0 && expires_in <= 86_400, "{expires_in}");
    assert!(json["scope"].as_str().unwrap().contains("read:clients"));

    let info = run_ok(home.cli(Some(&fake)).args(["token", "--info"]));
    assert!(
        !info.contains(first.trim()),
        "--info must not print the token"
    );
    assert!(info.contains("fingerprint  sha256:"), "{info}");
    assert!(info.contains("read:clients"), "{info}");
    assert!(info.contains("file cache"), "{info}");
    assert_eq!(fake.token_requests(), 1);
}

#[test]
fn curl_with_the_token_lists_the_clients() {
    let fake = Fake::start(&["--seed-clients", "3"]);
    let home = Home::new();
    let script = format!(
        "'{}' token --curl-config | curl -sS --fail -K - --cacert '{}' {}/api/v2/clients",
        common::cli_bin().display(),
        fake.ca_cert,
        fake.base_url
    );
    // The same environment as the command, run through bash.
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(&script);
    for (k, v) in home.cli(Some(&fake)).get_envs() {
        match v {
            Some(v) => bash.env(k, v),
            None => bash.env_remove(k),
        };
    }
    let clients: Value = serde_json::from_str(&run_ok(&mut bash)).expect("a JSON answer");
    assert_eq!(clients.as_array().map(Vec::len), Some(5));
}

#[test]
fn paginate_returns_every_client() {
    let fake = Fake::start(&["--seed-clients", "130"]);
    let home = Home::new();
    let total: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "get",
        "clients",
        "-q",
        "include_totals=true",
        "-q",
        "per_page=1",
    ])))
    .unwrap();
    let total = total["total"].as_u64().expect("total") as usize;
    assert_eq!(total, 132);

    let all: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "get",
        "/api/v2/clients",
        "--paginate",
    ])))
    .unwrap();
    let all = all.as_array().expect("one JSON array");
    assert_eq!(all.len(), total);
    let ids: HashSet<&str> = all
        .iter()
        .map(|c| c["client_id"].as_str().expect("client_id"))
        .collect();
    assert_eq!(ids.len(), total, "no client twice");

    // One item per line, small pages.
    let lines = run_ok(home.cli(Some(&fake)).args([
        "api",
        "get",
        "clients",
        "--paginate",
        "--ndjson",
        "-q",
        "per_page=7",
        "-q",
        "fields=client_id",
    ]));
    let ndjson: HashSet<String> = lines
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("one JSON item per line");
            v["client_id"].as_str().expect("client_id").to_owned()
        })
        .collect();
    assert_eq!(lines.lines().count(), total);
    assert_eq!(ndjson.len(), total);
}

#[test]
fn paginate_follows_offset_pages_of_users() {
    let fake = Fake::start(&["--seed-users", "45"]);
    let home = Home::new();
    let users: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "get",
        "users",
        "--paginate",
        "-q",
        "per_page=10",
    ])))
    .unwrap();
    assert_eq!(users.as_array().map(Vec::len), Some(45));
}

#[test]
fn the_curl_command_gives_the_same_answer() {
    let fake = Fake::start(&["--seed-clients", "5"]);
    let home = Home::new();
    let args = ["api", "get", "clients", "-q", "fields=client_id,name"];
    let direct: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args(args))).unwrap();
    let command = run_ok(home.cli(Some(&fake)).args(args).arg("--curl"));
    assert!(
        command.starts_with("auth0-m2m token --curl-config | curl -sS -K - "),
        "{command}"
    );
    let token = run_ok(home.cli(Some(&fake)).arg("token"));
    assert!(!command.contains(token.trim()));

    let bin_dir = common::cli_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(command.trim());
    for (k, v) in home.cli(Some(&fake)).get_envs() {
        match v {
            Some(v) => bash.env(k, v),
            None => bash.env_remove(k),
        };
    }
    bash.env("PATH", path);
    let via_curl: Value = serde_json::from_str(&run_ok(&mut bash)).expect("curl answers JSON");
    assert_eq!(via_curl, direct);
    assert_eq!(direct.as_array().map(Vec::len), Some(7));
}

#[test]
fn bodies_and_deletes() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let role: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "post",
        "roles",
        "-d",
        r#"{"name": "readers", "description": "read only"}"#,
    ])))
    .unwrap();
    let id = role["id"].as_str().expect("role id").to_owned();

    let body = home.path().join("update.json");
    std::fs::write(&body, r#"{"description": "from a file"}"#).unwrap();
    let updated: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "patch",
        &format!("roles/{id}"),
        "-d",
        &format!("@{}", body.display()),
    ])))
    .unwrap();
    assert_eq!(updated["description"], "from a file");

    let mut stdin_body = home.cli(Some(&fake));
    stdin_body
        .args(["api", "patch", &format!("/api/v2/roles/{id}"), "-d", "@-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = stdin_body.spawn().unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(br#"{"description": "from stdin"}"#)
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let updated: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(updated["description"], "from stdin");

    // Not on a terminal: DELETE needs --yes, and nothing is sent without it.
    let out = run(home
        .cli(Some(&fake))
        .args(["api", "delete", &format!("roles/{id}")]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    run_ok(
        home.cli(Some(&fake))
            .args(["api", "get", &format!("roles/{id}")]),
    );
    run_ok(
        home.cli(Some(&fake))
            .args(["api", "delete", &format!("roles/{id}"), "--yes"]),
    );
    let out = run(home
        .cli(Some(&fake))
        .args(["api", "get", &format!("roles/{id}")]));
    assert_eq!(out.status.code(), Some(1), "an API error exits with 1");
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    // The error body on stdout, for scripts.
    let body: Value = serde_json::from_slice(&out.stdout).expect("the error body on stdout");
    assert_eq!(body["statusCode"], 404, "{body}");
}

#[test]
fn include_prints_the_status_and_headers_to_stderr() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let out = run(home.cli(Some(&fake)).args([
        "api",
        "get",
        "clients",
        "-i",
        "-H",
        "x-correlation-id: cli-test",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.starts_with("HTTP 200\n"), "{err}");
    assert!(err.contains("x-ratelimit-remaining: "), "{err}");
    assert!(err.contains("content-type: application/json"), "{err}");
    let clients: Value = serde_json::from_slice(&out.stdout).expect("the body alone on stdout");
    assert!(clients.is_array());

    // An error answer's headers too.
    let out = run(home
        .cli(Some(&fake))
        .args(["api", "get", "clients/nope", "-i"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("HTTP 404\n"), "{}", stderr(&out));
}

#[test]
fn insufficient_scope_names_the_scope() {
    let fake = Fake::start(&[
        "--client",
        "narrow-client:narrow-secret-0123456789:read:users",
    ]);
    let home = Home::new();
    let out = run(home
        .cli(None)
        .env("AUTH0_DOMAIN", &fake.domain)
        .env("AUTH0_CLIENT_ID", "narrow-client")
        .env("AUTH0_CLIENT_SECRET", "narrow-secret-0123456789")
        .env("AUTH0_CA_CERT", &fake.ca_cert)
        .args(["api", "get", "clients"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("needs one of the scopes read:clients "),
        "{err}"
    );
    let body: Value = serde_json::from_slice(&out.stdout).expect("the error body on stdout");
    assert_eq!(body["errorCode"], "insufficient_scope", "{body}");
    assert!(!err.contains("narrow-secret-0123456789"), "{err}");
}

#[test]
fn bad_inputs_are_usage_errors() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let config_dir = home.path().join("config").join("auth0-m2m");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        "[profiles.other]\ndomain = \"other.example.com\"\n",
    )
    .unwrap();
    let cases: [(&[&str], &str); 13] = [
        (
            &["api", "post", "roles", "-d", "{\"name\": "],
            "malformed -d JSON",
        ),
        (&["api", "fetch", "clients"], "unknown method"),
        (&["api", "get", "clients/../../oauth/token"], "`..`"),
        (&["api", "get", "clients", "-q", "novalue"], "KEY=VALUE"),
        (
            &["api", "get", "clients", "-H", "authorization: Bearer x"],
            "authorization",
        ),
        (&["--profile", "nope", "token"], "no profile \"nope\" in"),
        (&["api", "get", "//evil.com/x"], "invalid path"),
        (
            &["api", "get", "https://evil.com/api/v2/clients"],
            "invalid path",
        ),
        (
            &["api", "get", "clients", "-H", "x-a: b\r\nhost: evil.com"],
            "not a valid header value",
        ),
        (
            &["api", "get", "clients", "-H", "proxy-authorization: x"],
            "proxy-authorization",
        ),
        (&["api", "get", "clients", "-d", "{}"], "GET sends no body"),
        (
            &["api", "get", "clients/abc", "--paginate"],
            "has no pagination",
        ),
        (
            &["--cache", "redis://:pw-in-argv@127.0.0.1:6379", "token"],
            "AUTH0_CACHE",
        ),
    ];
    for (args, needle) in cases {
        let out = run(home.cli(Some(&fake)).args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(fake.stats()["api_requests"], 0, "nothing was sent");

    // No tenant configured: the message names the variables.
    let out = run(home.cli(None).arg("token"));
    assert_eq!(out.status.code(), Some(2));
    for name in [
        "AUTH0_DOMAIN",
        "AUTH0_CLIENT_ID",
        "AUTH0_CLIENT_SECRET",
        "--demo",
    ] {
        assert!(stderr(&out).contains(name), "{}", stderr(&out));
    }
    // A secret on the command line is refused.
    let out = run(home
        .cli(None)
        .args(["--domain", "x.example", "--client-secret", "s3", "token"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not accepted on the command line"));
    // Unknown flags are usage errors too.
    assert_eq!(
        run(home.cli(None).args(["token", "--nope"])).status.code(),
        Some(2)
    );
}

#[test]
fn secret_files_and_profiles() {
    use std::os::unix::fs::PermissionsExt;
    let fake = Fake::start(&[]);
    let home = Home::new();
    let secret = home.path().join("secret");
    std::fs::write(&secret, format!("{}\n", fake.client_secret)).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let with_secret_file = || {
        let mut cmd = home.cli(Some(&fake));
        cmd.env_remove("AUTH0_CLIENT_SECRET")
            .args(["--client-secret-file"])
            .arg(&secret)
            .arg("token");
        cmd
    };
    // Readable by others: refused, as ssh refuses such a key.
    let out = run(&mut with_secret_file());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("mode 0644"), "{}", stderr(&out));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(fake.token_requests(), 0);
    // The documented override accepts it with a warning.
    let out = run(with_secret_file().env("AUTH0_ALLOW_EXPOSED_SECRET_FILES", "1"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    // Another owner: refused even with mode 0600.
    if std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    {
        let theirs = home.path().join("theirs");
        std::fs::write(&theirs, &fake.client_secret).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&theirs, Some(4242), None).unwrap();
        let out = run(home
            .cli(Some(&fake))
            .env_remove("AUTH0_CLIENT_SECRET")
            .args(["--client-secret-file"])
            .arg(&theirs)
            .arg("token"));
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("another user"), "{}", stderr(&out));
    }

    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config_dir = home.path().join("config").join("auth0-m2m");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[profiles.local]\ndomain = \"{}\"\nclient_id = \"{}\"\nclient_secret_file = \"{}\"\n\
             ca_cert = \"{}\"\ncache = \"memory\"\n",
            fake.domain,
            fake.client_id,
            secret.display(),
            fake.ca_cert
        ),
    )
    .unwrap();
    let out = run(home
        .cli(None)
        .args(["--profile", "local", "token", "--info"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let info = String::from_utf8_lossy(&out.stdout);
    assert!(
        info.contains("token endpoint"),
        "memory cache: a new token: {info}"
    );
    let command =
        run_ok(
            home.cli(None)
                .args(["--profile", "local", "api", "get", "clients", "--curl"]),
        );
    assert!(
        command.starts_with("auth0-m2m --profile local token --curl-config | curl "),
        "{command}"
    );
}

#[test]
fn demo_runs_against_an_in_process_tenant() {
    let home = Home::new();
    let out = run(home.cli(None).args(["--demo", "api", "get", "clients"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fake Auth0 tenant"),
        "{}",
        stderr(&out)
    );
    let clients: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(clients.as_array().is_some_and(|a| !a.is_empty()));
    let out = run(home
        .cli(None)
        .args(["--demo", "api", "get", "clients", "--curl"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ops_and_completions() {
    let home = Home::new();
    let table = run_ok(home.cli(None).arg("ops"));
    let first = table.lines().next().unwrap();
    assert!(
        first.starts_with("METHOD") && first.contains("SCOPES"),
        "{first}"
    );
    assert!(table.lines().any(|l| l.starts_with("GET")
        && l.contains("/api/v2/clients ")
        && l.contains("read:clients")
        && l.contains("offset,checkpoint")));
    let users = run_ok(home.cli(None).args(["ops", "users", "--json"]));
    assert!(users.lines().count() >= 5);
    for line in users.lines() {
        let op: Value = serde_json::from_str(line).unwrap();
        assert!(
            op["scopes"].as_array().is_some_and(|s| !s.is_empty()),
            "{op}"
        );
    }
    let out = run(home.cli(None).args(["ops", "no-such-thing"]));
    assert_eq!(out.status.code(), Some(2));

    for shell in ["bash", "zsh", "fish"] {
        let script = run_ok(home.cli(None).args(["completions", shell]));
        assert!(script.contains("auth0-m2m"), "{shell}");
        assert!(script.contains("paginate"), "{shell}");
    }
    assert_eq!(
        run(home.cli(None).args(["completions", "tcsh"]))
            .status
            .code(),
        Some(2)
    );

    let help = run_ok(home.cli(None).arg("--help"));
    for name in ["AUTH0_DOMAIN", "AUTH0_CACHE", "EXIT STATUS", "--profile"] {
        assert!(help.contains(name), "{name} missing from --help");
    }
}

/// Runs `command` (a shell command line) under `script`, which gives it a terminal.
fn on_a_terminal(home: &Home, fake: &Fake, command: &str, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut cmd = Command::new("script");
    cmd.args(["-qec", command, "/dev/null"]);
    for (k, v) in home.cli(Some(fake)).get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn on_a_terminal_progress_is_shown_and_deletes_are_confirmed() {
    let fake = Fake::start(&["--seed-clients", "30", "--rate-limit", "1000"]);
    let home = Home::new();
    let bin = common::cli_bin().display().to_string();
    // Progress on the terminal (stderr), the JSON to the file.
    let items = home.path().join("items.json");
    let out = on_a_terminal(
        &home,
        &fake,
        &format!(
            "'{bin}' api get clients --paginate -q per_page=10 > '{}'",
            items.display()
        ),
        "",
    );
    assert!(out.status.success());
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("32 items, 4 pages"), "{screen:?}");
    assert!(screen.contains("rate limit remaining"), "{screen:?}");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(&items).unwrap()).unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(32));
    // Items on the terminal too: no progress line glued to them.
    let out = on_a_terminal(
        &home,
        &fake,
        &format!("'{bin}' api get clients --paginate --ndjson -q per_page=10"),
        "",
    );
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen:?}");
    assert!(!screen.contains("items,"), "{screen:?}");
    for line in screen.lines().filter(|l| !l.trim().is_empty()) {
        serde_json::from_str::<Value>(line.trim()).expect("one clean JSON item per line");
    }
    // A dumb terminal gets no progress line.
    let out = on_a_terminal(
        &home,
        &fake,
        &format!(
            "TERM=dumb '{bin}' api get clients --paginate -q per_page=10 > '{}'",
            items.display()
        ),
        "",
    );
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen:?}");
    assert!(!screen.contains("items,"), "{screen:?}");

    let role: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "post",
        "roles",
        "-d",
        r#"{"name": "temp"}"#,
    ])))
    .unwrap();
    let path = format!("roles/{}", role["id"].as_str().unwrap());
    // On a terminal the JSON is indented; in a pipe it is compact.
    let out = on_a_terminal(&home, &fake, &format!("'{bin}' api get '{path}'"), "");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("{\r\n  \u{1b}[34;1m\""), "{screen:?}");
    let piped = run_ok(home.cli(Some(&fake)).args(["api", "get", &path]));
    assert_eq!(piped.lines().count(), 1, "{piped}");
    let delete = format!("'{bin}' api delete '{path}'");
    let out = on_a_terminal(&home, &fake, &delete, "n\n");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("[y/N]"), "{screen:?}");
    assert!(
        screen.contains(&format!("to tenant {}?", fake.domain)),
        "the question names the tenant: {screen:?}"
    );
    assert!(screen.contains("nothing was sent"), "{screen:?}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "declining is not an API failure"
    );
    run_ok(home.cli(Some(&fake)).args(["api", "get", &path]));

    let out = on_a_terminal(&home, &fake, &delete, "y\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let gone = run(home.cli(Some(&fake)).args(["api", "get", &path]));
    assert_eq!(gone.status.code(), Some(1));
}

#[test]
fn a_refused_secret_is_a_token_error_that_does_not_show_it() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let secret = "not-the-secret-0123456789abcdef";
    let out = run(home
        .cli(Some(&fake))
        .env("AUTH0_CLIENT_SECRET", secret)
        .arg("token"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("access token"), "{err}");
    assert!(!err.contains(secret), "{err}");
}

/// Shell command lines: lines that end in `|` or `\` are joined to the next.
fn join_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut commands = Vec::new();
    let mut pending = String::new();
    for line in lines {
        pending.push_str(line.trim());
        if let Some(stripped) = pending.strip_suffix('\\') {
            pending = format!("{} ", stripped.trim_end());
        } else if pending.ends_with('|') {
            pending.push(' ');
        } else {
            commands.push(std::mem::take(&mut pending));
        }
    }
    commands
}

/// The example commands of a help text: the lines of its EXAMPLES blocks.
fn examples(text: &str) -> Vec<String> {
    let mut in_examples = false;
    join_lines(text.lines().filter(|line| {
        if line.trim_end() == "EXAMPLES:" {
            in_examples = true;
            return false;
        }
        if line.trim().is_empty() {
            in_examples = false;
        }
        in_examples && !line.trim().is_empty()
    }))
}

/// The shell commands of the README's command-line section, comments removed.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let start = readme.find("### Command line").expect("the section");
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut in_block = false;
    join_lines(
        section
            .lines()
            .filter(|line| {
                if line.starts_with("```") {
                    in_block = !in_block;
                    return false;
                }
                in_block && !line.trim().is_empty() && !line.starts_with('#')
            })
            .map(|line| line.split("  #").next().unwrap_or(line).trim_end()),
    )
}

/// Every command the CLI prints (`--curl`) or documents (the help texts and the README) that
/// runs curl is run under a fake `curl` that records its arguments and standard input: no
/// token, agent key or password is ever among the arguments, and the secret reaches curl on
/// its standard input.
#[test]
fn no_printed_command_puts_a_secret_in_argv() {
    use std::os::unix::fs::PermissionsExt;
    let fake = Fake::start(&["--seed-clients", "2"]);
    let home = Home::new();
    let token = run_ok(home.cli(Some(&fake)).arg("token")).trim().to_owned();
    let key = "0123456789abcdef".repeat(4);
    let key_dir = home.path().join("run").join("auth0-m2m");
    std::fs::create_dir_all(&key_dir).unwrap();
    std::fs::set_permissions(&key_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(key_dir.join("agent.key"), &key).unwrap();
    let password = "pw-Secret-0123456789";

    let records = home.path().join("records");
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&records).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        bin.join("curl"),
        "#!/bin/sh\nd=$(mktemp -d \"$RECORDS/call.XXXXXX\")\nprintf '%s\\n' \"$0\" \"$@\" > \"$d/argv\"\ncat > \"$d/stdin\"\necho '[]'\n",
    )
    .unwrap();
    std::fs::set_permissions(bin.join("curl"), std::fs::Permissions::from_mode(0o755)).unwrap();

    let body_file = home.path().join("user.json");
    std::fs::write(
        &body_file,
        format!(r#"{{"connection": "db", "email": "a@example.com", "password": "{password}"}}"#),
    )
    .unwrap();
    let mut commands: Vec<String> = Vec::new();
    for args in [
        vec!["api", "get", "clients", "-q", "fields=client_id"],
        vec![
            "api",
            "post",
            "users",
            "-d",
            &format!(r#"{{"connection": "db", "password": "{password}"}}"#),
        ],
        vec!["api", "patch", "users/auth0|1", "-d"],
    ] {
        let mut cmd = home.cli(Some(&fake));
        cmd.args(&args);
        if args.last() == Some(&"-d") {
            cmd.arg(format!("@{}", body_file.display()));
        }
        commands.push(run_ok(cmd.arg("--curl")).trim().to_owned());
    }
    let mut documented = Vec::new();
    for help in [
        vec!["--help"],
        vec!["token", "--help"],
        vec!["api", "--help"],
        vec!["serve", "--help"],
    ] {
        let text = run_ok(home.cli(None).args(&help));
        assert!(!text.contains("$(auth0-m2m"), "{help:?}");
        assert!(!text.contains("$(cat"), "{help:?}");
        documented.extend(examples(&text));
    }
    documented.extend(readme_commands());
    let documented: Vec<String> = documented
        .into_iter()
        .filter(|c| c.split_whitespace().any(|w| w == "curl" || w == "sh"))
        .collect();
    assert!(
        documented.len() >= 6,
        "the help texts and the README show curl: {documented:#?}"
    );
    commands.extend(documented);

    let path = format!(
        "{}:{}:{}",
        bin.display(),
        common::cli_bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for command in &commands {
        assert!(!command.contains("$(auth0-m2m"), "{command}");
        assert!(!command.contains("$(cat"), "{command}");
        let before = std::fs::read_dir(&records).unwrap().count();
        let mut bash = Command::new("bash");
        bash.arg("-c").arg(command).current_dir(home.path());
        for (k, v) in home.cli(Some(&fake)).get_envs() {
            match v {
                Some(v) => bash.env(k, v),
                None => bash.env_remove(k),
            };
        }
        bash.env("PATH", &path).env("RECORDS", &records);
        let out = run(&mut bash);
        assert!(out.status.success(), "{command}: {}", stderr(&out));
        let calls: Vec<_> = std::fs::read_dir(&records)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(calls.len() > before, "{command} ran no curl");
        for call in &calls {
            let argv = std::fs::read_to_string(call.join("argv")).unwrap();
            for secret in [token.as_str(), key.as_str(), password] {
                assert!(
                    !argv.contains(secret),
                    "{command}: a secret in argv:\n{argv}"
                );
            }
            let stdin = std::fs::read_to_string(call.join("stdin")).unwrap();
            assert!(
                stdin.contains(&format!("Bearer {token}\"")) || stdin.contains(&key),
                "{command}: the secret reaches curl on stdin: {stdin}"
            );
            std::fs::remove_dir_all(call).unwrap();
        }
    }
    // The body with the password went through standard input too.
    assert!(commands.iter().any(|c| c.contains("data-raw = ")));

    // The printed command with a body works with the real curl.
    let printed = run_ok(home.cli(Some(&fake)).args([
        "api",
        "post",
        "roles",
        "-d",
        r#"{"name": "via \"curl\""}"#,
        "--curl",
    ]));
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(printed.trim());
    for (k, v) in home.cli(Some(&fake)).get_envs() {
        match v {
            Some(v) => bash.env(k, v),
            None => bash.env_remove(k),
        };
    }
    bash.env(
        "PATH",
        format!(
            "{}:{}",
            common::cli_bin().parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    let role: Value = serde_json::from_str(&run_ok(&mut bash)).expect("curl answers JSON");
    assert_eq!(role["name"], "via \"curl\"", "{role}");
}

/// `--limit` stops early; at the user search's 1,000-result cap the items fetched before the
/// failing page are printed as valid JSON and the error says how to get past the cap.
#[test]
fn paginate_limits_streams_and_explains_the_user_search_cap() {
    let fake = Fake::start(&["--seed-users", "1050"]);
    let home = Home::new();
    let five: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "get",
        "users",
        "--paginate",
        "--limit",
        "5",
        "-q",
        "per_page=2",
    ])))
    .unwrap();
    assert_eq!(five.as_array().map(Vec::len), Some(5));
    assert_eq!(fake.stats()["api_requests"], 3, "no page beyond the limit");

    // Pages of 30: the 34th page would reach past result 1,000 and Auth0 refuses it.
    let out =
        run(home
            .cli(Some(&fake))
            .args(["api", "get", "users", "--paginate", "-q", "per_page=30"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let fetched: Value = serde_json::from_slice(&out.stdout).expect("valid JSON despite the error");
    assert_eq!(fetched.as_array().map(Vec::len), Some(990));
    let err = stderr(&out);
    assert!(err.contains("first 1,000 results"), "{err}");
    assert!(err.contains("users-exports"), "{err}");

    // Pages of 100 end exactly at the cap: success, and a note that more may exist.
    let out = run(home
        .cli(Some(&fake))
        .args(["api", "get", "users", "--paginate", "--ndjson"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1000);
    assert!(
        stderr(&out).contains("stops at 1000 results"),
        "{}",
        stderr(&out)
    );
}

/// What shell users reach for: --jq, -f/-F fields, --input, --silent, --verbose, colours.
#[test]
fn jq_fields_input_silent_verbose_and_colours() {
    let fake = Fake::start(&["--seed-clients", "3"]);
    let home = Home::new();
    let token = run_ok(home.cli(Some(&fake)).arg("token")).trim().to_owned();

    // --jq, in-process: strings as text, anything else as JSON.
    let names = run_ok(
        home.cli(Some(&fake))
            .args(["api", "get", "clients", "--jq", ".[].name"]),
    );
    assert_eq!(names.lines().count(), 5, "{names}");
    assert!(names.lines().all(|l| !l.starts_with('"')), "{names}");
    let count = run_ok(
        home.cli(Some(&fake))
            .args(["api", "get", "clients", "--jq", "length"]),
    );
    assert_eq!(count.trim(), "5");
    let ids = run_ok(home.cli(Some(&fake)).args([
        "api",
        "get",
        "clients",
        "--paginate",
        "-q",
        "per_page=2",
        "--jq",
        "{id: .client_id}",
    ]));
    assert_eq!(ids.lines().count(), 5, "applied to each item: {ids}");
    for line in ids.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].is_string(), "{v}");
    }
    let out = run(home
        .cli(Some(&fake))
        .args(["api", "get", "clients", "--jq", ".[] |"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--jq"), "{}", stderr(&out));

    // -f and -F build the body; @FILE reads a value; --verbose shows it, never the token.
    let description = home.path().join("description.txt");
    std::fs::write(&description, "from a file").unwrap();
    let out = run(home.cli(Some(&fake)).args([
        "api",
        "post",
        "roles",
        "-f",
        "name=from-fields",
        "-F",
        &format!("description=@{}", description.display()),
        "--verbose",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let role: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(role["name"], "from-fields");
    assert_eq!(role["description"], "from a file");
    let err = stderr(&out);
    assert!(err.contains("> POST https://"), "{err}");
    assert!(err.contains("> authorization: Bearer <redacted>"), "{err}");
    assert!(
        err.contains(r#"> {"description":"from a file","name":"from-fields"}"#),
        "{err}"
    );
    assert!(err.contains("< HTTP 20"), "{err}");
    assert!(!err.contains(&token), "the token is redacted");

    // With GET, fields are query parameters.
    let page: Value = serde_json::from_str(&run_ok(home.cli(Some(&fake)).args([
        "api",
        "get",
        "clients",
        "-F",
        "per_page=2",
        "-F",
        "include_totals=true",
    ])))
    .unwrap();
    assert_eq!(page["clients"].as_array().map(Vec::len), Some(2), "{page}");

    // --input FILE, and --silent.
    let body = home.path().join("role.json");
    std::fs::write(&body, r#"{"name": "from-input"}"#).unwrap();
    let out = run(home.cli(Some(&fake)).args([
        "api",
        "post",
        "roles",
        "--input",
        body.to_str().unwrap(),
        "--silent",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "--silent prints no body");
    let roles = run_ok(
        home.cli(Some(&fake))
            .args(["api", "get", "roles", "--jq", ".[].name"]),
    );
    assert!(roles.lines().any(|l| l == "from-input"), "{roles}");

    // Colours on a terminal, none with NO_COLOR or in a pipe.
    let bin = common::cli_bin().display().to_string();
    let out = on_a_terminal(&home, &fake, &format!("'{bin}' api get roles"), "");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("\u{1b}[34;1m\"name\""), "{screen:?}");
    let out = on_a_terminal(
        &home,
        &fake,
        &format!("NO_COLOR=1 '{bin}' api get roles"),
        "",
    );
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(!screen.contains('\u{1b}'), "{screen:?}");
    assert!(screen.contains("\"name\""), "{screen:?}");
    let piped = run_ok(home.cli(Some(&fake)).args(["api", "get", "roles"]));
    assert!(!piped.contains('\u{1b}'));
}
