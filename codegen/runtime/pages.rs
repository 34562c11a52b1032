//! Page/limit pagination over list operations. It does not depend on the spec, so a
//! spec without list operations leaves it unused.

use crate::error::Error;
use crate::operation::{decode_error, Operation};
use crate::options::RequestOptions;
use crate::transport::{Ctx, Transport};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Where a list operation's paging fields are.
#[derive(Debug)]
// A spec may have no list operations.
#[allow(dead_code)]
pub(crate) struct Paging {
    /// Request field holding the 1-based page number.
    pub(crate) page: &'static str,
    /// Request field holding the page size.
    pub(crate) limit: &'static str,
    /// Whether the request fields are query parameters (else body fields).
    pub(crate) in_query: bool,
    /// Response field holding the items.
    pub(crate) items: &'static str,
    /// Response field holding the total number of items.
    pub(crate) total: &'static str,
}

/// Every item of a page/limit list, fetched one page at a time as they are consumed.
///
/// The next page is requested while `page × limit < total`; an empty page ends the list.
/// Call [`next`](Self::next) in a loop, or [`collect`](Self::collect) for all items.
pub struct Pages<'a, T> {
    transport: &'a Transport,
    options: &'a RequestOptions,
    op: &'static Operation,
    paging: &'static Paging,
    path: String,
    query: Option<Value>,
    body: Option<Value>,
    next_page: Option<i64>,
    buffer: std::collections::VecDeque<T>,
    error: Option<Error>,
}

impl<T> std::fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("operation", &self.op.id)
            .field("next_page", &self.next_page)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<'a, T: DeserializeOwned> Pages<'a, T> {
    // A spec may have no list operations.
    #[allow(dead_code)]
    pub(crate) fn new(
        Ctx { transport, options }: Ctx<'a>,
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
        Pages {
            transport,
            options,
            op,
            paging,
            path,
            query,
            body,
            next_page: Some(first),
            buffer: Default::default(),
            error,
        }
    }

    /// The next item, fetching the next page when the current one is used up;
    /// `Ok(None)` after the last item. After an error, the list ends.
    pub async fn next(&mut self) -> Result<Option<T>, Error> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Ok(Some(item));
            }
            match self.next_page().await? {
                Some(items) => self.buffer.extend(items),
                None => return Ok(None),
            }
        }
    }

    /// The next whole page of items; `Ok(None)` after the last page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, Error> {
        if let Some(error) = self.error.take() {
            self.next_page = None;
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
        let (status, mut response): (u16, Value) = self
            .transport
            .send_value(
                self.op,
                self.options,
                self.path.clone(),
                self.query.clone(),
                self.body.clone(),
            )
            .await?;
        let items = response
            .get_mut(paging.items)
            .map(Value::take)
            .unwrap_or(Value::Null);
        let items: Vec<T> = serde_json::from_value(items).map_err(|e| {
            let message = format!("`{}` of page {page}: {e}", paging.items);
            decode_error(status, &message, b"", self.transport.token().secret())
        })?;
        let number = |field: &str| response.get(field).and_then(Value::as_i64);
        let limit = number(paging.limit).unwrap_or(items.len() as i64);
        if !items.is_empty()
            && number(paging.total).is_some_and(|total| page.saturating_mul(limit) < total)
        {
            self.next_page = Some(page + 1);
        }
        Ok(Some(items))
    }

    /// Every remaining item, in order.
    pub async fn collect(mut self) -> Result<Vec<T>, Error> {
        let mut all: Vec<T> = self.buffer.drain(..).collect();
        while let Some(items) = self.next_page().await? {
            all.extend(items);
        }
        Ok(all)
    }
}
