//! Page/limit pagination over list operations, as a `Stream` that owns what it needs. It does
//! not depend on the spec, so a spec without list operations leaves it unused.

use crate::auth::HookId;
use crate::error::Error;
pub use crate::operation::Paging;
use crate::operation::{decode_error, Args, Operation};
use crate::options::RequestOptions;
use crate::transport::{Ctx, Transport};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::Hasher;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Every item of a page/limit list, fetched one page at a time as they are consumed.
///
/// The next page is requested while `page × limit < total`; an empty page ends the list.
/// A server whose pages do not add up ends it with [`Error::Pagination`]: a page other than the
/// one asked for, a page whose items repeat an earlier page's (neither page's items are
/// returned), or a page size of zero or less (that page's items come first, then the error).
///
/// `Pages` is a [`Stream`](futures_core::Stream) of `Result<T, Error>` that owns a cheap clone of
/// the client, so it can be returned from functions, spawned on a task and combined with
/// `futures::StreamExt`/`TryStreamExt` (`try_collect`, `take`, …). Dropping it stops: the
/// page being fetched is cancelled and no further page is requested. Without those traits,
/// call [`next`](Self::next) in a loop, [`next_page`](Self::next_page) for whole pages, or
/// [`collect`](Self::collect) for all items. After an error, the list ends.
pub struct Pages<T> {
    /// The listing's state; `None` while `fetching` holds it.
    cursor: Option<Cursor>,
    /// The page being fetched, which hands the cursor back when done.
    fetching: Option<Fetch<T>>,
    /// Items of the last page not yet returned.
    buffer: VecDeque<T>,
}

/// A page being fetched: resolves to the cursor and the page.
type Fetch<T> = Pin<Box<dyn Future<Output = (Cursor, Result<Option<Vec<T>>, Error>)> + Send>>;

// `Pages` never pins its items: they only move in and out of the buffer.
impl<T> Unpin for Pages<T> {}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Pages");
        if let Some(cursor) = &self.cursor {
            debug
                .field("operation", &cursor.op.id)
                .field("next_page", &cursor.next_page);
        }
        debug
            .field("fetching", &self.fetching.is_some())
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> Pages<T> {
    // Public for the SDK crate, not for its users.
    #[doc(hidden)]
    pub fn new(
        ctx: Ctx<'_>,
        (op, paging): (&'static Operation, &'static Paging),
        path: Result<String, Error>,
        query: Result<Option<Value>, Error>,
        body: Result<Option<Value>, Error>,
    ) -> Self {
        let (path, query, body, error) = match (path, query, body) {
            (Ok(path), Ok(query), Ok(body)) => (path, query, body, None),
            (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
                (String::new(), None, None, Some(error))
            }
        };
        let request = if paging.in_query { &query } else { &body };
        let first = request
            .as_ref()
            .and_then(|r| r.get(paging.page))
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let cursor = Cursor {
            transport: Arc::clone(ctx.transport),
            options: ctx.options.clone(),
            op,
            paging,
            path,
            query,
            body,
            next_page: Some(first),
            seen: HashSet::new(),
            error,
        };
        Pages {
            cursor: Some(cursor),
            fetching: None,
            buffer: VecDeque::new(),
        }
    }

    /// The next item, fetching the next page when the current one is used up;
    /// `Ok(None)` after the last item.
    pub async fn next(&mut self) -> Result<Option<T>, Error> {
        std::future::poll_fn(|cx| self.poll_item(cx))
            .await
            .transpose()
    }

    /// The items of the current page that [`next`](Self::next) has not returned yet, if any;
    /// else the next whole page. `Ok(None)` after the last page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, Error> {
        if !self.buffer.is_empty() {
            return Ok(Some(self.buffer.drain(..).collect()));
        }
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    /// Every remaining item, in order.
    pub async fn collect(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(items) = self.next_page().await? {
            all.extend(items);
        }
        Ok(all)
    }

    /// Polls for the next item: from the buffer, else from the next page.
    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(self.poll_page(cx)) {
                Ok(Some(items)) => self.buffer.extend(items),
                Ok(None) => return Poll::Ready(None),
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
        }
    }

    /// Polls for the next page from the server, starting its request if none is under way.
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Vec<T>>, Error>> {
        let fetching = match (&mut self.fetching, self.cursor.take()) {
            (Some(fetching), _) => fetching,
            (None, None) => return Poll::Ready(Ok(None)),
            (None, Some(cursor)) if cursor.is_done() => {
                self.cursor = Some(cursor);
                return Poll::Ready(Ok(None));
            }
            (fetching @ None, Some(cursor)) => fetching.insert(Box::pin(cursor.fetch())),
        };
        let (cursor, page) = ready!(fetching.as_mut().poll(cx));
        self.fetching = None;
        self.cursor = Some(cursor);
        Poll::Ready(page)
    }
}

