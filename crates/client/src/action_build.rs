//! [`WaitUntilBuilt`]: waits for Auth0 to build an action before it is deployed.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use auth0_m2m_management::actions::{Action, GetAction};
use serde_json::Value;

use crate::call::Call;
use crate::client::Deadline;
use crate::error::Error;
use crate::handles::actions::Actions;
use crate::response::CallOptions;

/// How long [`Actions::wait_until_built`] waits when neither the call's options nor the
/// client set a deadline: 5 minutes. Auth0 builds an action in seconds; one that is still not
/// built after this is stuck, and waiting on would hang the caller.
pub const DEFAULT_BUILD_WAIT: Duration = Duration::from_secs(300);

/// The first pause between two reads of the action: 500 ms. Each pause doubles up to
/// [`MAX_POLL_INTERVAL`].
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The longest pause between two reads of the action: 5 s.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The most build errors an [`Error::ActionBuildFailed`] keeps.
const MAX_BUILD_ERRORS: usize = 20;

impl Actions<'_> {
    /// Waits until Auth0 has built the action `id`, which it does asynchronously after a
    /// create or an update (status `pending`, then `building`, then `built`, or `failed`), and
    /// refuses to deploy a draft that is not built. Returns the built action; `.await` it, or
    /// set [`options`](WaitUntilBuilt::options) first.
    ///
    /// It reads `GET /api/v2/actions/actions/{id}` (scope `read:actions`) until its `status`
    /// is `built` (compared without regard to case; an answer without a `status` counts as
    /// built, the default of Auth0's API description), pausing 500 ms, then twice as long each
    /// time up to 5 s. Other statuses (`pending`, `building`, `packaged`, `retrying`, or one
    /// this crate does not know) are waited out.
    ///
    /// - A `failed` build is an [`Error::ActionBuildFailed`] with the status and the build
    ///   errors Auth0 sent (the action's `errors`, else its current version's).
    /// - The wait is bounded by the deadline of the options
    ///   ([`CallOptions::deadline`](crate::CallOptions::deadline)), else the client's
    ///   ([`with_deadline`](crate::ManagementClientBuilder::with_deadline)), else
    ///   [`DEFAULT_BUILD_WAIT`]: the deadline covers every read and every pause, and a pause
    ///   that would end at or past it is not started; either way the wait ends with an
    ///   [`Error::DeadlineExceeded`] whose `attempts` count the reads.
    /// - Each read is a call with the options' timeout, headers and retries; a read that
    ///   fails (a 404, a 429 beyond its retries…) ends the wait with its error.
    ///
    /// ```no_run
    /// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
    /// use auth0_m2m::CallOptions;
    /// use std::time::Duration;
    ///
    /// let built = client
    ///     .actions()
    ///     .wait_until_built("act_123")
    ///     .options(CallOptions::new().deadline(Duration::from_secs(60)))
    ///     .await?;
    /// client.actions().deploy(built.id()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_until_built(&self, id: &str) -> WaitUntilBuilt {
        WaitUntilBuilt {
            read: self.get(id),
            id: id.to_owned(),
        }
    }
}

/// Waits for an action's build; created by
/// [`client.actions().wait_until_built(id)`](Actions::wait_until_built), which describes
/// the rules. `.await` it, or [`send`](Self::send) it. Nothing is sent before either.
#[derive(Debug, Clone)]
#[must_use = "a wait does nothing until it is awaited"]
pub struct WaitUntilBuilt {
    /// The read of the action, with the options of every read.
    read: Call<GetAction>,
    id: String,
}

impl WaitUntilBuilt {
    /// Sets the options of the wait: its [`deadline`](CallOptions::deadline) bounds the whole
    /// wait, the other options apply to each read of the action. They replace the options
    /// set before.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.read = self.read.options(options);
        self
    }

    /// Waits until the action is built, and returns it (what `.await` does).
    pub async fn send(self) -> Result<Action, Error> {
        let client = self.read.client().clone();
        let mut options = self.read.call_options().clone();
        let limit = options
            .deadline
            .or(client.inner.deadline)
            .unwrap_or(DEFAULT_BUILD_WAIT);
        let deadline = Deadline::start(Some(limit));
        let endpoint = self.read.endpoint().clone();
        let prepared = crate::client::prepare(&endpoint)?;
        let mut reads: u32 = 0;
        let mut pause = FIRST_POLL_INTERVAL;
        loop {
            // Each read gets what is left of the wait's deadline, so that it neither outlasts
            // it nor starts a retry wait that would.
            let Some(left) = deadline.remaining().filter(|left| !left.is_zero()) else {
                return Err(deadline.exceeded(&prepared, reads));
            };
            options.deadline = Some(left);
            reads += 1;
            let action = match client.execute_with(&endpoint, &options).await {
                Ok(response) => response.into_body(),
                Err(Error::DeadlineExceeded { .. }) => {
                    return Err(deadline.exceeded(&prepared, reads));
                }
                Err(e) => return Err(e),
            };
            let status = action
                .status
                .as_ref()
                .map(|s| s.as_str().to_ascii_lowercase());
            match status.as_deref() {
                None | Some("built") => return Ok(action),
                Some("failed") => {
                    let errors = build_errors(&action);
                    return Err(Error::ActionBuildFailed {
                        id: self.id,
                        status: action
                            .status
                            .map(|s| s.as_str().to_owned())
                            .unwrap_or_default(),
                        errors,
                    });
                }
                Some(other) => {
                    tracing::debug!(action = %self.id, status = other, retry_in = ?pause, "the action is not built yet");
                }
            }
            if !deadline.leaves_time_after(pause) {
                return Err(deadline.exceeded(&prepared, reads));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL_INTERVAL);
        }
    }
}

impl IntoFuture for WaitUntilBuilt {
    type Output = Result<Action, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Action, Error>> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The build errors of a failed action: its own `errors` when Auth0 sent them, else those of
/// its `current_version` (the version being built). The deployed version's errors are not
/// about this build.
fn build_errors(action: &Action) -> Vec<Value> {
    let from = |value: Option<&Value>| -> Option<Vec<Value>> {
        value
            .and_then(Value::as_array)
            .filter(|errors| !errors.is_empty())
            .cloned()
    };
    let mut errors = from(action.extra.get("errors"))
        .or_else(|| {
            from(
                action
                    .extra
                    .get("current_version")
                    .and_then(|v| v.get("errors")),
            )
        })
        .unwrap_or_default();
    errors.truncate(MAX_BUILD_ERRORS);
    errors
}
