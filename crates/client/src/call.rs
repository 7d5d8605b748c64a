//! [`Call`]: one operation bound to a client, with its per-call options, ready to be sent.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use auth0_m2m_management::Endpoint;

use crate::client::ManagementClient;
use crate::error::Error;
use crate::response::{CallOptions, Response};

/// The future of a [`Call`] or a [`List`](crate::List) that is `.await`ed directly.
pub type CallFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

/// A request builder for one operation that is not a list: the operation's required inputs
/// are already set, its optional query parameters are methods of the builder, and
/// [`options`](Self::options) changes this call only (per-attempt timeout, whole-call
/// deadline, headers, retries).
///
/// `.await` sends it and gives the answer's body; [`send_with_response`](Self::send_with_response)
/// gives the body with its [`ResponseMeta`](crate::ResponseMeta) (status, request id, rate
/// limit, quotas). Nothing is sent before either.
///
/// Returned by the methods of the resource handles (`client.actions().get(id)`,
/// `client.log_streams().create(body)`…) and by [`ManagementClient::call`] for any
/// [`Endpoint`]. Lists return a [`List`](crate::List) instead.
///
/// ```no_run
/// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
/// use auth0_m2m::CallOptions;
/// use std::time::Duration;
///
/// // The answer's body.
/// let action = client.actions().get("act_123").await?;
/// println!("{:?}", action.name);
///
/// // The same call with limits of its own (5 s per attempt, 12 s in all, retries and their
/// // waits included), and the answer's metadata.
/// let response = client
///     .actions()
///     .get("act_123")
///     .options(
///         CallOptions::new()
///             .timeout(Duration::from_secs(5))
///             .deadline(Duration::from_secs(12)),
///     )
///     .send_with_response()
///     .await?;
/// eprintln!("{:?} calls left", response.meta().rate_limit().remaining);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is sent or awaited"]
pub struct Call<E> {
    client: ManagementClient,
    endpoint: E,
    options: CallOptions,
}

impl ManagementClient {
    /// Binds any endpoint to this client as a [`Call`], to be `.await`ed or configured first.
    ///
    /// ```no_run
    /// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
    /// use auth0_m2m::management::users::GetUser;
    /// let user = client.call(GetUser::new("auth0|123")).await?;
    /// println!("{:?}", user.email);
    /// # Ok(())
    /// # }
    /// ```
    pub fn call<E: Endpoint>(&self, endpoint: E) -> Call<E> {
        Call {
            client: self.clone(),
            endpoint,
            options: CallOptions::default(),
        }
    }
}

/// The methods every request builder has: its per-call options, its endpoint, and the
/// endpoint change its generated setters make. `$what` says what the options apply to.
macro_rules! builder_basics {
    ($builder:ident, $what:literal) => {
        impl<E> $builder<E> {
            #[doc = concat!(
                "Sets per-call options (per-attempt timeout, whole-call deadline, extra headers, ",
                "retry budget, application name) ",
                "for ", $what, "; they replace the options set before."
            )]
            pub fn options(mut self, options: $crate::CallOptions) -> Self {
                self.options = options;
                self
            }

            /// The endpoint this builder sends.
            pub fn endpoint(&self) -> &E {
                &self.endpoint
            }

            /// The per-call options set with [`options`](Self::options).
            pub fn call_options(&self) -> &$crate::CallOptions {
                &self.options
            }

            /// Changes the endpoint: the builder's setters of optional parameters use this.
            // A build may enable no operation group, and so no setter.
            #[allow(dead_code)]
            pub(crate) fn map_endpoint(mut self, f: impl FnOnce(E) -> E) -> Self {
                self.endpoint = f(self.endpoint);
                self
            }
        }
    };
}
pub(crate) use builder_basics;

builder_basics!(Call, "this call");

impl<E> Call<E> {
    /// The client this call is sent with.
    #[cfg_attr(not(feature = "actions"), allow(dead_code))]
    pub(crate) fn client(&self) -> &ManagementClient {
        &self.client
    }
}

impl<E: Endpoint> Call<E> {
    /// Sends the call and reads the answer's body (what `.await` on the call does).
    pub async fn send(self) -> Result<E::Response, Error> {
        self.send_with_response().await.map(Response::into_body)
    }

    /// Sends the call and returns the answer's body with its metadata (status, headers,
    /// request id, rate limit, quotas).
    pub async fn send_with_response(self) -> Result<Response<E::Response>, Error> {
        self.client
            .execute_with(&self.endpoint, &self.options)
            .await
    }
}

impl<E> IntoFuture for Call<E>
where
    E: Endpoint + Send + Sync + 'static,
    E::Response: Send + 'static,
{
    type Output = Result<E::Response, Error>;
    type IntoFuture = CallFuture<E::Response>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
