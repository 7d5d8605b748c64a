//! Creates a Datadog log stream and reads it back: a request body built from typed values in a
//! few lines, and an answer read as the variant its `type` names. The Datadog API key stays out
//! of `Debug`.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     DATADOG_API_KEY=… cargo run -p auth0-m2m-examples --features log_streams --example log_streams
//! ```
//!
//! Needs the scopes `create:log_streams` and `read:log_streams`. Without `AUTH0_DOMAIN`, a fake
//! tenant is started in-process (see the crate docs for the variables).

use std::process::ExitCode;

use auth0_m2m::management::log_streams::{CreateLogStreamDatadogRequestBody, LogStreamDatadogSink};
use auth0_m2m_examples::{BoxError, env, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let (client, _tenant) = management_client_from_env(FakeTenant::builder()).await?;
    let api_key = env("DATADOG_API_KEY").unwrap_or_else(|| "dd-api-key-for-the-fake".to_owned());

    let body = CreateLogStreamDatadogRequestBody::new(LogStreamDatadogSink::new(api_key, "us"))
        .with_name("datadog-us");
    let created = client.log_streams().create(body.into()).await?;
    let id = created
        .as_datadog()
        .ok_or("the new log stream is not a Datadog stream")?
        .id()
        .to_owned();

    let stream = client.log_streams().get(&id).await?;
    let datadog = stream.as_datadog().ok_or("read back as another type")?;
    // The sink's API key prints as [REDACTED].
    println!("{datadog:#?}");
    Ok(())
}
