//! Listing every User and every Group of a service provider, one page at a time
//! (`GET /Users` and `GET /Groups` with `startIndex` and `count`, RFC 7644 §3.4.2.4), for
//! reconciliation. It owns the paging rules: where the next page starts, when the listing ends,
//! and the guards against a server that ignores `startIndex` or never stops. It holds one page
//! at a time, never the whole listing, and it never retries: a failed request leaves the
//! listing where it was, so asking again asks for the same page (that is how the caller
//! retries).
//!
//! Index-based paging is not a snapshot: a resource created or deleted while the listing runs
//! may be missed or seen twice (RFC 7644 says so). Servers may also send fewer resources than
//! `count` (scim2-server caps a page at its `maxResults`, 1000); the next page then starts after
//! the last one received.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::connector::ScimConnector;
use super::resource::{Group, ListResponse, User};
use crate::connector::ConnectorError;

/// Resources asked for per page when listing every User or Group.
pub const LIST_PAGE_SIZE: u64 = 500;

/// Pages read at most in one listing, so a server whose listing never ends cannot keep
/// reconciliation busy forever (50 million resources at [`LIST_PAGE_SIZE`]).
pub const MAX_LIST_PAGES: u64 = 100_000;

/// A resource type that can be listed.
pub trait Listed: DeserializeOwned {
    /// The endpoint, e.g. `Users`.
    const ENDPOINT: &'static str;
    /// The attributes asked for (`id` always comes): only what reconciliation reads.
    const ATTRIBUTES: &'static str;
    /// The resource's server identifier.
    fn id(&self) -> &str;
}

impl Listed for User {
    const ENDPOINT: &'static str = "Users";
    const ATTRIBUTES: &'static str = "userName,externalId,active";

    fn id(&self) -> &str {
        &self.id
    }
}

impl Listed for Group {
    const ENDPOINT: &'static str = "Groups";
    const ATTRIBUTES: &'static str = "displayName,members";

    fn id(&self) -> &str {
        &self.id
    }
}

/// A listing of every resource of type `T`, read page by page with [`Pages::next_page`].
pub struct Pages<'c, T> {
    connector: &'c ScimConnector,
    cursor: Cursor,
    resources: PhantomData<fn() -> T>,
}

impl ScimConnector {
    /// Every User, `page_size` per request (at least 1), with `userName`, `externalId` and
    /// `active`.
    pub fn users(&self, page_size: u64) -> Pages<'_, User> {
        Pages::new(self, page_size)
    }

    /// Every Group, `page_size` per request (at least 1), with `displayName` and `members`.
    pub fn groups(&self, page_size: u64) -> Pages<'_, Group> {
        Pages::new(self, page_size)
    }
}

impl<'c, T: Listed> Pages<'c, T> {
    fn new(connector: &'c ScimConnector, page_size: u64) -> Self {
        Pages {
            connector,
            cursor: Cursor::new(page_size),
            resources: PhantomData,
        }
    }

    /// The next page of resources, `Ok(None)` once the listing is over. On an error the
    /// listing stays where it was: calling again requests the same page.
    pub fn next_page(&mut self) -> Result<Option<Vec<T>>, ConnectorError> {
        let Some((start, count)) = self.cursor.request() else {
            return Ok(None);
        };
        let (start, count) = (start.to_string(), count.to_string());
        let url = self.connector.url(
            &[T::ENDPOINT],
            &[
                ("startIndex", start.as_str()),
                ("count", count.as_str()),
                ("attributes", T::ATTRIBUTES),
            ],
        );
        let what = format!("ListResponse of {}", T::ENDPOINT);
        let page: ListResponse<T> =
            self.connector
                .get(&url, &what)?
                .ok_or_else(|| ConnectorError::Permanent {
                    message: format!("SCIM GET {}: 404 Not Found", url.path()),
                })?;
        self.cursor
            .advance(
                page.resources.len() as u64,
                page.total_results,
                page.resources.first().map(Listed::id),
            )
            .map_err(|reason| ConnectorError::Permanent {
                message: format!("SCIM GET {}: {reason}", url.path()),
            })?;
        Ok(Some(page.resources))
    }
}

/// Where a listing stands: the paging rules, apart from HTTP.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cursor {
    /// The 1-based index of the next page's first resource.
    next_start: u64,
    page_size: u64,
    pages: u64,
    done: bool,
    /// The id of the previous page's first resource, to notice a server repeating a page.
    previous_first: Option<String>,
}

