//! `auth0-m2m serve`, the token agent, run as a process against the fake tenant binary.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{Fake, Home, run, stderr, unix_get};
use serde_json::Value;

/// A running agent; stopped with SIGKILL on drop if the test did not stop it.
struct Agent {
    child: Option<Child>,
    socket: PathBuf,
    key_file: PathBuf,
}

impl Agent {
    /// Starts `auth0-m2m serve` with `args` and a memory cache, and waits for its ready line.
    fn start(home: &Home, fake: &Fake, args: &[&str]) -> Agent {
        Agent::start_with_cache(home, fake, "memory", args)
    }

    /// Starts `auth0-m2m --cache CACHE serve` with `args` and waits for its ready line.
    fn start_with_cache(home: &Home, fake: &Fake, cache: &str, args: &[&str]) -> Agent {
        let mut child = home
            .cli(Some(fake))
            .args(["--cache", cache, "serve"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the agent starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("ready line");
        let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");
        Agent {
            child: Some(child),
            socket: PathBuf::from(ready["socket"].as_str().expect("socket")),
            key_file: PathBuf::from(ready["key_file"].as_str().expect("key_file")),
        }
    }

    fn key(&self) -> String {
        std::fs::read_to_string(&self.key_file).expect("key file")
    }

    /// Sends SIGTERM and returns the exit status.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        child.wait().expect("the agent exits")
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn twenty_concurrent_callers_make_one_token_request() {
    let fake = Fake::start(&["--quota", "100"]);
    let home = Home::new();
    let mut agent = Agent::start(&home, &fake, &[]);
    // The default places: the user's runtime directory.
    assert_eq!(agent.socket, home.path().join("run/auth0-m2m/agent.sock"));
    assert_eq!(agent.key_file, home.path().join("run/auth0-m2m/agent.key"));
    assert_eq!(mode(&agent.socket), 0o600);
    assert_eq!(mode(&agent.key_file), 0o600);
    let key = agent.key();
    assert_eq!(key.len(), 64);

    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| s.spawn(|| unix_get(&agent.socket, "/token", Some(&key))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("caller"))
            .collect()
    });
    let mut tokens = std::collections::HashSet::new();
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let v: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(v["token_type"], "Bearer");
        assert!(v["expires_in"].as_u64().is_some_and(|s| s > 0));
        assert!(
            v["scope"]
                .as_str()
                .is_some_and(|s| s.contains("read:clients"))
        );
        tokens.insert(v["access_token"].as_str().expect("access_token").to_owned());
    }
    assert_eq!(tokens.len(), 1, "every caller gets the same token");
    assert_eq!(fake.token_requests(), 1);

    // No key, a wrong key: 401 and no token.
    for bad in [None, Some("0".repeat(64)), Some(format!("{key}x"))] {
        let (status, body) = unix_get(&agent.socket, "/token", bad.as_deref());
        assert_eq!(status, 401, "{body}");
        assert!(!body.contains("access_token"), "{body}");
        assert!(!tokens.iter().any(|t| body.contains(t.as_str())));
    }

    let (status, body) = unix_get(&agent.socket, "/healthz", None);
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["token_held"], true);
    assert!(health["expires_in"].as_u64().is_some_and(|s| s > 0));
    assert!(health["last_refresh_error"].is_null());

    let (status, metrics) = unix_get(&agent.socket, "/metrics", None);
    assert_eq!(status, 200);
    assert!(
        metrics.contains("auth0_m2m_agent_token_requests_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("auth0_m2m_agent_answers_total{status=\"200\"} 20\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("auth0_m2m_agent_answers_total{status=\"401\"} 3\n"),
        "{metrics}"
    );
    assert!(metrics.contains("# TYPE auth0_m2m_agent_token_expires_in_seconds gauge"));
    assert!(
        metrics.contains("auth0_m2m_agent_token_quota_remaining{period=\"per_hour\"} 99\n"),
        "{metrics}"
    );
    assert!(!tokens.iter().any(|t| metrics.contains(t.as_str())));

    // SIGTERM: a clean exit that removes the socket and the key file.
    let status = agent.terminate();
    assert!(status.success(), "{status}");
    assert!(!agent.socket.exists(), "socket removed");
    assert!(!agent.key_file.exists(), "key file removed");
    assert_eq!(fake.token_requests(), 1);
}

#[test]
fn a_socket_in_use_is_refused_and_a_stale_one_replaced() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let socket = home.path().join("agent.sock");
    let key_file = home.path().join("keys").join("agent.key");
    let socket_arg = socket.display().to_string();
    let key_arg = key_file.display().to_string();
    let args = [
        "--socket",
        socket_arg.as_str(),
        "--key-file",
        key_arg.as_str(),
    ];
    let mut first = Agent::start(&home, &fake, &args);
    assert_eq!(first.key_file, key_file);
    let key = first.key();

    let out = run(home
        .cli(Some(&fake))
        .args(["--cache", "memory", "serve"])
        .args(args));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("in use"), "{}", stderr(&out));
    // The first agent is untouched.
    assert_eq!(first.key(), key);
    assert_eq!(unix_get(&socket, "/token", Some(&key)).0, 200);
    drop(first.child.take().map(|mut c| {
        // SIGKILL: the socket file stays behind, with nobody listening.
        let _ = c.kill();
        c.wait()
    }));
    assert!(socket.exists());

    let mut second = Agent::start(&home, &fake, &args);
    let new_key = second.key();
    assert_ne!(new_key, key);
    assert_eq!(unix_get(&socket, "/token", Some(&new_key)).0, 200);
    assert_eq!(
        unix_get(&socket, "/token", Some(&key)).0,
        401,
        "the old key is void"
    );
    assert!(second.terminate().success());
    assert!(!socket.exists());
}

