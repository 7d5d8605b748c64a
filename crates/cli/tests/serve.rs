//! `auth0-m2m serve`, the token agent, run as a process against the fake tenant binary.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{Fake, Home, PrivateRedis, run, stderr, tcp_get, unix_get};
use serde_json::{Value, json};

/// A running agent; stopped with SIGKILL on drop if the test did not stop it.
struct Agent {
    child: Option<Child>,
    /// The socket, or the TCP address with --listen.
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
        let place = ready["socket"]
            .as_str()
            .or_else(|| ready["listen"].as_str())
            .expect("socket or listen");
        Agent {
            child: Some(child),
            socket: PathBuf::from(place),
            key_file: PathBuf::from(ready["key_file"].as_str().expect("key_file")),
        }
    }

    /// The TCP address, with --listen.
    fn addr(&self) -> String {
        self.socket.display().to_string()
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

    // Without the key, /healthz says only whether a token is held, and /metrics nothing.
    let (status, body) = unix_get(&agent.socket, "/healthz", None);
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"status": "ok"})
    );
    assert_eq!(unix_get(&agent.socket, "/metrics", None).0, 401);
    let (status, body) = unix_get(&agent.socket, "/healthz", Some(&key));
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["token_held"], true);
    assert!(health["expires_in"].as_u64().is_some_and(|s| s > 0));
    assert!(health["last_refresh_error"].is_null());

    let (status, metrics) = unix_get(&agent.socket, "/metrics", Some(&key));
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
    assert_eq!(out.status.code(), Some(1), "a runtime failure");
    assert!(stderr(&out).contains("another agent"), "{}", stderr(&out));
    // Another socket with the same key file: refused by the key file's lock.
    let other_socket = home.path().join("other.sock");
    let out = run(home
        .cli(Some(&fake))
        .args(["--cache", "memory", "serve", "--socket"])
        .arg(&other_socket)
        .args(["--key-file", key_arg.as_str()]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("another agent (process "),
        "{}",
        stderr(&out)
    );
    assert!(!other_socket.exists(), "nothing bound");
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

/// Two agents (two hosts, say) sharing Redis (a private server): the second adopts the first
/// one's token.
#[test]
fn agents_sharing_redis_make_one_token_request() {
    // The fake tenant's random port and client id make the cache key unique to this test; the
    // short lifetime lets the record leave Redis soon after.
    let fake = Fake::start(&["--token-lifetime", "120"]);
    let (home_a, home_b) = (Home::new(), Home::new());
    let server = PrivateRedis::start();
    let redis = server.url();
    let redis = redis.as_str();
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
    let (_, metrics) = unix_get(&b.socket, "/metrics", Some(&b.key()));
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
    let (status, bare) = unix_get(&socket, "/healthz", None);
    assert_eq!(status, 503, "{bare}");
    assert!(!bare.contains("last_refresh_error"), "{bare}");
    let (status, health) = unix_get(&socket, "/healthz", Some(&key));
    assert_eq!(status, 503, "{health}");
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["token_held"], false);
    assert!(health["last_refresh_error"].is_string(), "{health}");
    assert!(!health.to_string().contains(secret));
    let (_, metrics) = unix_get(&socket, "/metrics", Some(&key));
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
    assert!(log.contains("could not obtain a token"), "{log}");
    assert!(!log.contains(secret), "{log}");
    assert!(!socket.exists());
}

/// A client that sends half a request and stops is closed after the header timeout; with one
/// such client and a hundred idle ones connected, SIGTERM still ends the agent within seconds.
#[test]
fn stalled_and_idle_clients_do_not_hold_the_agent() {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::time::{Duration, Instant};
    let fake = Fake::start(&[]);
    let home = Home::new();
    let mut agent = Agent::start(&home, &fake, &[]);

    let mut stalled = UnixStream::connect(&agent.socket).unwrap();
    stalled.write_all(b"GET /token HTTP/1.1\r\n").unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(9),
        "closed after {waited:?}"
    );

    let mut stalled = UnixStream::connect(&agent.socket).unwrap();
    stalled.write_all(b"GET /token HTTP/1.1\r\n").unwrap();
    let idle: Vec<UnixStream> = (0..100)
        .map(|_| UnixStream::connect(&agent.socket).unwrap())
        .collect();
    // Everyone is connected and served: a caller still gets its token.
    assert_eq!(unix_get(&agent.socket, "/token", Some(&agent.key())).0, 200);
    let stopping = Instant::now();
    let status = agent.terminate();
    let took = stopping.elapsed();
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    assert!(!agent.socket.exists());
    assert!(!agent.key_file.exists());
    drop((stalled, idle));
}

