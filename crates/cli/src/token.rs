//! `auth0-m2m token`: the access token for scripts.

use std::time::SystemTime;

use serde_json::json;

use crate::cli::{GlobalArgs, TokenArgs};
use crate::config::Target;
use crate::error::CliError;
use crate::output::{curl_config_quote, fingerprint, json_text, print_line, stdout_is_terminal};

/// Prints the token, its answer shape, or a summary of it.
pub(crate) async fn run(global: &GlobalArgs, args: &TokenArgs) -> Result<(), CliError> {
    let target = Target::resolve(global).await?;
    let client = target.settings.builder()?.build()?;
    let provider = client.token_provider();
    let token = provider.token().await.map_err(|e| {
        CliError::failure(format!(
            "could not obtain a Management API access token: {e}"
        ))
    })?;
    let now = SystemTime::now();
    let remaining = token.remaining_at(now).as_secs();
    if args.json {
        let answer = json!({
            "access_token": token.expose_secret(),
            "token_type": token.token_type(),
            "expires_in": remaining,
            "scope": token.scope_string(),
        });
        return print_line(&json_text(&answer, stdout_is_terminal()));
    }
    if args.info {
        let stats = provider.stats();
        let source = if stats.fetches > 0 {
            "token endpoint (a new token)".to_owned()
        } else {
            target.settings.cache_description()
        };
        let expires = httpdate::fmt_http_date(token.expires_at());
        let scopes = token.scopes();
        let lines = [
            format!("fingerprint  sha256:{}", fingerprint(token.expose_secret())),
            format!("token type   {}", token.token_type()),
            format!("expires      {expires} (in {remaining} s)"),
            format!(
                "scopes       {}",
                if scopes.is_empty() {
                    "(none)".to_owned()
                } else {
                    scopes.join(" ")
                }
            ),
            format!("source       {source}"),
            format!(
                "tenant       {}",
                target.settings.get("AUTH0_DOMAIN").unwrap_or("")
            ),
        ];
        return print_line(&lines.join("\n"));
    }
    if args.curl_config {
        // The token reaches curl on its standard input, never in its arguments.
        let line = format!("Authorization: Bearer {}", token.expose_secret());
        return print_line(&format!("header = {}", curl_config_quote(&line)));
    }
    print_line(token.expose_secret())
}
