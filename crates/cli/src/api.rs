//! `auth0-m2m api METHOD PATH`: any Management API call, like `gh api`.

use std::io::{BufRead, Read, Write};

use auth0_m2m::management::path::{decode_segment, encode_segment};
use auth0_m2m::management::{self, PaginationStyle};
use auth0_m2m::{CallOptions, ManagementClient, ResponseMeta};
use http::{HeaderName, HeaderValue, Method};
use serde_json::Value;
use sha2::Digest;

use crate::cli::{ApiArgs, GlobalArgs};
use crate::config::Target;
use crate::error::CliError;
use crate::jq::{Jq, JqOutput};
use crate::output::{
    curl_config_quote, json_for_stdout, json_text, print_line, print_raw, shell_quote,
    stderr_is_terminal, stdin_is_terminal, stdout_is_terminal,
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
    let jq = args.jq.as_deref().map(Jq::compile).transpose()?;
    if args.paginate && call.method != Method::GET {
        return Err(CliError::usage("--paginate works with GET only"));
    }
    if args.paginate {
        check_paginated(&call)?;
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
        confirm(&call, &tenant_name(&target))?;
    }
    if args.paginate {
        return paginate(&client, &call, args, jq).await;
    }
    let show = Show {
        include: args.include,
        verbose: args.verbose,
        error_body: !args.silent,
    };
    let answer = send(&client, &call, &call.query, show).await?;
    if args.silent {
        return Ok(());
    }
    match (answer.body, jq) {
        (body, Some(jq)) => print_jq(&jq, &body),
        // An empty answer (204) prints nothing.
        (Value::Null, None) => Ok(()),
        (body, None) => print_line(&json_for_stdout(&body)),
    }
}

/// Prints what `jq` makes of `value`: strings as text, anything else as JSON.
fn print_jq(jq: &Jq, value: &Value) -> Result<(), CliError> {
    for output in jq.run(value)? {
        match output {
            JqOutput::Text(text) => print_line(&text)?,
            JqOutput::Json(json) => print_line(&json_for_stdout(&json))?,
        }
    }
    Ok(())
}

/// The tenant (and profile) a command talks to, for the confirmation question.
fn tenant_name(target: &Target) -> String {
    let settings = &target.settings;
    let domain = settings.get("AUTH0_DOMAIN").unwrap_or("?");
    let profile = settings
        .reselect
        .iter()
        .position(|a| a == "--profile")
        .and_then(|i| settings.reselect.get(i + 1));
    match profile {
        Some(name) => format!("tenant {domain} (profile {name})"),
        None => format!("tenant {domain}"),
    }
}

/// Refuses `--paginate` for an operation the catalogue knows and marks as not paginated.
fn check_paginated(call: &Call) -> Result<(), CliError> {
    match management::catalogue::find("GET", &call.path) {
        Some(op) if op.pagination.is_none() => Err(CliError::usage(format!(
            "--paginate: {} {} ({}) has no pagination; Auth0 answers it in one piece, so drop \
             --paginate",
            op.method, op.path, op.name
        ))),
        _ => Ok(()),
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

/// What [`send`] shows besides the answer's body.
#[derive(Debug, Clone, Copy)]
struct Show {
    /// `-i`: the status and headers of the answer (or of the error answer), on stderr.
    include: bool,
    /// `--verbose`: the request too, with the token redacted.
    verbose: bool,
    /// The body of an error answer on stdout (as `gh api` does, for scripts).
    error_body: bool,
}

/// Sends `call` with `query`, showing what `show` asks for.
async fn send(
    client: &ManagementClient,
    call: &Call,
    query: &[(String, String)],
    show: Show,
) -> Result<Answer, CliError> {
    if show.verbose {
        print_request(client, call, query);
    }
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
            if show.include || show.verbose {
                print_meta(&meta, show.verbose);
            }
            Ok(Answer {
                body,
                remaining: meta.rate_limit().remaining,
            })
        }
        Err(e) => {
            if (show.include || show.verbose)
                && let Some(meta) = e.response_meta()
            {
                print_meta(meta, show.verbose);
            }
            if show.error_body
                && let Some(body) = e.api_error_body()
                && let Ok(body) = serde_json::to_value(body)
            {
                print_line(&json_for_stdout(&body))?;
            }
            Err(explain(call, e))
        }
    }
}

