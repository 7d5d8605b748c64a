//! The command line: commands, flags and their help.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

const MAIN_HELP: &str = "\
CONFIGURATION:
  Without --profile, the tenant and credentials come from these environment variables
  (empty values count as unset), each overridden by the flag named beside it:

    AUTH0_DOMAIN         the tenant's domain, e.g. my-tenant.eu.auth0.com    --domain
    AUTH0_CLIENT_ID      the machine-to-machine application's client id       --client-id
    AUTH0_CLIENT_SECRET  its client secret (never a flag)                     --client-secret-file
    AUTH0_AUDIENCE       the audience (default https://{domain}/api/v2/)      --audience
    AUTH0_TOKEN_URL      the token URL (default https://{domain}/oauth/token) --token-url
    AUTH0_CA_CERT        an extra trusted root certificate (PEM file)         --ca-cert
    AUTH0_AUTH_METHOD    client_secret_post (default), client_secret_basic,
                         private_key_jwt, tls_client_auth or
                         self_signed_tls_client_auth                          --auth-method
    AUTH0_PRIVATE_KEY    the PEM private key file for private_key_jwt         --private-key
                         (AUTH0_PRIVATE_KEY_ALG: RS256, RS384 or PS256;
                         AUTH0_PRIVATE_KEY_KID; AUTH0_PRIVATE_KEY_2 and
                         AUTH0_PRIVATE_KEY_2_KID while rotating)
    AUTH0_DPOP_KEY       an EC P-256 key file: DPoP-bound tokens
    AUTH0_CLIENT_CERT    the client certificate file for mTLS, with
                         AUTH0_CLIENT_KEY and AUTH0_MTLS_TOKEN_URL
    AUTH0_CACHE          memory, file:<dir> or redis://… (default: a file
                         cache in the user's cache directory); a password
                         in the URL only here or in a profile, never --cache  --cache
    AUTH0_RATE_BUDGET    the rate budget `api` and --paginate calls go through:
                         learned (default), off, free, enterprise,
                         enterprise-non-production, essentials, professional
                         or BURST/PER_SECOND; shared through a redis:// cache
                         (AUTH0_RATE_BUDGET_BACKGROUND_SHARE: percent, default 50)
    AUTH0_PROFILE        a profile of the configuration file                  --profile

  With --profile NAME (or AUTH0_PROFILE), the settings come from the table [profiles.NAME]
  of the configuration file (--config, default: auth0-m2m/config.toml in the user's
  configuration directory, e.g. ~/.config/auth0-m2m/config.toml) instead of AUTH0_*, and
  flags still override them:

    [profiles.prod]
    domain = \"my-tenant.eu.auth0.com\"
    client_id = \"…\"
    client_secret_file = \"~/.config/auth0-m2m/prod.secret\"   # or client_secret_env = \"PROD_SECRET\"
    cache = \"redis://127.0.0.1:6379\"                          # optional, like every key below
    # audience, token_url, ca_cert, auth_method, private_key, private_key_alg,
    # private_key_kid, private_key_2, private_key_2_kid, dpop_key, client_cert, client_key,
    # mtls_token_url, rate_budget, rate_budget_background_share

  Secrets are never accepted as command-line values (they would show in process lists and
  shell history): use the environment, a file, or a profile's reference to either. As ssh
  does with keys, a secret file (client secret, private key) that another user owns or that
  group or others can access is refused, and so is a configuration file that group or others
  can write; AUTH0_ALLOW_EXPOSED_SECRET_FILES=1 accepts them with a warning.

EXIT STATUS:
  0  success
  1  the Management API or the token endpoint failed (or another runtime failure)
  2  usage or configuration error (bad flags, malformed input, no tenant configured), or a
     declined confirmation

EXAMPLES:
  auth0-m2m token --curl-config | curl -K - https://$AUTH0_DOMAIN/api/v2/clients
  auth0-m2m api get clients --paginate
  auth0-m2m --profile prod ops users
  auth0-m2m --demo api get users -q per_page=5";

const TOKEN_HELP: &str = "\
The token is kept in the configured cache (by default a file cache in the user's cache
directory, files mode 0600), so consecutive invocations share one token and make no token
request while it is fresh.

--curl-config prints the header as a curl configuration line, so that the token reaches
curl on its standard input: a token among a command's arguments (a command substitution in
`curl -H`) can be read by every local user while the command runs.

EXAMPLES:
  auth0-m2m token --curl-config | curl -K - https://$AUTH0_DOMAIN/api/v2/clients
  auth0-m2m token --json | jq .expires_in
  auth0-m2m token --info";

