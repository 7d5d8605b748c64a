//! [`List`]: a list endpoint bound to a client, paged as streams.

use std::collections::HashSet;
use std::future::IntoFuture;

use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use auth0_m2m_management::{Endpoint, Page, PageRequest, Paginated};

use crate::call::CallFuture;
use crate::client::ManagementClient;
use crate::error::Error;
use crate::response::{CallOptions, Response};

/// The page size used when a [`List`] has no page request: 100, the largest the Management API
/// accepts, so that a full listing takes as few requests as possible.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// The most pages an offset walk reads before it stops with [`Error::Pagination`]: 10,000,
/// far above Auth0's 1,000-result offset window even at one item per page. Only a server
/// whose pages are always full and carry no `total` gets there.
pub const MAX_OFFSET_PAGES: u64 = 10_000;

/// A stream of pages with their metadata, as returned by [`List::responses`].
pub type ResponseStream<T> = BoxStream<'static, Result<Response<Page<T>>, Error>>;

/// A stream of pages, as returned by [`List::pages`].
pub type PageStream<T> = BoxStream<'static, Result<Page<T>, Error>>;

/// A stream of items, as returned by [`List::items`].
pub type ItemStream<T> = BoxStream<'static, Result<T, Error>>;

/// The request builder of every list operation: a paginated endpoint bound to a client, whose
/// optional filters are methods of the builder. Stream every item ([`items`](Self::items)),
/// page ([`pages`](Self::pages)) or answer with its metadata ([`responses`](Self::responses)),
/// collect every item ([`collect_all`](Self::collect_all)), or send one page
/// ([`send`](Self::send), or `.await` on the list). [`options`](Self::options) apply to every
/// page request: a [`deadline`](crate::CallOptions::deadline) bounds each page's call (its
/// token fetch, attempts and retries), not the whole walk.
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
/// // Every user of a domain, item by item.
/// let users: Vec<_> = client
///     .users()
///     .list()
///     .q("email.domain:\"example.com\"")
///     .items()
///     .try_collect()
///     .await?;
/// // The first page only.
/// let first = client.roles().list().await?;
/// println!("{} roles on the first page", first.items().len());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a list does nothing until it is sent or streamed"]
pub struct List<E> {
    client: ManagementClient,
    endpoint: E,
    options: CallOptions,
}

impl ManagementClient {
    /// Binds any paginated endpoint to this client.
    pub fn list<E: Paginated>(&self, endpoint: E) -> List<E> {
        List {
            client: self.clone(),
            endpoint,
            options: CallOptions::default(),
        }
    }
}

crate::call::builder_basics!(List, "every page request");

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

    /// Sends one request: the page set with [`page`](Self::page), or the server's default
    /// first page when none was set (what `.await` on the list does).
    ///
    /// Like [`Call::send`](crate::Call::send) it takes the list, so the futures of several
    /// lists can be awaited together (clone a list first to send it again):
    ///
    /// ```no_run
    /// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
    /// let lists = [client.roles().list(), client.roles().list().name_filter("admin")];
    /// let pages = futures::future::join_all(lists.map(|list| list.send())).await;
    /// for page in pages {
    ///     println!("{} roles", page?.items().len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<Page<E::Item>, Error> {
        self.send_with_response().await.map(Response::into_body)
    }

    /// Like [`send`](Self::send), with the answer's metadata (rate limit, request id…).
    pub async fn send_with_response(self) -> Result<Response<Page<E::Item>>, Error> {
        self.client
            .execute_with(&self.endpoint, &self.options)
            .await
    }

    /// Every page from the one set with [`page`](Self::page) (or the first page in the
    /// preferred style) to the last, one request per page, as a stream. The stream ends after
    /// the first error.
    ///
    /// A walk that cannot end is stopped with [`Error::Pagination`]: a checkpoint cursor that
    /// comes back a second time, or more than [`MAX_OFFSET_PAGES`] offset pages.
    pub fn pages(self) -> PageStream<E::Item> {
        self.responses().map_ok(Response::into_body).boxed()
    }

    /// Every page as [`pages`](Self::pages) does, each with its answer's metadata, so that a
    /// long walk can watch its rate limit:
    ///
    /// ```no_run
    /// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
    /// use futures::TryStreamExt;
    /// let mut pages = client.users().list().responses();
    /// while let Some(page) = pages.try_next().await? {
    ///     let remaining = page.meta().rate_limit().remaining;
    ///     eprintln!("{} users, {remaining:?} calls left", page.body().items().len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn responses(self) -> ResponseStream<E::Item> {
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
        let options = self.options;
        let mut cursors = HashSet::new();
        if let Some(PageRequest::Checkpoint(c)) = endpoint.page_request()
            && let Some(from) = &c.from
        {
            cursors.insert(from.clone());
        }
        let walk = Walk {
            endpoint: Some(endpoint),
            cursors,
            pages: 0,
            stop: None,
        };
        stream::try_unfold(walk, move |mut walk| {
            let client = client.clone();
            let options = options.clone();
            async move {
                if let Some(stop) = walk.stop.take() {
                    return Err(stop);
                }
                let Some(endpoint) = walk.endpoint.take() else {
                    return Ok(None);
                };
                let response = client.execute_with(&endpoint, &options).await?;
                walk.pages += 1;
                if let Some(next) = endpoint.next_page_request(response.body()) {
                    // The page just read is real: it is yielded, and the walk stops after it.
                    match walk.check(&endpoint, &next) {
                        Ok(()) => {
                            let mut following = endpoint.clone();
                            following.set_page(next).map_err(Error::Request)?;
                            walk.endpoint = Some(following);
                        }
                        Err(stop) => walk.stop = Some(stop),
                    }
                }
                Ok(Some((response, walk)))
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

impl<E> IntoFuture for List<E>
where
    E: Paginated + Clone + Send + Sync + 'static,
    E::Item: Send + 'static,
{
    type Output = Result<Page<E::Item>, Error>;
    type IntoFuture = CallFuture<Page<E::Item>>;

    /// One page, as [`send`](Self::send) reads it.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send().await })
    }
}

/// The state of a paging walk: the next request, every cursor seen, the pages read.
struct Walk<E> {
    endpoint: Option<E>,
    cursors: HashSet<String>,
    pages: u64,
    /// Why the walk stops after the page it just yielded.
    stop: Option<Error>,
}

impl<E: Endpoint> Walk<E> {
    /// Refuses a next page that would make the walk endless.
    fn check(&mut self, endpoint: &E, next: &PageRequest) -> Result<(), Error> {
        let stop = |reason: String| Error::Pagination {
            path: endpoint.path(),
            reason,
        };
        if let PageRequest::Checkpoint(c) = next {
            if let Some(from) = &c.from
                && !self.cursors.insert(from.clone())
            {
                return Err(stop(format!(
                    "the server sent the checkpoint cursor {:?} a second time (after {} pages)",
                    from.chars().take(40).collect::<String>(),
                    self.pages
                )));
            }
        } else if self.pages >= MAX_OFFSET_PAGES {
            return Err(stop(format!(
                "{} offset pages were read and every one was full without a `total`",
                self.pages
            )));
        }
        Ok(())
    }
}