/// `-i`: the status line and the headers, on stderr (with `verbose`, each line after `< `).
fn print_meta(meta: &ResponseMeta, verbose: bool) {
    let lead = if verbose { "< " } else { "" };
    let mut text = format!("{lead}HTTP {}\n", meta.status());
    for (name, value) in meta.headers() {
        text.push_str(&format!(
            "{lead}{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    eprintln!("{text}");
}

/// `base_url` + `path` + the form-encoded `query`.
fn full_url(base_url: &str, path: &str, query: &[(String, String)]) -> String {
    let mut url = format!("{base_url}{path}");
    if !query.is_empty() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query {
            q.append_pair(k, v);
        }
        url.push('?');
        url.push_str(&q.finish());
    }
    url
}

/// `--verbose`: the request line and the headers this command sets, on stderr, each after
/// `> `; the token is never shown.
fn print_request(client: &ManagementClient, call: &Call, query: &[(String, String)]) {
    let url = full_url(client.base_url(), &call.path, query);
    let mut text = format!(
        "> {} {url}\n> authorization: Bearer <redacted>\n",
        call.method
    );
    text.push_str(&format!("> user-agent: … {APP_NAME}\n"));
    for (name, value) in &call.headers {
        text.push_str(&format!(
            "> {name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    if let Some(body) = &call.body {
        text.push_str(&format!(
            "> content-type: application/json\n>\n> {}\n",
            json_text(body, false)
        ));
    }
    eprint!("{text}");
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
                "{} {} ({}) needs {} {}",
                op.method,
                op.path,
                op.name,
                if scopes.len() == 1 {
                    "the scope"
                } else {
                    "one of the scopes"
                },
                scopes.join(" ")
            )
        }
        None => format!(
            "{method} {path} is not a modeled operation; Auth0's Management API reference lists \
             the scopes it needs"
        ),
    }
}

/// Follows the pages to the end (or to `--limit` items) and prints the items as they arrive;
/// when a page fails, what was printed before stays a valid JSON array.
async fn paginate(
    client: &ManagementClient,
    call: &Call,
    args: &ApiArgs,
    jq: Option<Jq>,
) -> Result<(), CliError> {
    let op = management::catalogue::find("GET", &call.path);
    let style = op
        .and_then(|op| op.pagination)
        .map_or(PaginationStyle::Offset, |p| p.preferred());
    let mut pages = Pager::new(style, op.and_then(|op| op.items_key), &call.query)?;
    if let Some(limit) = args.limit {
        pages.size = pages.size.min(limit.max(1));
    }
    let progress = Progress::new();
    let mut out = Items::new(args.ndjson, stdout_is_terminal(), args.silent, jq);
    let result = walk(client, call, args, &mut pages, &progress, &mut out).await;
    progress.end();
    out.finish()?;
    result.map_err(|e| cap_hint(e, call, out.count))?;
    if let Some(cap) = search_cap(call)
        && args.limit.is_none_or(|l| l > cap)
        && out.count >= cap
    {
        eprintln!(
            "auth0-m2m: note: {} stops at {cap} results; {}",
            call.path, CAP_ADVICE
        );
    }
    Ok(())
}

async fn walk(
    client: &ManagementClient,
    call: &Call,
    args: &ApiArgs,
    pages: &mut Pager,
    progress: &Progress,
    out: &mut Items,
) -> Result<(), CliError> {
    while let Some(query) = pages.next_query() {
        let show = Show {
            include: args.include,
            verbose: args.verbose,
            error_body: false,
        };
        let answer = send(client, call, &query, show).await?;
        let mut items = pages.read(answer.body)?;
        if let Some(limit) = args.limit {
            let room = limit.saturating_sub(out.count);
            if items.len() as u64 >= room {
                items.truncate(usize::try_from(room).unwrap_or(usize::MAX));
                pages.done = true;
            }
        }
        for item in &items {
            out.push(item)?;
        }
        progress.show(out.count, pages.pages, answer.remaining);
    }
    Ok(())
}

/// How to get past the result cap of the user search.
const CAP_ADVICE: &str = "to get every user, export them with POST /api/v2/jobs/users-exports, \
     or narrow the search (-q q=…) so that each query matches fewer";

/// The most results offset paging reaches for `call`, when Auth0 caps it: 1,000 for the user
/// search.
fn search_cap(call: &Call) -> Option<u64> {
    (call.path == "/api/v2/users").then_some(1000)
}

/// Explains an error at the user search's result cap.
fn cap_hint(error: CliError, call: &Call, printed: u64) -> CliError {
    match error {
        CliError::Failure(message) if search_cap(call).is_some() && message.contains("1000") => {
            CliError::Failure(format!(
                "{message}; Auth0 pages through the first 1,000 results of a user search only \
                 ({printed} were printed); {CAP_ADVICE}"
            ))
        }
        other => other,
    }
}

/// The items of `--paginate` on stdout: one JSON array written as the items arrive (indented
/// and coloured on a terminal), one item per line with `--ndjson`, what `--jq` makes of each
/// item, or nothing with `--silent`.
struct Items {
    ndjson: bool,
    pretty: bool,
    silent: bool,
    jq: Option<Jq>,
    count: u64,
}

impl Items {
    fn new(ndjson: bool, pretty: bool, silent: bool, jq: Option<Jq>) -> Self {
        Self {
            ndjson,
            pretty,
            silent,
            jq,
            count: 0,
        }
    }

    /// Whether items are written as lines of their own rather than inside one array.
    fn as_lines(&self) -> bool {
        self.ndjson || self.silent || self.jq.is_some()
    }

    fn push(&mut self, item: &Value) -> Result<(), CliError> {
        if self.silent {
            self.count += 1;
            return Ok(());
        }
        if let Some(jq) = &self.jq {
            self.count += 1;
            return print_jq(jq, item);
        }
        let text = if self.pretty && !self.ndjson {
            json_for_stdout(item)
        } else {
            json_text(item, false)
        };
        let written = if self.ndjson {
            print_line(&text)
        } else if self.pretty {
            let indented = text.replace('\n', "\n  ");
            let lead = if self.count == 0 { "[\n  " } else { ",\n  " };
            print_raw(&format!("{lead}{indented}"))
        } else {
            let lead = if self.count == 0 { "[" } else { "," };
            print_raw(&format!("{lead}{text}"))
        };
        self.count += 1;
        written
    }

    /// Closes the array.
    fn finish(&self) -> Result<(), CliError> {
        match (self.as_lines(), self.count, self.pretty) {
            (true, _, _) => Ok(()),
            (false, 0, _) => print_line("[]"),
            (false, _, true) => print_line("\n]"),
            (false, _, false) => print_line("]"),
        }
    }
}

/// The progress line of `--paginate` on stderr: shown on a terminal (not a dumb one) when
/// stdout goes elsewhere, so that it never lands between the items.
struct Progress {
    on: bool,
    /// Whether escape sequences may be used (not with `NO_COLOR`).
    escapes: bool,
}

impl Progress {
    fn new() -> Self {
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Self {
            on: stderr_is_terminal() && !stdout_is_terminal() && !dumb,
            escapes: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn show(&self, items: u64, pages: u64, remaining: Option<u64>) {
        if !self.on {
            return;
        }
        let remaining = remaining
            .map(|r| format!(", rate limit remaining {r}"))
            .unwrap_or_default();
        let line = format!(
            "{items} item{}, {pages} page{}{remaining}",
            plural(items),
            plural(pages)
        );
        if self.escapes {
            eprint!("\r\x1b[2K{line}");
        } else {
            eprint!("\r{line:<70}");
        }
    }

    fn end(&self) {
        if self.on {
            eprintln!();
        }
    }
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
    /// Offset: the digest of the last page's items; a server that ignores `page` sends the
    /// same page again.
    last_page: Option<[u8; 32]>,
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
            last_page: None,
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
                if n > 0 {
                    let digest: [u8; 32] =
                        sha2::Sha256::digest(Value::Array(items.clone()).to_string().as_bytes())
                            .into();
                    if self.last_page == Some(digest) {
                        self.done = true;
                        return Err(CliError::failure(format!(
                            "paging does not end: page {} holds the same items as page {} (the \
                             server seems to ignore `page`); stopped",
                            self.page,
                            self.page.saturating_sub(1)
                        )));
                    }
                    self.last_page = Some(digest);
                }
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

/// Asks before a DELETE on a terminal, naming the tenant; refuses without `--yes` elsewhere.
fn confirm(call: &Call, tenant: &str) -> Result<(), CliError> {
    if !stdin_is_terminal() || !stderr_is_terminal() {
        return Err(CliError::usage(format!(
            "DELETE {} on {tenant} needs --yes when not run from a terminal",
            call.path
        )));
    }
    eprint!("Send DELETE {} to {tenant}? [y/N] ", call.path);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::failure(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::usage("not confirmed; nothing was sent"))
    }
}

/// Reads and checks the command line's description of the call.
fn parse(args: &ApiArgs) -> Result<Call, CliError> {
    let method = parse_method(&args.method)?;
    let (path, mut query) = parse_path(&args.path)?;
    for pair in &args.query {
        query.push(parse_pair(pair)?);
    }
    let mut body = match (&args.data, &args.input) {
        (Some(data), _) => Some(parse_body(data)?),
        (None, Some(file)) => Some(parse_body(&format!("@{file}"))?),
        (None, None) => None,
    };
    let fields = parse_fields(&args.field, &args.raw_field)?;
    if !fields.is_empty() {
        if method == Method::GET || body.is_some() {
            // As `gh api` does: fields are query parameters then.
            for (key, value) in fields {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                query.push((key, text));
            }
        } else {
            let mut object = serde_json::Map::new();
            for (key, value) in fields {
                insert_field(&mut object, &key, value)?;
            }
            body = Some(Value::Object(object));
        }
    }
    let headers = args
        .header
        .iter()
        .map(|h| parse_header(h))
        .collect::<Result<_, _>>()?;
    if method == Method::GET && body.is_some() {
        return Err(CliError::usage(
            "GET sends no body: Auth0 ignores it; pass the values as query parameters with -q \
             KEY=VALUE",
        ));
    }
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

/// The `-F` (typed) then `-f` (raw) fields, as (key, value) pairs.
fn parse_fields(typed: &[String], raw: &[String]) -> Result<Vec<(String, Value)>, CliError> {
    let split = |flag: &str, text: &str| match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(CliError::usage(format!(
            "{flag} {text:?}: expected KEY=VALUE"
        ))),
    };
    let mut fields = Vec::new();
    for text in typed {
        let (key, value) = split("-F", text)?;
        fields.push((key, typed_value(&value)?));
    }
    for text in raw {
        let (key, value) = split("-f", text)?;
        fields.push((key, Value::String(value)));
    }
    Ok(fields)
}

/// A `-F` value: `true`, `false`, `null` and numbers as JSON literals, `@FILE` (or `@-`) as the
/// text read, anything else as a string.
fn typed_value(text: &str) -> Result<Value, CliError> {
    Ok(match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "@-" => {
            let mut value = String::new();
            std::io::stdin()
                .read_to_string(&mut value)
                .map_err(|e| CliError::usage(format!("-F @-: cannot read standard input: {e}")))?;
            Value::String(value)
        }
        _ if text.starts_with('@') => {
            let file = &text[1..];
            Value::String(
                std::fs::read_to_string(file).map_err(|e| {
                    CliError::usage(format!("-F @{file}: cannot read the file: {e}"))
                })?,
            )
        }
        _ => match text.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && text.chars().all(|c| "0123456789.eE+-".contains(c)))
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(text.to_owned()), Value::Number),
        },
    })
}