const API_HELP: &str = "\
PATH is relative to /api/v2/ (clients/ID) or absolute (/api/v2/clients/ID); characters that
cannot appear in a URL path (such as | in user ids) are percent-encoded. The answer is printed
as JSON: indented on a terminal, compact otherwise. DELETE asks for confirmation on a terminal,
naming the tenant, and needs --yes otherwise; declining exits with status 2. GET takes no
body (-d).

With --paginate, the pages are followed to the end (or to --limit N items) with the
pagination the operation supports (checkpoint from/take when it does, else
page/per_page/include_totals; see `auth0-m2m ops`), and the items are printed as they arrive:
as one JSON array, or one per line with --ndjson. An operation without pagination is refused;
a server that sends the same page again stops the walk; when a page fails, the items printed
before it stay valid JSON. Auth0's user search (GET users) reaches the first 1,000 results
only: export the users (POST jobs/users-exports) or narrow the query (-q q=…) for more.

-F KEY=VALUE and -f KEY=VALUE build the JSON body (like `gh api`): -F turns true, false, null
and numbers into JSON literals and @FILE into the file's text, -f keeps the text as it is;
KEY[SUB]=VALUE nests objects and KEY[]=VALUE appends to a list. --input FILE sends a file as
the body. --jq EXPR filters the answer in-process with jq's language. On a terminal the JSON
is indented and coloured (not with NO_COLOR or TERM=dumb). --verbose shows the request and the
answer's headers on stderr, the token replaced by <redacted>; --silent prints no body.

An error answer's JSON body is printed on stdout (the message on stderr), for scripts.

With --curl, the command prints the curl command that sends the request: the token (and the
body) reach curl on its standard input as a curl configuration, never in its arguments.

EXAMPLES:
  auth0-m2m api get clients -q fields=client_id,name
  auth0-m2m api get 'users/auth0|5f7c8ec7c33c6c004bbafe82'
  auth0-m2m api post roles -d '{\"name\": \"reader\"}'
  auth0-m2m api post roles -f name=reader -f description='read only'
  auth0-m2m api patch clients/ID -f 'client_metadata[tier]=gold' -F 'grant_types[]=client_credentials'
  auth0-m2m api get clients --jq '.[].name'
  auth0-m2m api patch clients/ID -d @client.json
  auth0-m2m api get users --paginate --ndjson | jq -r .email
  auth0-m2m api delete roles/ID --yes
  auth0-m2m api get clients --curl | sh";

const OPS_HELP: &str = "\
FILTER is matched, ignoring case, against the method, the path, the operation's name and its
resource.

EXAMPLES:
  auth0-m2m ops
  auth0-m2m ops users
  auth0-m2m ops delete --json";

