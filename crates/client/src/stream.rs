//! [`List`]: a list endpoint bound to a client, paged as streams.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use auth0_m2m_management::{Page, PageRequest, Paginated};

use crate::client::ManagementClient;
use crate::error::Error;

/// The page size used when a [`List`] has no page request: 100, the largest the Management API
/// accepts, so that a full listing takes as few requests as possible.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// A stream of pages, as returned by [`List::pages`].
pub type PageStream<T> = BoxStream<'static, Result<Page<T>, Error>>;

/// A stream of items, as returned by [`List::items`].
pub type ItemStream<T> = BoxStream<'static, Result<T, Error>>;

/// A paginated list endpoint bound to a client: send one page, or stream every page or
/// every item.
///
/// Created by the resource handles (`client.clients().list()`, `client.users().list()`…) or
/// by [`ManagementClient::list`] for any [`Paginated`] endpoint.
///
/// Without a page request, the streams use the endpoint's preferred style (checkpoint when
/// it supports it, which is not limited to the first 1000 results, else offset) with pages
/// of [`DEFAULT_PAGE_SIZE`] items.
///
/// ```no_run
/// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
/// use auth0_m2m::management::PageRequest;
/// use futures::TryStreamExt;
///
/// // Offset pagination, 50 per page, with totals.
/// let mut pages = client.clients().list().page(PageRequest::offset(50)?)?.pages();
/// while let Some(page) = pages.try_next().await? {
///     println!("{} of {:?}", page.items().len(), page.total());
/// }
/// // Every user, item by item.
/// let users: Vec<_> = client
///     .users()
///     .list_with(|l| l.q("email.domain:\"example.com\""))
///     .items()
///     .try_collect()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a list does nothing until it is sent or streamed"]
pub struct List<E> {
    client: ManagementClient,
    endpoint: E,
}

impl ManagementClient {
    /// Binds any paginated endpoint to this client.
    pub fn list<E: Paginated>(&self, endpoint: E) -> List<E> {
        List {
            client: self.clone(),
            endpoint,
        }
    }
}

impl<E> List<E>
where
    E: Paginated + Clone + Send + Sync + 'static,
    E::Item: Send + 'static,
{
    /// Sets the page request: its style (offset or checkpoint), page size and starting point.
    /// Fails when the endpoint does not support the style.
    pub fn page(mut self, request: PageRequest) -> Result<Self, Error> {
        self.endpoint.set_page(request).map_err(Error::Request)?;
        Ok(self)
    }

    /// Changes the endpoint (filters, fields, sort…).
    pub fn configure(mut self, f: impl FnOnce(E) -> E) -> Self {
        self.endpoint = f(self.endpoint);
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &E {
        &self.endpoint
    }

    /// Sends one request: the page set with [`page`](Self::page), or the server's default
    /// first page when none was set.
    pub async fn send(&self) -> Result<Page<E::Item>, Error> {
        self.client.execute(&self.endpoint).await
    }

    /// Every page from the one set with [`page`](Self::page) (or the first page in the
    /// preferred style) to the last, one request per page, as a stream. The stream ends after
    /// the first error.
    pub fn pages(self) -> PageStream<E::Item> {
        let mut endpoint = self.endpoint;
        if endpoint.page_request().is_none() {
            let style = endpoint.pagination().preferred();
            match PageRequest::first(style, DEFAULT_PAGE_SIZE) {
                Ok(first) => {
                    if let Err(e) = endpoint.set_page(first) {
                        return stream::once(async move { Err(Error::Request(e)) }).boxed();
                    }
                }
                Err(e) => return stream::once(async move { Err(Error::Request(e)) }).boxed(),
            }
        }
        let client = self.client;
        stream::try_unfold(Some(endpoint), move |state| {
            let client = client.clone();
            async move {
                let Some(endpoint) = state else {
                    return Ok(None);
                };
                let page = client.execute(&endpoint).await?;
                let current = endpoint.page_request().cloned();
                let next = match endpoint.next_page_request(&page) {
                    // A cursor that does not move would page forever.
                    Some(next) if Some(&next) != current.as_ref() => {
                        let mut following = endpoint.clone();
                        following.set_page(next).map_err(Error::Request)?;
                        Some(following)
                    }
                    _ => None,
                };
                Ok(Some((page, next)))
            }
        })
        .boxed()
    }

    /// Every item of every page (see [`pages`](Self::pages)), as a stream.
    pub fn items(self) -> ItemStream<E::Item> {
        self.pages()
            .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Collects every item of every page.
    pub async fn collect_all(self) -> Result<Vec<E::Item>, Error> {
        self.items().try_collect().await
    }
}
