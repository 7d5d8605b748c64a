//! The names most programs use, in one import.
//!
//! ```
//! use auth0_m2m::prelude::*;
//!
//! # #[cfg(feature = "users")]
//! # async fn run(client: ManagementClient) -> Result<(), Error> {
//! // `try_next` and `try_collect` come with the prelude (futures' stream traits).
//! let mut users = client.users().list().items();
//! while let Some(user) = users.try_next().await? {
//!     println!("{}", user.user_id());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! It holds the client and its builder, the per-call options and the answer with its metadata,
//! the error and its kinds, the tri-state [`Nullable`] of request properties that may be
//! `null`, [`Secret`] and [`Timestamp`], and the stream traits of `futures` (imported
//! anonymously, for their methods only). The request and answer types of an operation group
//! are one more import each: `use auth0_m2m::management::clients::*;`.

pub use crate::management::{Nullable, Secret, Timestamp};
pub use crate::{
    CallOptions, Error, ErrorKind, ManagementClient, ManagementClientBuilder, Response,
    ResponseMeta,
};
pub use futures_util::{StreamExt as _, TryStreamExt as _};