const SERVE_HELP: &str = "\
The agent fetches a token at start, keeps it fresh in the background (through the configured
cache, so a fleet of agents sharing Redis makes one token request per refresh) and answers
local processes without ever making them wait on the network once a token is held:

  GET /token    Auth0's token answer: access_token, token_type, expires_in (seconds left), scope
  GET /healthz  200 {\"status\":\"ok\"} while a token is held, else 503; with the key, also the
                seconds to its expiry and the last refresh error
  GET /metrics  Prometheus text: token requests, answers served, refresh failures, seconds to
                expiry, token quota remaining when Auth0 reported it

/token and /metrics need the header `Authorization: Bearer <agent key>`; the key is random,
written to the key file (mode 0600) at start and removed at exit. Without it, or with a wrong
one, the answer is 401. The socket (mode 0600 from its creation) is created in the user's
runtime directory by default, in a directory that must be the user's own and closed to
others; the key file is the socket's path with the extension .key (agent-PORT.key with
--listen), so agents on different sockets or ports keep different keys, and an agent holds a
lock (on the key file's path plus .lock, which stays) while it runs: a second agent for the
same socket or key file stops with an error. A stale socket file that nobody listens on is replaced.

On a TCP port, which web pages in a browser can also reach, requests whose Host header is not
a loopback address or localhost, or that carry another site's Origin, get 403.

A client has 5 s to send a request's headers (also the most a connection stays idle);
--max-connections bounds the connections served at once. On SIGTERM or Ctrl-C the agent stops
accepting, gives the requests in progress 3 s, and exits, removing its socket and key file. It
prints one JSON line with the socket (or address) and key file once it listens, and logs to
stderr (RUST_LOG, default info).

The key reaches curl on its standard input, as a curl configuration line: a key among a
command's arguments can be read by every local user.

EXAMPLES:
  auth0-m2m serve &
  sed 's/.*/header = \"authorization: Bearer &\"/' \"$XDG_RUNTIME_DIR/auth0-m2m/agent.key\" |
    curl -K - --unix-socket \"$XDG_RUNTIME_DIR/auth0-m2m/agent.sock\" http://agent/token
  AUTH0_CACHE=redis://127.0.0.1:6379 auth0-m2m serve --listen 127.0.0.1:7878
  auth0-m2m serve --socket ~/.local/state/agent.sock --key-file ~/.config/auth0-m2m/agent.key";

const COMPLETIONS_HELP: &str = "\
EXAMPLES:
  auth0-m2m completions bash > ~/.local/share/bash-completion/completions/auth0-m2m
  auth0-m2m completions zsh > \"${fpath[1]}/_auth0-m2m\"
  auth0-m2m completions fish > ~/.config/fish/completions/auth0-m2m.fish";

/// Auth0 Management API tokens and calls, and a local token agent.
#[derive(Debug, Parser)]
#[command(name = "auth0-m2m", version, after_long_help = MAIN_HELP)]
pub(crate) struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The tenant, the credentials and the cache.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct GlobalArgs {
    /// Use the profile NAME of the configuration file instead of the AUTH0_* variables
    /// [env: AUTH0_PROFILE].
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The configuration file (default: auth0-m2m/config.toml in the user's configuration
    /// directory).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The tenant's domain [env: AUTH0_DOMAIN].
    #[arg(long, global = true, value_name = "DOMAIN")]
    pub(crate) domain: Option<String>,
    /// The application's client id [env: AUTH0_CLIENT_ID].
    #[arg(long, global = true, value_name = "ID")]
    pub(crate) client_id: Option<String>,
    /// Read the client secret from FILE [env: AUTH0_CLIENT_SECRET holds the secret itself].
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) client_secret_file: Option<PathBuf>,
    /// Refused: secrets are not accepted on the command line.
    #[arg(long, global = true, hide = true, value_name = "SECRET", value_parser = refuse)]
    pub(crate) client_secret: Option<Refused>,
    /// The PEM private key file for private_key_jwt [env: AUTH0_PRIVATE_KEY].
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) private_key: Option<PathBuf>,
    /// client_secret_post, client_secret_basic or private_key_jwt [env: AUTH0_AUTH_METHOD].
    #[arg(long, global = true, value_name = "METHOD")]
    pub(crate) auth_method: Option<String>,
    /// The audience [env: AUTH0_AUDIENCE; default https://{domain}/api/v2/].
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) audience: Option<String>,
    /// The token URL [env: AUTH0_TOKEN_URL; default https://{domain}/oauth/token].
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) token_url: Option<String>,
    /// An extra trusted root certificate, PEM [env: AUTH0_CA_CERT].
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Where the token is kept: memory, file:DIR or redis://… [env: AUTH0_CACHE; default:
    /// a file cache in the user's cache directory].
    #[arg(long, global = true, value_name = "CACHE")]
    pub(crate) cache: Option<String>,
    /// Run against a fake Auth0 tenant started in-process (for trying the commands out).
    #[arg(long, global = true)]
    pub(crate) demo: bool,
}

/// A value given to `--client-secret`: dropped at once, kept only as the fact that it was
/// given, so that the command can refuse it with an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused;

fn refuse(_: &str) -> Result<Refused, std::convert::Infallible> {
    Ok(Refused)
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the Management API access token.
    #[command(after_long_help = TOKEN_HELP)]
    Token(TokenArgs),
    /// Call the Management API.
    #[command(after_long_help = API_HELP)]
    Api(ApiArgs),
    /// List the Management API operations the client knows.
    #[command(after_long_help = OPS_HELP)]
    Ops(OpsArgs),
    /// Run the token agent: keep the token fresh and serve it to local processes.
    #[command(after_long_help = SERVE_HELP)]
    Serve(ServeArgs),
    /// Print a shell completion script.
    #[command(after_long_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
}

/// `token`.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// Print Auth0's answer shape: access_token, token_type, expires_in (seconds left), scope.
    #[arg(long, conflicts_with = "info")]
    pub(crate) json: bool,
    /// Print a summary without the token: fingerprint, expiry, scopes, where it came from.
    #[arg(long, conflicts_with = "curl_config")]
    pub(crate) info: bool,
    /// Print the authorization header as a curl configuration line, for `curl -K -`: the token
    /// reaches curl on its standard input instead of its arguments, which every local user can
    /// read.
    #[arg(long, conflicts_with = "json")]
    pub(crate) curl_config: bool,
}

