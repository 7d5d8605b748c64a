//! Creates an action for the `post-login` trigger, waits until Auth0 has built it, deploys it,
//! and binds it to the trigger, so that it runs on every login.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     cargo run -p auth0-m2m-examples --features actions --example actions
//! ```
//!
//! Needs the scopes `create:actions`, `update:actions` and `read:actions`. Without
//! `AUTH0_DOMAIN`, a fake tenant is started in-process.

use std::process::ExitCode;
use std::time::Duration;

use auth0_m2m::CallOptions;
use auth0_m2m::management::actions::{
    ActionBindingRef, ActionBindingWithRef, ActionTrigger, CreateActionRequestContent,
    UpdateActionBindingsRequestContent,
};
use auth0_m2m_examples::{BoxError, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;

const CODE: &str = "exports.onExecutePostLogin = async (event, api) => {\n  \
                    api.idToken.setCustomClaim('https://example.com/plan', 'pro');\n};";

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let (client, _tenant) = management_client_from_env(FakeTenant::builder()).await?;

    let trigger = ActionTrigger::new("post-login").with_version("v3");
    let body = CreateActionRequestContent::new("add-plan-claim", vec![trigger])
        .with_code(CODE)
        .with_runtime("node22");
    let action = client.actions().create(body).await?;
    // Auth0 builds the action in the background and refuses to deploy it before it is built.
    let built = client
        .actions()
        .wait_until_built(action.id())
        .options(CallOptions::new().deadline(Duration::from_secs(60)))
        .await?;
    client.actions().deploy(built.id()).await?;

    let binding = ActionBindingWithRef::new(
        ActionBindingRef::new()
            .with_type("action_id")
            .with_value(action.id()),
    )
    .with_display_name("add-plan-claim");
    let bindings = client
        .actions()
        .triggers()
        .bindings()
        .update_many(
            "post-login",
            UpdateActionBindingsRequestContent::new().with_bindings(vec![binding]),
        )
        .await?;
    println!("{}", serde_json::to_string_pretty(&bindings)?);
    Ok(())
}