#[test]
fn tcp_listening_is_loopback_only() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let out = run(home
        .cli(Some(&fake))
        .args(["serve", "--listen", "0.0.0.0:0"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
}

#[test]
fn serves_on_a_loopback_port_with_curl() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let key_file = home.path().join("agent.key");
    let mut child = home
        .cli(Some(&fake))
        .args([
            "--cache",
            "memory",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--key-file",
        ])
        .arg(&key_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the agent starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let ready: Value = serde_json::from_str(&line).expect("JSON");
    let addr = ready["listen"].as_str().expect("listen").to_owned();
    assert_eq!(ready["key_file"].as_str(), Some(key_file.to_str().unwrap()));
    let curl = |extra: &[&str]| {
        let out = Command::new("curl")
            .args(["-sS", "-w", "\n%{http_code}"])
            .args(extra)
            .arg(format!("http://{addr}/token"))
            .output()
            .expect("curl runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let key = std::fs::read_to_string(&key_file).unwrap();
    let ok = curl(&["-H", &format!("authorization: Bearer {key}")]);
    let (body, status) = ok.rsplit_once('\n').unwrap();
    assert_eq!(status, "200", "{ok}");
    let token: Value = serde_json::from_str(body).unwrap();
    assert!(
        token["access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    let denied = curl(&[]);
    assert!(denied.ends_with("\n401"), "{denied}");
    // Ctrl-C (SIGINT) stops it as cleanly as SIGTERM.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(!key_file.exists());
}

/// Two agents (two hosts, say) sharing Redis: the second adopts the first one's token.
#[test]
fn agents_sharing_redis_make_one_token_request() {
    // The fake tenant's random port and client id make the cache key unique to this test; the
    // short lifetime lets the record leave Redis soon after.
    let fake = Fake::start(&["--token-lifetime", "120"]);
    let (home_a, home_b) = (Home::new(), Home::new());
    let redis = "redis://127.0.0.1:6379";
    let a = Agent::start_with_cache(&home_a, &fake, redis, &[]);
    let (status, body_a) = unix_get(&a.socket, "/token", Some(&a.key()));
    assert_eq!(status, 200, "{body_a}");
    let b = Agent::start_with_cache(&home_b, &fake, redis, &[]);
    let (status, body_b) = unix_get(&b.socket, "/token", Some(&b.key()));
    assert_eq!(status, 200, "{body_b}");
    let token = |body: &str| {
        serde_json::from_str::<Value>(body).expect("JSON")["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    };
    assert_eq!(token(&body_a), token(&body_b));
    assert_eq!(fake.token_requests(), 1);
    let (_, metrics) = unix_get(&b.socket, "/metrics", None);
    assert!(
        metrics.contains("auth0_m2m_agent_token_requests_total 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("auth0_m2m_agent_shared_cache_adoptions_total 1\n"),
        "{metrics}"
    );
}

/// Without a token (the credentials are refused), callers get 503 and the health check says
/// why, without the secret.
#[test]
fn without_a_token_callers_get_503_and_health_says_why() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let secret = "wrong-secret-0123456789abcdef";
    let mut child = home
        .cli(Some(&fake))
        .env("AUTH0_CLIENT_SECRET", secret)
        .args(["--cache", "memory", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the agent starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let ready: Value = serde_json::from_str(&line).expect("JSON");
    let socket = PathBuf::from(ready["socket"].as_str().unwrap());
    let key = std::fs::read_to_string(ready["key_file"].as_str().unwrap()).unwrap();

    let (status, body) = unix_get(&socket, "/token", Some(&key));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("temporarily_unavailable"), "{body}");
    assert!(!body.contains(secret));
    let (status, health) = unix_get(&socket, "/healthz", None);
    assert_eq!(status, 503, "{health}");
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["token_held"], false);
    assert!(health["last_refresh_error"].is_string(), "{health}");
    assert!(!health.to_string().contains(secret));
    let (_, metrics) = unix_get(&socket, "/metrics", None);
    assert!(
        metrics.contains("auth0_m2m_agent_answers_total{status=\"503\"} 1\n"),
        "{metrics}"
    );

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("could not obtain a token") || log.contains("token refresh failed"),
        "{log}"
    );
    assert!(!log.contains(secret), "{log}");
    assert!(!socket.exists());
}
