//! `auth0-m2m api METHOD PATH`: any Management API call, like `gh api`.

use std::io::{BufRead, Read, Write};

use auth0_m2m::management::path::{decode_segment, encode_segment};
use auth0_m2m::management::{self, PaginationStyle};
use auth0_m2m::{CallOptions, ManagementClient, ResponseMeta};
use http::{HeaderName, HeaderValue, Method};
use serde_json::Value;

use crate::cli::{ApiArgs, GlobalArgs};
use crate::config::Target;
use crate::error::CliError;
use crate::output::{
    json_text, print_line, shell_quote, stderr_is_terminal, stdin_is_terminal, stdout_is_terminal,
};

/// The page size used with `--paginate` unless `per_page` or `take` is given: the largest
/// the Management API accepts.
const PAGE_SIZE: u64 = 100;

/// A request as the command line describes it.
#[derive(Debug)]
struct Call {
    method: Method,
    /// Percent-encoded, starting with `/api/v2/`.
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// Runs `api`.
pub(crate) async fn run(global: &GlobalArgs, args: &ApiArgs) -> Result<(), CliError> {
    let call = parse(args)?;
    if args.paginate && call.method != Method::GET {
        return Err(CliError::usage("--paginate works with GET only"));
    }
    let target = Target::resolve(global).await?;
    let client = target.settings.builder()?.build()?;
    if args.curl {
        if target.settings.demo {
            return Err(CliError::usage(
                "--curl and --demo do not go together: the demo tenant stops with this command",
            ));
        }
        let settings = &target.settings;
        let ca_cert = settings.get("AUTH0_CA_CERT");
        let command = curl_command(&call, client.base_url(), &settings.reselect, ca_cert);
        return print_line(&command);
    }
    if call.method == Method::DELETE && !args.yes {
        confirm(&call)?;
    }
    if args.paginate {
        return paginate(&client, &call, args).await;
    }
    let answer = send(&client, &call, &call.query, args.include).await?;
    match answer.body {
        // An empty answer (204) prints nothing.
        Value::Null => Ok(()),
        body => print_line(&json_text(&body, stdout_is_terminal())),
    }
}

/// What came back.
struct Answer {
    body: Value,
    /// `X-RateLimit-Remaining`, when the answer carried it.
    remaining: Option<u64>,
}

/// The `User-Agent` addition that tells this command's calls apart in Auth0's logs.
const APP_NAME: &str = concat!("auth0-m2m-cli/", env!("CARGO_PKG_VERSION"));

/// Sends `call` with `query`; with `include`, prints the status and headers of the answer
/// (or of the error answer) to stderr.
async fn send(
    client: &ManagementClient,
    call: &Call,
    query: &[(String, String)],
    include: bool,
) -> Result<Answer, CliError> {
    let mut options = CallOptions::new().app_name(APP_NAME);
    for (name, value) in &call.headers {
        options = options.header(
            name.as_str(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        );
    }
    let mut request = client
        .request(call.method.clone(), call.path.clone())
        .options(options);
    for (k, v) in query {
        request = request.query(k.clone(), v);
    }
    if let Some(body) = &call.body {
        request = request.json(body);
    }
    match request.send_with_response::<Value>().await {
        Ok(response) => {
            let (body, meta) = response.into_parts();
            if include {
                print_meta(&meta);
            }
            Ok(Answer {
                body,
                remaining: meta.rate_limit().remaining,
            })
        }
        Err(e) => {
            if include && let Some(meta) = e.response_meta() {
                print_meta(meta);
            }
            Err(explain(call, e))
        }
    }
}

/// `-i`: the status line and the headers, on stderr.
fn print_meta(meta: &ResponseMeta) {
    let mut text = format!("HTTP {}\n", meta.status());
    for (name, value) in meta.headers() {
        text.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    eprintln!("{text}");
}

/// The command's error for a failed call; an `insufficient_scope` answer names the scopes the
/// operation needs.
fn explain(call: &Call, e: auth0_m2m::Error) -> CliError {
    let scope_hint = e
        .api_error()
        .filter(|a| a.error_code() == Some("insufficient_scope"))
        .map(|_| scope_hint(&call.method, &call.path));
    let mut error = CliError::from(e);
    if let (Some(hint), CliError::Failure(message)) = (scope_hint, &mut error) {
        message.push_str("; ");
        message.push_str(&hint);
    }
    error
}

/// Which scopes the operation at `method path` needs, from the catalogue.
fn scope_hint(method: &Method, path: &str) -> String {
    match management::catalogue::find(method.as_str(), path) {
        Some(op) => {
            let scopes = crate::ops::scopes(op.name);
            format!(
                "{} {} ({}) needs the scope{} {}",
                op.method,
                op.path,
                op.name,
                if scopes.len() == 1 { "" } else { "s" },
                scopes.join(" ")
            )
        }
        None => format!(
            "{method} {path} is not a modeled operation; Auth0's Management API reference lists \
             the scopes it needs"
        ),
    }
}

/// Follows the pages to the end and prints the items.
async fn paginate(client: &ManagementClient, call: &Call, args: &ApiArgs) -> Result<(), CliError> {
    let op = management::catalogue::find("GET", &call.path);
    let style = op
        .and_then(|op| op.pagination)
        .map_or(PaginationStyle::Offset, |p| p.preferred());
    let mut pages = Pager::new(style, op.and_then(|op| op.items_key), &call.query)?;
    let progress = stderr_is_terminal();
    let pretty = stdout_is_terminal();
    let mut all = Vec::new();
    let (mut page_count, mut item_count) = (0u64, 0u64);
    while let Some(query) = pages.next_query() {
        let answer = send(client, call, &query, args.include).await?;
        let items = pages.read(answer.body)?;
        page_count += 1;
        item_count += items.len() as u64;
        if progress {
            let remaining = answer
                .remaining
                .map(|r| format!(", rate limit remaining {r}"))
                .unwrap_or_default();
            eprint!(
                "\r\x1b[2K{item_count} item{}, {page_count} page{}{remaining}",
                plural(item_count),
                plural(page_count)
            );
        }
        if args.ndjson {
            for item in &items {
                print_line(&item.to_string())?;
            }
        } else {
            all.extend(items);
        }
    }
    if progress {
        eprintln!();
    }
    if !args.ndjson {
        print_line(&json_text(&Value::Array(all), pretty))?;
    }
    Ok(())
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The state of a walk through the pages.
#[derive(Debug)]
struct Pager {
    style: PaginationStyle,
    base: Vec<(String, String)>,
    size: u64,
    /// Offset: the next page number. Checkpoint: unused.
    page: u64,
    /// Checkpoint: the cursor of the next page (`None` on the first one).
    from: Option<String>,
    /// The name of the item list in the page envelope, from the catalogue; `None` for an
    /// operation the client does not model (the envelope's one array is taken then).
    items_key: Option<&'static str>,
    /// Every checkpoint cursor seen: one that comes back would make the walk endless.
    cursors: std::collections::HashSet<String>,
    pages: u64,
    seen: u64,
    done: bool,
}

impl Pager {
    /// Starts a walk with the caller's query (whose `per_page` / `take` set the page size, and
    /// `page` / `from` the start).
    fn new(
        style: PaginationStyle,
        items_key: Option<&'static str>,
        query: &[(String, String)],
    ) -> Result<Self, CliError> {
        let mut base = Vec::new();
        let mut size = None;
        let mut page = 0;
        let mut from = None;
        for (k, v) in query {
            match k.as_str() {
                "per_page" | "take" => {
                    let n: u64 = v
                        .parse()
                        .ok()
                        .filter(|n| (1..=100).contains(n))
                        .ok_or_else(|| {
                            CliError::usage(format!("{k}={v}: expected a page size from 1 to 100"))
                        })?;
                    size = Some(n);
                }
                "page" => {
                    page = v.parse().map_err(|_| {
                        CliError::usage(format!("page={v}: expected a page number"))
                    })?;
                }
                "from" => from = Some(v.clone()),
                "include_totals" => {}
                _ => base.push((k.clone(), v.clone())),
            }
        }
        Ok(Self {
            style,
            base,
            size: size.unwrap_or(PAGE_SIZE),
            page,
            cursors: from.iter().cloned().collect(),
            from,
            items_key,
            pages: 0,
            seen: 0,
            done: false,
        })
    }

    /// The query of the next page, or `None` after the last one.
    fn next_query(&self) -> Option<Vec<(String, String)>> {
        if self.done {
            return None;
        }
        let mut query = self.base.clone();
        match self.style {
            PaginationStyle::Checkpoint => {
                query.push(("take".into(), self.size.to_string()));
                if let Some(from) = &self.from {
                    query.push(("from".into(), from.clone()));
                }
            }
            _ => {
                query.push(("page".into(), self.page.to_string()));
                query.push(("per_page".into(), self.size.to_string()));
                query.push(("include_totals".into(), "true".into()));
            }
        }
        Some(query)
    }

    /// Reads one page's answer: its items, and where the next page starts.
    fn read(&mut self, body: Value) -> Result<Vec<Value>, CliError> {
        let (items, total, next) = match body {
            Value::Array(items) => (items, None, None),
            Value::Object(mut object) => {
                let total = object.get("total").and_then(Value::as_u64);
                let next = object
                    .get("next")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let key = match self.items_key {
                    Some(key) => Some(key.to_owned()),
                    None => {
                        let mut arrays = object.iter().filter(|(k, v)| {
                            v.is_array()
                                && !["start", "limit", "total", "length", "next"]
                                    .contains(&k.as_str())
                        });
                        match (arrays.next(), arrays.next()) {
                            (Some((k, _)), None) => Some(k.clone()),
                            (Some(_), Some(_)) => {
                                return Err(CliError::failure(
                                    "the answer holds several lists and this operation is not \
                                     in the catalogue, so which one holds the items is unknown; \
                                     page it by hand with -q",
                                ));
                            }
                            (None, _) => None,
                        }
                    }
                };
                let items = match key.as_ref().and_then(|k| object.remove(k)) {
                    Some(Value::Array(items)) => items,
                    _ => {
                        return Err(CliError::failure(format!(
                            "the answer is not a page of items (no `{}` list in it); is this a \
                             list operation?",
                            key.as_deref().unwrap_or("items")
                        )));
                    }
                };
                (items, total, next)
            }
            other => {
                return Err(CliError::failure(format!(
                    "the answer is not a page of items: {}",
                    json_text(&other, false)
                        .chars()
                        .take(200)
                        .collect::<String>()
                )));
            }
        };
        let n = items.len() as u64;
        self.seen += n;
        self.pages += 1;
        match self.style {
            PaginationStyle::Checkpoint => {
                // A bare array (`/logs`) continues from its last `log_id`.
                let next = next.or_else(|| {
                    (n == self.size)
                        .then(|| items.last()?.get("log_id")?.as_str().map(str::to_owned))
                        .flatten()
                });
                match next {
                    Some(cursor) if n > 0 => {
                        if !self.cursors.insert(cursor.clone()) {
                            return Err(CliError::failure(format!(
                                "paging does not end: the server sent the cursor {:?} a second \
                                 time (after {} pages)",
                                cursor.chars().take(40).collect::<String>(),
                                self.pages
                            )));
                        }
                        self.from = Some(cursor);
                    }
                    _ => self.done = true,
                }
            }
            _ => {
                self.page += 1;
                if n < self.size || total.is_some_and(|t| self.seen >= t) {
                    self.done = true;
                } else if self.pages >= auth0_m2m::MAX_OFFSET_PAGES {
                    return Err(CliError::failure(format!(
                        "paging does not end: {} offset pages were all full and carried no total",
                        self.pages
                    )));
                }
            }
        }
        Ok(items)
    }
}

/// Asks before a DELETE on a terminal; refuses without `--yes` elsewhere.
fn confirm(call: &Call) -> Result<(), CliError> {
    if !stdin_is_terminal() || !stderr_is_terminal() {
        return Err(CliError::usage(format!(
            "DELETE {} needs --yes when not run from a terminal",
            call.path
        )));
    }
    eprint!("Send DELETE {}? [y/N] ", call.path);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::failure(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::failure("not confirmed; nothing was sent"))
    }
}

/// Reads and checks the command line's description of the call.
fn parse(args: &ApiArgs) -> Result<Call, CliError> {
    let method = parse_method(&args.method)?;
    let (path, mut query) = parse_path(&args.path)?;
    for pair in &args.query {
        query.push(parse_pair(pair)?);
    }
    let body = match &args.data {
        None => None,
        Some(data) => Some(parse_body(data)?),
    };
    let headers = args
        .header
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<_, _>>()?;
    Ok(Call {
        method,
        path,
        query,
        body,
        headers,
    })
}

fn parse_method(text: &str) -> Result<Method, CliError> {
    match text.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        _ => Err(CliError::usage(format!(
            "unknown method {text:?}: use GET, POST, PUT, PATCH or DELETE"
        ))),
    }
}

/// The percent-encoded `/api/v2/…` path and the query pairs written after a `?`.
fn parse_path(text: &str) -> Result<(String, Vec<(String, String)>), CliError> {
    let bad = |reason: &str| Err(CliError::usage(format!("invalid path {text:?}: {reason}")));
    if text.contains('#') {
        return bad("a fragment (#) has no meaning here");
    }
    if text.chars().any(char::is_control) {
        return bad("it contains control characters");
    }
    let (path, query) = match text.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (text, None),
    };
    let relative = path
        .strip_prefix("/api/v2/")
        .or_else(|| path.strip_prefix("api/v2/"))
        .or_else(|| path.strip_prefix('/'))
        .unwrap_or(path)
        .trim_end_matches('/');
    if relative.is_empty() || relative == "api/v2" {
        return bad("name a resource, e.g. clients or /api/v2/clients");
    }
    let mut encoded = String::from("/api/v2");
    for segment in relative.split('/') {
        let Some(decoded) = decode_segment(segment) else {
            return bad("a percent-encoded segment is not UTF-8");
        };
        if decoded.is_empty() {
            return bad("it contains an empty segment (//)");
        }
        if decoded == "." || decoded == ".." {
            return bad("`.` and `..` segments are not allowed");
        }
        encoded.push('/');
        encoded.push_str(&encode_segment(&decoded));
    }
    let query = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    Ok((encoded, query))
}

fn parse_pair(text: &str) -> Result<(String, String), CliError> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(CliError::usage(format!("-q {text:?}: expected KEY=VALUE"))),
    }
}

