//! `auth0-m2m`: an Auth0 Management API access token, Management API calls and a local token
//! agent, on the command line.
//!
//! ```sh
//! export AUTH0_DOMAIN=my-tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=…
//! auth0-m2m token --curl-config | curl -K - https://$AUTH0_DOMAIN/api/v2/clients
//! auth0-m2m api get users --paginate --ndjson > users.ndjson
//! auth0-m2m ops users
//! auth0-m2m serve &   # then: sed 's/.*/header = "authorization: Bearer &"/' …/agent.key | curl -K - --unix-socket … http://agent/token
//! auth0-m2m --demo api get clients   # against a fake tenant started in-process
//! ```
//!
//! The commands:
//!
//! - `token` prints the access token (or, with `--json`, Auth0's answer shape; with `--info`, a
//!   summary without the token). The token is kept in a file cache in the user's cache
//!   directory, so consecutive invocations share one token.
//! - `api METHOD PATH` calls the Management API, like `gh api`: query parameters, a JSON body,
//!   extra headers, pagination to the end, and the equivalent `curl` command.
//! - `ops [FILTER]` lists the operations the client models, with their scopes and pagination.
//! - `serve` is the token agent: it keeps the token fresh in the background and hands it to
//!   local processes over a Unix socket (or a loopback TCP port) that needs the agent's key.
//! - `completions bash|zsh|fish` prints a shell completion script.
//!
//! Configuration comes from the `AUTH0_*` environment variables, a named profile of the
//! configuration file (`--profile`), and flags; secrets are never accepted as command-line
//! values. Exit status: 0 on success, 1 when the Management API or the token endpoint fails,
//! 2 for a usage or configuration error or a declined confirmation.

mod api;
mod cli;
mod config;
mod error;
mod files;
mod jq;
mod ops;
mod output;
mod serve;
mod token;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(e) => Err(CliError::failure(format!(
            "could not start the async runtime: {e}"
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("auth0-m2m: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Token(args) => token::run(&cli.global, &args).await,
        Command::Api(args) => api::run(&cli.global, &args).await,
        Command::Ops(args) => ops::run(&args),
        Command::Serve(args) => serve::run(&cli.global, &args).await,
        Command::Completions(args) => {
            cli::completions(args.shell);
            Ok(())
        }
    }
}