impl<T: DeserializeOwned + Send + 'static> futures_core::Stream for Pages<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.buffer.len(), None)
    }
}

/// Where a listing stands: the request to repeat and the page to ask for next.
struct Cursor {
    transport: Arc<Transport>,
    options: RequestOptions,
    op: &'static Operation,
    paging: &'static Paging,
    path: String,
    query: Option<Value>,
    body: Option<Value>,
    /// The page to request next; `None` once the list has ended.
    next_page: Option<i64>,
    /// Fingerprints of the pages received, to notice a server that repeats itself.
    seen: HashSet<u64>,
    /// An error to return at the next fetch: found before anything was sent, or after a page
    /// whose items were handed over but whose successor cannot be known.
    error: Option<Error>,
}

impl Cursor {
    /// Whether the list has ended.
    fn is_done(&self) -> bool {
        self.next_page.is_none() && self.error.is_none()
    }

    /// Fetches the next page, handing the cursor back with it; after an error the list ends.
    async fn fetch<T: DeserializeOwned>(mut self) -> (Self, Result<Option<Vec<T>>, Error>) {
        let page = self.fetch_page().await;
        if page.is_err() {
            self.next_page = None;
        }
        (self, page)
    }

    /// The next page's items: the page is received and checked without `T` (see [`receive`]),
    /// so that only decoding the items is compiled per item type.
    ///
    /// [`receive`]: Self::receive
    async fn fetch_page<T: DeserializeOwned>(&mut self) -> Result<Option<Vec<T>>, Error> {
        let Some(received) = self.receive().await? else {
            return Ok(None);
        };
        let items: Vec<T> =
            serde_json::from_str(received.items()).map_err(|e| self.items_error(&received, &e))?;
        self.advance(&received, items.len());
        Ok(Some(items))
    }

    /// Asks for the next page (`None` once the list has ended) and checks that it is the page
    /// asked for, with items no earlier page had.
    async fn receive(&mut self) -> Result<Option<Received>, Error> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let Some(page) = self.next_page.take() else {
            return Ok(None);
        };
        let paging = self.paging;
        let request = if paging.in_query {
            &mut self.query
        } else {
            &mut self.body
        };
        let object = request.get_or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(fields) = object {
            fields.insert(paging.page.to_owned(), Value::from(page));
        }
        let mut args = Args::NONE;
        if let Some(query) = &self.query {
            args = args.query(query)?;
        }
        if let Some(body) = &self.body {
            args = args
                .body(body)?
                .own_hook_id(body.get(HookId::BODY_FIELD).is_some());
        }
        let (status, mut fields): (u16, RawPage) = self
            .transport
            .send_value(self.op, &self.options, &self.path, args)
            .await?;
        if let Some(answered) = fields.number(paging.page).filter(|n| *n != page) {
            return Err(self.stop(page, format!("the server answered page {answered} instead")));
        }
        let limit = fields.number(paging.limit);
        let total = fields.number(paging.total);
        let items = fields.take(paging.items);
        let received = Received {
            page,
            status,
            limit,
            total,
            items,
        };
        // Empty pages are fingerprinted too: one ends the list, so it never repeats another.
        if !self.seen.insert(received.fingerprint()) {
            let reason =
                "its items repeat an earlier page's (the server seems to ignore the page number)";
            return Err(self.stop(page, reason.to_owned()));
        }
        Ok(Some(received))
    }

    /// Sets the page to ask for next, if any, from a received page of `count` items. A page
    /// that cannot be followed (its page size is zero or less, or no page number comes after
    /// it) still hands over its items: the error ends the list at the next fetch.
    fn advance(&mut self, received: &Received, count: usize) {
        let page = received.page;
        if let Some(limit) = received.limit.filter(|limit| *limit <= 0) {
            let reason = format!("the server's page size `{}` is {limit}", self.paging.limit);
            self.error = Some(self.stop(page, reason));
            return;
        }
        let limit = received
            .limit
            .unwrap_or_else(|| i64::try_from(count).unwrap_or(i64::MAX));
        // Checked: `page`, `limit` and `total` come from the server.
        let more = received.total.is_some_and(|total| {
            page.checked_mul(limit)
                .is_some_and(|fetched| fetched < total)
        });
        if count > 0 && more {
            match page.checked_add(1) {
                Some(next) => self.next_page = Some(next),
                None => {
                    let reason = "there is no page number after it".to_owned();
                    self.error = Some(self.stop(page, reason));
                }
            }
        }
    }

    /// The error that ends the list at `page`.
    fn stop(&self, page: i64, reason: String) -> Error {
        Error::Pagination {
            operation: self.op.id,
            page,
            reason,
        }
    }

    /// A page's items did not decode: the error in the words a parsed value gives (without
    /// `serde_json`'s position, which counts from the items' start, not the body's), masked.
    fn items_error(&self, received: &Received, error: &serde_json::Error) -> Error {
        let text = error.to_string();
        let position = format!(" at line {} column {}", error.line(), error.column());
        let text = match error.line() {
            0 => &text,
            _ => text.strip_suffix(&position).unwrap_or(&text),
        };
        let message = format!("`{}` of page {}: {text}", self.paging.items, received.page);
        let secret = self.transport.token().secret();
        decode_error(received.status, &message, b"", secret)
    }
}