impl Cursor {
    fn new(page_size: u64) -> Cursor {
        Cursor {
            next_start: 1,
            page_size: page_size.max(1),
            pages: 0,
            done: false,
            previous_first: None,
        }
    }

    /// The `startIndex` and `count` of the next request; `None` once the listing is over.
    fn request(&self) -> Option<(u64, u64)> {
        (!self.done).then_some((self.next_start, self.page_size))
    }

    /// Take in a page of `received` resources whose first has id `first`, the server counting
    /// `total` in all. The listing ends with an empty page or once `total` are seen.
    fn advance(&mut self, received: u64, total: u64, first: Option<&str>) -> Result<(), String> {
        self.pages += 1;
        if received == 0 {
            self.done = true;
            return Ok(());
        }
        if self.pages > 1 && first.is_some() && first == self.previous_first.as_deref() {
            return Err(format!(
                "the server sent the same page again for startIndex {} (totalResults {total}); \
                 it does not honour startIndex",
                self.next_start
            ));
        }
        let seen = (self.next_start - 1).saturating_add(received);
        if seen >= total {
            self.done = true;
            return Ok(());
        }
        if self.pages >= MAX_LIST_PAGES {
            return Err(format!(
                "the listing did not end after {MAX_LIST_PAGES} pages ({seen} of totalResults \
                 {total} seen)"
            ));
        }
        self.previous_first = first.map(str::to_owned);
        self.next_start = seen + 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Page through `pages` (received, total, first id) and return the requests made, or
    /// the error.
    fn walk(page_size: u64, pages: &[(u64, u64, &str)]) -> Result<Vec<(u64, u64)>, String> {
        let mut cursor = Cursor::new(page_size);
        let mut requests = Vec::new();
        for &(received, total, first) in pages {
            let Some(request) = cursor.request() else {
                break;
            };
            requests.push(request);
            cursor.advance(received, total, (received > 0).then_some(first))?;
        }
        assert_eq!(cursor.request(), None, "the listing ended");
        Ok(requests)
    }

    #[test]
    fn pages_follow_start_index_until_total_results() {
        assert_eq!(
            walk(500, &[(500, 1200, "a"), (500, 1200, "b"), (200, 1200, "c")]),
            Ok(vec![(1, 500), (501, 500), (1001, 500)])
        );
        // Exactly a multiple of the page size: no empty page is asked for.
        assert_eq!(
            walk(2, &[(2, 4, "a"), (2, 4, "c")]),
            Ok(vec![(1, 2), (3, 2)])
        );
        // No resources at all: one request.
        assert_eq!(walk(500, &[(0, 0, "")]), Ok(vec![(1, 500)]));
    }

    #[test]
    fn a_server_capping_the_page_size_is_followed_where_it_stopped() {
        // scim2-server answers count=5000 with its maxResults of 1000.
        assert_eq!(
            walk(
                5000,
                &[(1000, 2500, "a"), (1000, 2500, "b"), (500, 2500, "c")]
            ),
            Ok(vec![(1, 5000), (1001, 5000), (2001, 5000)])
        );
    }

    #[test]
    fn an_empty_page_ends_the_listing_even_when_total_said_more() {
        // Resources deleted while listing: the total shrinks after the fact.
        assert_eq!(
            walk(2, &[(2, 5, "a"), (0, 5, "")]),
            Ok(vec![(1, 2), (3, 2)])
        );
    }

    #[test]
    fn a_server_ignoring_start_index_is_an_error_not_a_loop() {
        let error = walk(2, &[(2, 6, "a"), (2, 6, "a")]).unwrap_err();
        assert_eq!(
            error,
            "the server sent the same page again for startIndex 3 (totalResults 6); it does not \
             honour startIndex"
        );
    }

    #[test]
    fn a_listing_that_never_ends_stops_at_the_page_cap() {
        let mut cursor = Cursor::new(1);
        let mut result = Ok(());
        let mut pages = 0;
        while cursor.request().is_some() && result.is_ok() {
            pages += 1;
            result = cursor.advance(1, u64::MAX, Some(&pages.to_string()));
        }
        assert_eq!(pages, MAX_LIST_PAGES);
        assert_eq!(
            result,
            Err(format!(
                "the listing did not end after {MAX_LIST_PAGES} pages ({MAX_LIST_PAGES} of \
                 totalResults {} seen)",
                u64::MAX
            ))
        );
    }

    #[test]
    fn a_page_size_of_zero_asks_for_one() {
        assert_eq!(Cursor::new(0).request(), Some((1, 1)));
    }
}