/// Places `value` at `key` in `object`: `a[b][c]` nests objects, a final `[]` appends to a list.
fn insert_field(
    object: &mut serde_json::Map<String, Value>,
    key: &str,
    value: Value,
) -> Result<(), CliError> {
    let bad = |reason: &str| CliError::usage(format!("field {key:?}: {reason}"));
    let (first, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if first.is_empty() {
        return Err(bad("the key has no name before ["));
    }
    let mut parts = Vec::new();
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return Err(bad("expected [ after a ]"));
        };
        let Some(end) = inner.find(']') else {
            return Err(bad("a [ is not closed"));
        };
        parts.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    if parts.iter().rev().skip(1).any(|p| p.is_empty()) {
        return Err(bad("[] may only end a key"));
    }
    let mut slot = object.entry(first.to_owned()).or_insert(Value::Null);
    for part in parts {
        if part.is_empty() {
            match slot {
                Value::Null => *slot = Value::Array(vec![value]),
                Value::Array(items) => items.push(value),
                _ => return Err(bad("[] appends to a list, but the key holds another value")),
            }
            return Ok(());
        }
        if slot.is_null() {
            *slot = Value::Object(serde_json::Map::new());
        }
        let Value::Object(inner) = slot else {
            return Err(bad("a nested key under a value that is not an object"));
        };
        slot = inner.entry(part.to_owned()).or_insert(Value::Null);
    }
    if !slot.is_null() {
        return Err(bad("given twice"));
    }
    *slot = value;
    Ok(())
}

fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), CliError> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(CliError::usage(format!("-H {text:?}: expected NAME:VALUE")));
    };
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| CliError::usage(format!("-H: {:?} is not a header name", name.trim())))?;
    if name == http::header::AUTHORIZATION
        || name == http::header::PROXY_AUTHORIZATION
        || name == http::header::HOST
    {
        return Err(CliError::usage(format!(
            "-H: the {name} header is set by auth0-m2m and cannot be replaced"
        )));
    }
    let value = HeaderValue::from_str(value.trim()).map_err(|_| {
        CliError::usage(format!("-H {name}: the value is not a valid header value"))
    })?;
    Ok((name, value))
}

/// The curl command that sends `call`. The token reaches curl as a configuration line on its
/// standard input (`auth0-m2m … token --curl-config | curl -K - …`), and a body does too, so
/// neither shows in any process's arguments.
fn curl_command(call: &Call, base_url: &str, reselect: &[String], ca_cert: Option<&str>) -> String {
    let url = full_url(base_url, &call.path, &call.query);
    let token_command: Vec<String> = std::iter::once("auth0-m2m".to_owned())
        .chain(reselect.iter().map(|a| shell_quote(a)))
        .chain(["token".to_owned(), "--curl-config".to_owned()])
        .collect();
    let token_command = token_command.join(" ");
    let mut curl = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-K".to_owned(),
        "-".to_owned(),
        "-X".to_owned(),
        call.method.to_string(),
        shell_quote(&url),
    ];
    if let Some(ca) = ca_cert {
        curl.push("--cacert".to_owned());
        curl.push(shell_quote(ca));
    }
    for (name, value) in &call.headers {
        curl.push("-H".to_owned());
        curl.push(shell_quote(&format!(
            "{name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        )));
    }
    let curl = curl.join(" ");
    match &call.body {
        None => format!("{token_command} | {curl}"),
        Some(body) => format!(
            "{{ {token_command}; cat <<'BODY'\ndata-raw = {}\nBODY\n}} | {curl} -H {}",
            curl_config_quote(&body.to_string()),
            shell_quote("content-type: application/json")
        ),
    }
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
            c.starts_with("{ auth0-m2m --profile 'my prod' token --curl-config; cat <<'BODY'\n"),
            "{c}"
        );
        assert!(
            c.contains("\ndata-raw = \"{\\\"name\\\":\\\"it's\\\"}\"\nBODY\n} | "),
            "{c}"
        );
        assert!(
            c.contains(
                "| curl -sS -K - -X POST 'https://t.example/api/v2/roles?q=name%3A%27x+y%27'"
            ),
            "{c}"
        );
        assert!(c.contains("--cacert '/tmp/ca dir/ca.pem'"), "{c}");
        assert!(c.contains("-H 'x-a: b'"), "{c}");
        assert!(!c.contains("$("), "{c}");
        let mut get = call(Method::GET, "/api/v2/clients");
        get.body = None;
        let c = curl_command(&get, "https://t.example", &[], None);
        assert!(
            c.starts_with("auth0-m2m token --curl-config | curl -sS -K - -X GET "),
            "{c}"
        );
        assert!(!c.contains('\n'), "{c}");
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
    fn a_server_that_ignores_page_is_stopped_on_the_repeated_page() {
        let mut p = Pager::new(
            PaginationStyle::Offset,
            Some("clients"),
            &[("per_page".into(), "2".into())],
        )
        .unwrap();
        let page = json!({"clients": [{"a": 1}, {"a": 2}]});
        assert_eq!(p.read(page.clone()).unwrap().len(), 2);
        let e = p.read(page).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("same items as page 0"), "{e}");
        assert!(p.next_query().is_none());
    }

    #[test]
    fn hostile_paths_headers_and_get_bodies_are_refused() {
        for path in [
            "//evil.com/x",
            "https://evil.com/api/v2/clients",
            "http://evil.com",
        ] {
            let e = parse_path(path).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{path}");
        }
        for header in [
            "x-a: b\r\nhost: evil.com",
            "x-a: b\nx-b: c",
            "Proxy-Authorization: Basic eA==",
        ] {
            assert!(parse_header(header).is_err(), "{header:?}");
        }
        let args = |method: &str, data: Option<&str>| ApiArgs {
            method: method.into(),
            path: "clients".into(),
            query: vec![],
            data: data.map(str::to_owned),
            input: None,
            field: vec![],
            raw_field: vec![],
            jq: None,
            silent: false,
            verbose: false,
            header: vec![],
            include: false,
            paginate: false,
            ndjson: false,
            limit: None,
            yes: false,
            curl: false,
        };
        let e = parse(&args("get", Some("{}"))).unwrap_err();
        assert!(e.to_string().contains("GET sends no body"), "{e}");
        assert!(parse(&args("post", Some("{}"))).is_ok());
    }

    #[test]
    fn paginate_is_refused_where_the_operation_has_none() {
        let get = |path: &str| Call {
            method: Method::GET,
            path: path.into(),
            query: vec![],
            body: None,
            headers: vec![],
        };
        let e = check_paginated(&get("/api/v2/clients/abc")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("has no pagination"), "{e}");
        check_paginated(&get("/api/v2/clients")).unwrap();
        check_paginated(&get("/api/v2/not-modeled")).unwrap();
    }

    #[test]
    fn fields_build_nested_bodies() {
        let fields = parse_fields(
            &[
                "n=5".into(),
                "f=1.5".into(),
                "t=true".into(),
                "z=null".into(),
                "s=v1.2".into(),
                "meta[plan][tier]=2".into(),
                "grants[]=a".into(),
                "grants[]=b".into(),
            ],
            &["raw=true".into(), "meta[name]=x=y".into()],
        )
        .unwrap();
        let mut body = serde_json::Map::new();
        for (k, v) in fields {
            insert_field(&mut body, &k, v).unwrap();
        }
        assert_eq!(
            Value::Object(body),
            json!({
                "n": 5, "f": 1.5, "t": true, "z": null, "s": "v1.2",
                "meta": {"plan": {"tier": 2}, "name": "x=y"},
                "grants": ["a", "b"], "raw": "true"
            })
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.txt");
        std::fs::write(&file, "from a file\n").unwrap();
        assert_eq!(
            typed_value(&format!("@{}", file.display())).unwrap(),
            json!("from a file\n")
        );
        assert!(typed_value("@/nonexistent/x").is_err());
        for bad in ["a[", "[x]", "a[][b]", "a[b]c"] {
            let mut body = serde_json::Map::new();
            assert!(insert_field(&mut body, bad, json!(1)).is_err(), "{bad}");
        }
        let mut body = serde_json::Map::new();
        insert_field(&mut body, "a", json!(1)).unwrap();
        assert!(insert_field(&mut body, "a", json!(2)).is_err());
        assert!(insert_field(&mut body, "a[b]", json!(2)).is_err());
        assert!(parse_fields(&["novalue".into()], &[]).is_err());
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