/// A page as received, before its items are decoded.
struct Received {
    /// The page asked for (and answered, if the server said).
    page: i64,
    /// The HTTP status.
    status: u16,
    /// The page size the server gave, if it gave a whole number.
    limit: Option<i64>,
    /// The total the server gave, if it gave a whole number.
    total: Option<i64>,
    /// The items' JSON text, if the page had the field.
    items: Option<Box<RawValue>>,
}

impl Received {
    /// The items' JSON text; a missing field reads as `null`.
    fn items(&self) -> &str {
        self.items.as_deref().map_or("null", RawValue::get)
    }

    /// A cheap fingerprint of the items: a 64-bit hash of their JSON text as it arrived. A
    /// server that ignores the page number sends the same text again.
    fn fingerprint(&self) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write(self.items().as_bytes());
        hasher.finish()
    }
}

/// The fields of a page object (or of a payload that is not an object: none), their values as
/// unparsed JSON text. Which fields count is known only at run time (from [`Paging`]), and
/// the items are decoded from their text afterwards: one type for every list, so that nothing
/// here is compiled per item type.
#[derive(Default)]
struct RawPage(Vec<(String, Box<RawValue>)>);

impl RawPage {
    /// Where the field `name` is; of repeated fields, the last counts (as in a parsed `Value`).
    fn position(&self, name: &str) -> Option<usize> {
        self.0.iter().rposition(|(key, _)| key == name)
    }

    /// The field `name` as a whole number: absent when missing or anything else (a string, a
    /// fraction, out of range), as `Value::as_i64` reads it.
    fn number(&self, name: &str) -> Option<i64> {
        let (_, text) = &self.0[self.position(name)?];
        let number: serde_json::Number = serde_json::from_str(text.get()).ok()?;
        number.as_i64()
    }

    /// Takes the field `name` out.
    fn take(&mut self, name: &str) -> Option<Box<RawValue>> {
        let at = self.position(name)?;
        Some(self.0.swap_remove(at).1)
    }
}

impl<'de> serde::Deserialize<'de> for RawPage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawPageVisitor)
    }
}

struct RawPageVisitor;

/// Anything but an object is a page without fields.
macro_rules! no_fields {
    ($($visit:ident($($ty:ty)?)),*) => {
        $(fn $visit<E: serde::de::Error>(self $(, _: $ty)?) -> Result<RawPage, E> {
            Ok(RawPage::default())
        })*
    };
}

impl<'de> serde::de::Visitor<'de> for RawPageVisitor {
    type Value = RawPage;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawPage, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            fields.push((key, map.next_value()?));
        }
        Ok(RawPage(fields))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawPage, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(RawPage::default())
    }

    no_fields!(
        visit_unit(),
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_str(&str)
    );
}
