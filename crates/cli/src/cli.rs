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
                         cache in the user's cache directory)                 --cache
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
    # mtls_token_url

  Secrets are never accepted as command-line values (they would show in process lists and
  shell history): use the environment, a file, or a profile's reference to either. A secret
  file that group or others can read gets a warning.

EXIT STATUS:
  0  success
  1  the Management API or the token endpoint failed (or another runtime failure)
  2  usage or configuration error (bad flags, malformed input, no tenant configured)

EXAMPLES:
  curl -H \"authorization: Bearer $(auth0-m2m token)\" https://$AUTH0_DOMAIN/api/v2/clients
  auth0-m2m api get clients --paginate
  auth0-m2m --profile prod ops users
  auth0-m2m --demo api get users -q per_page=5";

const TOKEN_HELP: &str = "\
The token is kept in the configured cache (by default a file cache in the user's cache
directory, files mode 0600), so consecutive invocations share one token and make no token
request while it is fresh.

EXAMPLES:
  curl -H \"authorization: Bearer $(auth0-m2m token)\" https://$AUTH0_DOMAIN/api/v2/clients
  auth0-m2m token --json | jq .expires_in
  auth0-m2m token --info";

const API_HELP: &str = "\
PATH is relative to /api/v2/ (clients/ID) or absolute (/api/v2/clients/ID); characters that
cannot appear in a URL path (such as | in user ids) are percent-encoded. The answer is printed
as JSON: indented on a terminal, compact otherwise. DELETE asks for confirmation on a terminal
and needs --yes otherwise.

With --paginate, the pages are followed to the end with the pagination the operation supports
(checkpoint from/take when it does, else page/per_page/include_totals; see `auth0-m2m ops`) and
the items are printed as one JSON array, or one per line with --ndjson as they arrive.

EXAMPLES:
  auth0-m2m api get clients -q fields=client_id,name
  auth0-m2m api get 'users/auth0|5f7c8ec7c33c6c004bbafe82'
  auth0-m2m api post roles -d '{\"name\": \"reader\"}'
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
  GET /healthz  whether a token is held, the seconds to its expiry and the last refresh error
  GET /metrics  Prometheus text: token requests, answers served, refresh failures, seconds to
                expiry, token quota remaining when Auth0 reported it

/token needs the header `Authorization: Bearer <agent key>`; the key is random,
written to the key file (mode 0600) at start and removed at exit. Without it, or with a wrong
one, the answer is 401 and no token. The socket (mode 0600) is created in the user's runtime
directory by default; the agent refuses to start when another process listens on it, and
replaces a stale socket file that nobody listens on. It stops on SIGTERM or Ctrl-C, removing its
socket and key file. It prints one JSON line with the socket (or address) and key file once
it listens, and logs to stderr (RUST_LOG, default info).

EXAMPLES:
  auth0-m2m serve &
  curl --unix-socket \"$XDG_RUNTIME_DIR/auth0-m2m/agent.sock\" \\
       -H \"authorization: Bearer $(cat \"$XDG_RUNTIME_DIR/auth0-m2m/agent.key\")\" http://agent/token
  auth0-m2m --cache redis://127.0.0.1:6379 serve --listen 127.0.0.1:7878 --key-file /run/agent.key";

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
    #[arg(long)]
    pub(crate) info: bool,
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
    #[arg(short = 'd', long = "data", value_name = "JSON|@FILE|@-")]
    pub(crate) data: Option<String>,
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
    /// Where to write the agent key (default: agent.key beside the socket).
    #[arg(long, value_name = "PATH")]
    pub(crate) key_file: Option<PathBuf>,
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