fn parse_body(data: &str) -> Result<Value, CliError> {
    let (text, source) = if data == "@-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("-d @-: cannot read standard input: {e}")))?;
        (text, "standard input".to_owned())
    } else if let Some(file) = data.strip_prefix('@') {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::usage(format!("-d @{file}: cannot read the file: {e}")))?;
        (text, file.to_owned())
    } else {
        (data.to_owned(), "the argument".to_owned())
    };
    serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("malformed -d JSON in {source}: {e}")))
}

fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), CliError> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(CliError::usage(format!("-H {text:?}: expected NAME:VALUE")));
    };
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| CliError::usage(format!("-H: {:?} is not a header name", name.trim())))?;
    if name == http::header::AUTHORIZATION || name == http::header::HOST {
        return Err(CliError::usage(format!(
            "-H: the {name} header is set by auth0-m2m and cannot be replaced"
        )));
    }
    let value = HeaderValue::from_str(value.trim()).map_err(|_| {
        CliError::usage(format!("-H {name}: the value is not a valid header value"))
    })?;
    Ok((name, value))
}

/// The curl command that sends `call`, with `$(auth0-m2m … token)` in place of the token.
fn curl_command(call: &Call, base_url: &str, reselect: &[String], ca_cert: Option<&str>) -> String {
    let mut url = format!("{base_url}{}", call.path);
    if !call.query.is_empty() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &call.query {
            q.append_pair(k, v);
        }
        url.push('?');
        url.push_str(&q.finish());
    }
    let token_command: Vec<String> = std::iter::once("auth0-m2m".to_owned())
        .chain(reselect.iter().map(|a| shell_quote(a)))
        .chain(std::iter::once("token".to_owned()))
        .collect();
    let mut parts = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-X".to_owned(),
        call.method.to_string(),
        shell_quote(&url),
        "-H".to_owned(),
        format!("\"authorization: Bearer $({})\"", token_command.join(" ")),
    ];
    if let Some(ca) = ca_cert {
        parts.push("--cacert".to_owned());
        parts.push(shell_quote(ca));
    }
    for (name, value) in &call.headers {
        parts.push("-H".to_owned());
        parts.push(shell_quote(&format!(
            "{name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        )));
    }
    if let Some(body) = &call.body {
        parts.push("-H".to_owned());
        parts.push(shell_quote("content-type: application/json"));
        parts.push("--data-raw".to_owned());
        parts.push(shell_quote(&body.to_string()));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_are_relative_or_absolute_and_encoded() {
        let p = |t: &str| parse_path(t).unwrap();
        assert_eq!(p("clients").0, "/api/v2/clients");
        assert_eq!(p("/clients/").0, "/api/v2/clients");
        assert_eq!(p("/api/v2/clients").0, "/api/v2/clients");
        assert_eq!(
            p("users/auth0|123/roles").0,
            "/api/v2/users/auth0%7C123/roles"
        );
        assert_eq!(p("users/auth0%7C123").0, "/api/v2/users/auth0%7C123");
        let (path, query) = p("users?q=email:\"a b\"&per_page=5");
        assert_eq!(path, "/api/v2/users");
        assert_eq!(
            query,
            [
                ("q".to_owned(), "email:\"a b\"".to_owned()),
                ("per_page".to_owned(), "5".to_owned())
            ]
        );
        for bad in [
            "",
            "/",
            "/api/v2/",
            "clients/../oauth",
            "a/%2e%2e/b",
            "a//b",
            "x#y",
        ] {
            let e = parse_path(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
        assert!(parse_path("../x").unwrap_err().to_string().contains(".."));
    }

    #[test]
    fn methods_pairs_bodies_and_headers() {
        assert_eq!(parse_method("get").unwrap(), Method::GET);
        assert!(
            parse_method("FETCH")
                .unwrap_err()
                .to_string()
                .contains("FETCH")
        );
        assert_eq!(parse_pair("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert!(parse_pair("=x").is_err());
        assert!(parse_pair("novalue").is_err());
        assert_eq!(parse_body(r#"{"a":1}"#).unwrap(), json!({"a": 1}));
        let e = parse_body("{nope").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("malformed -d JSON"), "{e}");
        assert!(parse_body("@/nonexistent/file.json").is_err());
        let (name, value) = parse_header("X-Custom: yes please").unwrap();
        assert_eq!(
            (name.as_str(), value.to_str().unwrap()),
            ("x-custom", "yes please")
        );
        assert!(parse_header("Authorization: Bearer x").is_err());
        assert!(parse_header("host: x").is_err());
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: x").is_err());
    }

    fn call(method: Method, path: &str) -> Call {
        Call {
            method,
            path: path.to_owned(),
            query: vec![("q".into(), "name:'x y'".into())],
            body: Some(json!({"name": "it's"})),
            headers: vec![(
                HeaderName::from_static("x-a"),
                HeaderValue::from_static("b"),
            )],
        }
    }

    #[test]
    fn curl_commands_quote_everything() {
        let c = curl_command(
            &call(Method::POST, "/api/v2/roles"),
            "https://t.example",
            &["--profile".into(), "my prod".into()],
            Some("/tmp/ca dir/ca.pem"),
        );
        assert!(
            c.starts_with("curl -sS -X POST 'https://t.example/api/v2/roles?q=name%3A%27x+y%27'"),
            "{c}"
        );
        assert!(
            c.contains(r#"-H "authorization: Bearer $(auth0-m2m --profile 'my prod' token)""#),
            "{c}"
        );
        assert!(c.contains("--cacert '/tmp/ca dir/ca.pem'"), "{c}");
        assert!(c.contains(r#"--data-raw '{"name":"it'\''s"}'"#), "{c}");
        assert!(c.contains("-H 'x-a: b'"), "{c}");
    }

    #[test]
    fn offset_pages_stop_at_the_total() {
        let mut p = Pager::new(
            PaginationStyle::Offset,
            Some("clients"),
            &[("per_page".into(), "2".into())],
        )
        .unwrap();
        let q = p.next_query().unwrap();
        assert!(q.contains(&("page".into(), "0".into())));
        assert!(q.contains(&("include_totals".into(), "true".into())));
        let items = p
            .read(json!({"start": 0, "limit": 2, "total": 3, "clients": [{"a": 1}, {"a": 2}]}))
            .unwrap();
        assert_eq!(items.len(), 2);
        assert!(
            p.next_query()
                .unwrap()
                .contains(&("page".into(), "1".into()))
        );
        p.read(json!({"start": 2, "limit": 2, "total": 3, "clients": [{"a": 3}]}))
            .unwrap();
        assert!(p.next_query().is_none());
        // A bare array ends with a short page.
        let mut p = Pager::new(PaginationStyle::Offset, None, &[]).unwrap();
        p.read(json!([{"a": 1}])).unwrap();
        assert!(p.next_query().is_none());
        assert!(
            Pager::new(
                PaginationStyle::Offset,
                None,
                &[("per_page".into(), "500".into())]
            )
            .is_err()
        );
    }

    #[test]
    fn checkpoint_pages_follow_next_and_log_ids() {
        let mut p = Pager::new(
            PaginationStyle::Checkpoint,
            Some("organizations"),
            &[("take".into(), "2".into())],
        )
        .unwrap();
        assert!(!p.next_query().unwrap().iter().any(|(k, _)| k == "from"));
        p.read(json!({"organizations": [{}, {}], "next": "cur1"}))
            .unwrap();
        assert!(
            p.next_query()
                .unwrap()
                .contains(&("from".into(), "cur1".into()))
        );
        p.read(json!({"organizations": [{}]})).unwrap();
        assert!(p.next_query().is_none());

        let mut logs = Pager::new(
            PaginationStyle::Checkpoint,
            Some("logs"),
            &[("take".into(), "2".into())],
        )
        .unwrap();
        logs.read(json!([{"log_id": "1"}, {"log_id": "2"}]))
            .unwrap();
        assert!(
            logs.next_query()
                .unwrap()
                .contains(&("from".into(), "2".into()))
        );
        logs.read(json!([{"log_id": "3"}])).unwrap();
        assert!(logs.next_query().is_none());
        assert!(
            Pager::new(PaginationStyle::Checkpoint, None, &[])
                .unwrap()
                .read(json!("x"))
                .is_err()
        );
    }

    #[test]
    fn the_items_key_is_named_and_endless_walks_stop() {
        // A new array in the envelope does not become the items.
        let mut p = Pager::new(PaginationStyle::Offset, Some("users"), &[]).unwrap();
        let items = p
            .read(json!({"warnings": ["w"], "users": [{"user_id": "a"}], "total": 1}))
            .unwrap();
        assert_eq!(items, vec![json!({"user_id": "a"})]);
        let mut p = Pager::new(PaginationStyle::Offset, Some("users"), &[]).unwrap();
        assert!(p.read(json!({"clients": [], "total": 0})).is_err());
        // Unmodeled: one array is the items, several are refused.
        let mut p = Pager::new(PaginationStyle::Offset, None, &[]).unwrap();
        assert!(p.read(json!({"a": [], "b": []})).is_err());
        // A cursor that comes back anywhere in the walk ends it with an error.
        let mut p = Pager::new(
            PaginationStyle::Checkpoint,
            Some("members"),
            &[("take".into(), "1".into())],
        )
        .unwrap();
        p.read(json!({"members": [{}], "next": "a"})).unwrap();
        p.read(json!({"members": [{}], "next": "b"})).unwrap();
        let e = p.read(json!({"members": [{}], "next": "a"})).unwrap_err();
        assert!(e.to_string().contains("a second time"), "{e}");
    }

    #[test]
    fn scope_hints_come_from_the_catalogue() {
        let hint = scope_hint(&Method::GET, "/api/v2/clients");
        assert!(hint.contains("read:clients"), "{hint}");
        let hint = scope_hint(&Method::DELETE, "/api/v2/users/auth0%7C1");
        assert!(hint.contains("delete:users"), "{hint}");
        let hint = scope_hint(&Method::GET, "/api/v2/actions/actions");
        assert!(hint.contains("read:actions"), "{hint}");
        assert!(scope_hint(&Method::GET, "/api/v2/no-such-thing").contains("not a modeled"));
    }
}