/// `api`.
#[derive(Debug, Args)]
pub(crate) struct ApiArgs {
    /// GET, POST, PUT, PATCH or DELETE (any case).
    pub(crate) method: String,
    /// The path, relative to /api/v2/ or absolute (/api/v2/...); may carry a ?query.
    pub(crate) path: String,
    /// A query parameter KEY=VALUE (repeatable).
    #[arg(short = 'q', long = "query", value_name = "KEY=VALUE")]
    pub(crate) query: Vec<String>,
    /// The JSON body: JSON text, @FILE, or @- for standard input.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "JSON|@FILE|@-",
        conflicts_with = "input"
    )]
    pub(crate) data: Option<String>,
    /// The JSON body from FILE (- for standard input).
    #[arg(long, value_name = "FILE")]
    pub(crate) input: Option<String>,
    /// Typed fields of the JSON body, as the help text describes them.
    #[arg(
        short = 'F',
        long = "field",
        value_name = "KEY=VALUE",
        help = "A typed field of the JSON body, KEY=VALUE (repeatable): true, false, null and \
                numbers become JSON literals, @FILE the file's text; KEY[SUB]=V nests, KEY[]=V \
                appends to a list. With GET, or with a body from -d/--input, fields are query \
                parameters."
    )]
    pub(crate) field: Vec<String>,
    /// A string field of the JSON body, KEY=VALUE (repeatable), nested like -F.
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE")]
    pub(crate) raw_field: Vec<String>,
    /// Filter the answer with a jq expression, in-process (strings print without quotes);
    /// with --paginate, applied to each item.
    #[arg(long, value_name = "EXPR")]
    pub(crate) jq: Option<String>,
    /// Print nothing of the answer's body.
    #[arg(long, conflicts_with = "jq")]
    pub(crate) silent: bool,
    /// Print the request and the answer's status and headers to stderr (the token redacted).
    #[arg(long)]
    pub(crate) verbose: bool,
    /// An extra request header NAME:VALUE (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME:VALUE")]
    pub(crate) header: Vec<String>,
    /// Print the status and the answer's headers to stderr.
    #[arg(short = 'i', long = "include")]
    pub(crate) include: bool,
    /// Follow the pagination to the end and print every item.
    #[arg(long)]
    pub(crate) paginate: bool,
    /// With --paginate: print one item per line as pages arrive, instead of one array.
    #[arg(long, requires = "paginate")]
    pub(crate) ndjson: bool,
    /// With --paginate: stop after N items.
    #[arg(long, value_name = "N", requires = "paginate")]
    pub(crate) limit: Option<u64>,
    /// Do not ask before a DELETE (required when not on a terminal).
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,
    /// Print the equivalent curl command instead of sending the request.
    #[arg(long, conflicts_with = "paginate")]
    pub(crate) curl: bool,
}

/// `ops`.
#[derive(Debug, Args)]
pub(crate) struct OpsArgs {
    /// Show only operations matching this text.
    pub(crate) filter: Option<String>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The Unix socket to listen on (default: auth0-m2m/agent.sock in the user's runtime
    /// directory, else in the cache directory).
    #[arg(long, value_name = "PATH", conflicts_with = "listen")]
    pub(crate) socket: Option<PathBuf>,
    /// Listen on a loopback TCP address instead, e.g. 127.0.0.1:7878.
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<std::net::SocketAddr>,
    /// Where to write the agent key (default: the socket's path with the extension .key, or
    /// agent-PORT.key in the runtime directory with --listen).
    #[arg(long, value_name = "PATH")]
    pub(crate) key_file: Option<PathBuf>,
    /// The most connections served at once; more are closed as soon as they arrive.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub(crate) max_connections: usize,
}

/// `completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    pub(crate) shell: String,
}

/// Prints the completion script for `shell` to stdout.
pub(crate) fn completions(shell: String) {
    let shell = match shell.as_str() {
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => Shell::Bash,
    };
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "auth0-m2m",
        &mut std::io::stdout(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_secret_flag_keeps_no_value() {
        let cli = Cli::try_parse_from(["auth0-m2m", "--client-secret", "s3cr3t-value", "token"])
            .expect("parsed, to be refused later");
        assert_eq!(cli.global.client_secret, Some(Refused));
        assert!(!format!("{cli:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn every_command_has_examples() {
        let mut cli = Cli::command();
        for sub in cli.get_subcommands_mut() {
            let help = sub.render_long_help().to_string();
            assert!(help.contains("EXAMPLES:"), "{}", sub.get_name());
        }
    }
}