/// Two agents in one directory (two sockets, or two ports) keep two keys and both serve.
#[test]
fn two_agents_side_by_side_both_serve() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let dir = home.path().join("agents");
    let (sock_a, sock_b) = (dir.join("a.sock"), dir.join("b.sock"));
    let a = Agent::start(&home, &fake, &["--socket", sock_a.to_str().unwrap()]);
    let b = Agent::start(&home, &fake, &["--socket", sock_b.to_str().unwrap()]);
    assert_eq!(a.key_file, dir.join("a.key"));
    assert_eq!(b.key_file, dir.join("b.key"));
    assert_ne!(a.key(), b.key());
    assert_eq!(unix_get(&a.socket, "/token", Some(&a.key())).0, 200);
    assert_eq!(unix_get(&b.socket, "/token", Some(&b.key())).0, 200);
    assert_eq!(unix_get(&a.socket, "/token", Some(&b.key())).0, 401);

    // Two ports without --key-file: agent-PORT.key each.
    let tcp_a = Agent::start(&home, &fake, &["--listen", "127.0.0.1:0"]);
    let tcp_b = Agent::start(&home, &fake, &["--listen", "127.0.0.1:0"]);
    assert_ne!(tcp_a.key_file, tcp_b.key_file);
    for agent in [&tcp_a, &tcp_b] {
        let port = agent.addr().rsplit_once(':').unwrap().1.to_owned();
        assert_eq!(
            agent.key_file,
            home.path().join(format!("run/auth0-m2m/agent-{port}.key"))
        );
        let auth = format!("Bearer {}", agent.key());
        let (status, body) = tcp_get(
            &agent.addr(),
            "/token",
            &[("Host", &agent.addr()), ("Authorization", &auth)],
        );
        assert_eq!(status, 200, "{body}");
    }
    // The first agents still serve with their own keys.
    assert_eq!(unix_get(&a.socket, "/token", Some(&a.key())).0, 200);
}

/// On TCP, web pages (DNS rebinding, cross-site requests) are refused and details need the key.
#[test]
fn the_tcp_agent_refuses_foreign_hosts_and_origins() {
    let fake = Fake::start(&[]);
    let home = Home::new();
    let agent = Agent::start(&home, &fake, &["--listen", "127.0.0.1:0"]);
    let addr = agent.addr();
    let port = addr.rsplit_once(':').unwrap().1.to_owned();
    let auth = format!("Bearer {}", agent.key());
    let rebound = format!("evil.example:{port}");
    for path in ["/metrics", "/healthz", "/token"] {
        let (status, body) = tcp_get(&addr, path, &[("Host", &rebound), ("Authorization", &auth)]);
        assert_eq!(status, 403, "{path}: {body}");
        assert!(!body.contains("access_token"), "{body}");
    }
    let (status, _) = tcp_get(
        &addr,
        "/metrics",
        &[
            ("Host", &addr),
            ("Origin", "https://evil.example"),
            ("Authorization", &auth),
        ],
    );
    assert_eq!(status, 403);
    // A loopback Host with the key gets a token, so the agent holds one from now on.
    let localhost = format!("localhost:{port}");
    let (status, body) = tcp_get(
        &addr,
        "/token",
        &[("Host", &localhost), ("Authorization", &auth)],
    );
    assert_eq!(status, 200, "{body}");
    // A loopback Host without the key: a bare status, no metrics.
    let (status, body) = tcp_get(&addr, "/healthz", &[("Host", &localhost)]);
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    assert_eq!(tcp_get(&addr, "/metrics", &[("Host", &localhost)]).0, 401);
    let (status, metrics) = tcp_get(
        &addr,
        "/metrics",
        &[("Host", &localhost), ("Authorization", &auth)],
    );
    assert_eq!(status, 200);
    assert!(
        metrics.contains("auth0_m2m_agent_refused_requests_total 4\n"),
        "{metrics}"
    );
}

/// The socket's directory must be the user's own and closed to others; a port in use is a
/// runtime failure (exit 1).
#[test]
fn open_directories_and_ports_in_use_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let fake = Fake::start(&[]);
    let home = Home::new();
    let shared = home.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = run(home
        .cli(Some(&fake))
        .args(["--cache", "memory", "serve", "--socket"])
        .arg(shared.join("agent.sock")));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("mode 0777"), "{}", stderr(&out));
    assert!(!shared.join("agent.sock").exists());

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(home
        .cli(Some(&fake))
        .args(["--cache", "memory", "serve", "--listen", &addr]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot listen"), "{}", stderr(&out));
}
