//! Test doubles (the `test-util` feature): rules that answer a client's calls in place of the
//! API, with no socket. The client under test is the real one: it checks the token kind, the
//! preconditions and the path before sending, places the hookId, retries, times out, caps the
//! body and decodes envelopes and errors exactly as over HTTP; only the exchange is answered
//! here. It does not depend on the spec: the generated crate names the operations and types.

use crate::auth::{AuthMode, HookId};
use crate::error::{Error, ErrorClass};
use crate::operation::{HookPlacement, Operation, Paging};
use reqwest::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A request as a test double receives it: what the client would have sent over HTTP, the
/// hookId taken out of where the spec places it. The token is not kept, only its kind.
#[derive(Clone)]
pub struct Request {
    operation: &'static Operation,
    token_kind: AuthMode,
    path: String,
    query: String,
    body: Option<Value>,
    hook_id: Option<HookId>,
    headers: Vec<(HeaderName, HeaderValue)>,
    attempt: u32,
}

impl Request {
    /// What the transport is about to send, checked for the hookId the spec places.
    ///
    /// # Panics
    /// When the hookId is missing or empty where the operation's spec places it (the API would
    /// not know the channel), or the body is not JSON: the test fails, naming the operation.
    // Public for the transport and the generated crate, not for users.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        operation: &'static Operation,
        token_kind: AuthMode,
        path: &str,
        query: &str,
        body: Option<&[u8]>,
        hook_id: &HookId,
        headers: &[(HeaderName, HeaderValue)],
        attempt: u32,
    ) -> Self {
        let body: Option<Value> = body.map(|bytes| {
            serde_json::from_slice(bytes).unwrap_or_else(|e| {
                fail(format!(
                    "`{}` sent a body that is not JSON ({e}); this is a bug in the SDK",
                    operation.id
                ))
            })
        });
        let mut request = Request {
            operation,
            token_kind,
            path: path.to_owned(),
            query: query.to_owned(),
            body,
            hook_id: None,
            headers: headers.to_vec(),
            attempt,
        };
        let (sent, place) = match operation.hook {
            HookPlacement::None => return request,
            HookPlacement::Header => (Some(hook_id.as_str().to_owned()), "header"),
            HookPlacement::Query => (request.take_query(HookId::QUERY), "query parameter"),
            HookPlacement::Body => (request.take_body_field(HookId::BODY_FIELD), "body field"),
        };
        match sent.map(HookId::new) {
            Some(Ok(hook_id)) => request.hook_id = Some(hook_id),
            Some(Err(_)) | None => fail(format!(
                "`{}` was sent without a usable hookId in the {place} where its spec places it (your body's own hookId field replaces the client's): the API would not know the channel",
                operation.id
            )),
        }
        request
    }

    /// Removes a query parameter, returning its value.
    fn take_query(&mut self, name: &str) -> Option<String> {
        let mut found = None;
        let kept: Vec<(String, String)> = url::form_urlencoded::parse(self.query.as_bytes())
            .filter_map(|(key, value)| {
                if key == name && found.is_none() {
                    found = Some(value.into_owned());
                    None
                } else {
                    Some((key.into_owned(), value.into_owned()))
                }
            })
            .collect();
        self.query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        found
    }

    /// Removes a string field of the JSON body, returning it.
    fn take_body_field(&mut self, name: &str) -> Option<String> {
        let field = self.body.as_mut()?.as_object_mut()?.remove(name)?;
        field.as_str().map(str::to_owned)
    }

    /// The operation, as `resource.operation` in the spec.
    pub fn operation(&self) -> &'static str {
        self.operation.id
    }

    /// The HTTP method.
    pub fn method(&self) -> &reqwest::Method {
        &self.operation.method
    }

    /// The path after the base URL, path parameters percent-encoded.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query string (empty without one), query defaults included, the hookId left out.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The JSON body, defaults included, the hookId left out.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// The hookId the call carried where its spec places it (`None` for operations without
    /// one): the client's, or the one of `RequestOptions::hook_id`.
    pub fn hook_id(&self) -> Option<&HookId> {
        self.hook_id.as_ref()
    }

    /// The kind of the client's token (the token itself is not kept).
    pub fn token_kind(&self) -> AuthMode {
        self.token_kind
    }

    /// The value of an extra header set with `RequestOptions::header`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.to_str().ok())
    }

    /// Which attempt this is: 1, then 2… when the client retries.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A path parameter, decoded, found by its place in the operation's path template.
    // Public for the generated inputs, not for users.
    #[doc(hidden)]
    pub fn path_param(&self, name: &str) -> Result<String, String> {
        let wanted = format!("{{{name}}}");
        let template = self.operation.path.split('/');
        let sent = self.path.split('/');
        template
            .zip(sent)
            .find(|(part, _)| *part == wanted)
            .map(|(_, value)| {
                percent_encoding::percent_decode_str(value)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .ok_or_else(|| format!("no `{name}` in the path `{}`", self.path))
    }

    /// The query string, read as the operation's query type.
    #[doc(hidden)]
    pub fn query_as<Q: DeserializeOwned>(&self) -> Result<Q, String> {
        serde_urlencoded::from_str(&self.query).map_err(|e| format!("the query: {e}"))
    }

    /// The body, read as the operation's body type.
    #[doc(hidden)]
    pub fn body_as<B: DeserializeOwned>(&self) -> Result<B, String> {
        let body = self.body.clone().unwrap_or(Value::Null);
        serde_json::from_value(body).map_err(|e| format!("the body: {e}"))
    }

    /// A paging number of the request (from the query or the body).
    fn number(&self, name: &str, in_query: bool) -> Option<i64> {
        if in_query {
            url::form_urlencoded::parse(self.query.as_bytes())
                .find(|(key, _)| key == name)
                .and_then(|(_, value)| value.parse().ok())
        } else {
            self.body.as_ref()?.get(name)?.as_i64()
        }
    }

    /// `GET /path?query` and the body, for messages.
    fn summary(&self) -> String {
        let mut text = format!("{} {}", self.operation.method, self.path);
        if !self.query.is_empty() {
            text.push('?');
            text.push_str(&self.query);
        }
        if let Some(body) = &self.body {
            text.push_str(&format!(" with body {body}"));
        }
        text
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Request")
            .field("operation", &self.operation.id)
            .field("method", &self.operation.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &self.body)
            .field("hook_id", &self.hook_id)
            .field("token_kind", &self.token_kind)
            .field("headers", &headers)
            .field("attempt", &self.attempt)
            .finish()
    }
}

/// An operation's typed input, read back from the request the client sent: its path
/// parameters, query and body as the API receives them (so with the defaults the client fills
/// in). Implemented by the generated `…Input` type of every operation.
pub trait Input: fmt::Debug + Send + Sized + 'static {
    /// Reads the input from a request of its operation.
    fn decode(request: &Request) -> Result<Self, String>;
}

/// One call a rule answered: the typed input and the request it came from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Call<I> {
    /// The operation's input, as the API would receive it.
    pub input: I,
    /// The request: path, query, body, hookId, token kind, extra headers and attempt.
    pub request: Request,
}

/// How a test double answers one call: an output, an error of the API, a `success: false`
/// envelope, any HTTP response, or a transport failure, optionally after a delay.
///
/// The answer goes through the client's own response handling, so the caller sees what it
/// would see from the API: [`Error::InvalidToken`]-style variants from
/// [`error`](Self::error), [`Error::Unsuccessful`] from [`unsuccessful`](Self::unsuccessful),
/// [`Error::Timeout`] when the delay passes the client's timeout, retries of idempotent
/// operations after a retryable status.
#[must_use = "an answer does nothing until a rule is given it"]
pub struct Answer<O> {
    kind: AnswerKind,
    delay: Duration,
    headers: Vec<(HeaderName, HeaderValue)>,
    output: PhantomData<fn() -> O>,
}

impl<O> Clone for Answer<O> {
    fn clone(&self) -> Self {
        Answer {
            kind: self.kind.clone(),
            delay: self.delay,
            headers: self.headers.clone(),
            output: PhantomData,
        }
    }
}

impl<O> fmt::Debug for Answer<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("kind", &self.kind)
            .field("delay", &self.delay)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum AnswerKind {
    /// The payload, encoded when the answer was made.
    Output(Result<Value, String>),
    Error(ErrorClass),
    Status(u16, Vec<u8>),
    Unsuccessful(String),
    TransportFailure(String),
}

impl<O: Serialize> Answer<O> {
    /// A success: `output`, wrapped in the operation's envelope (if it has one) with HTTP 200.
    pub fn ok(output: O) -> Self {
        Self::of(AnswerKind::Output(
            serde_json::to_value(&output).map_err(|e| e.to_string()),
        ))
    }
}

impl<O> Answer<O> {
    fn of(kind: AnswerKind) -> Self {
        Answer {
            kind,
            delay: Duration::ZERO,
            headers: Vec::new(),
            output: PhantomData,
        }
    }

    /// An error of one of the spec's error classes: the status and message the client
    /// classifies as that class (`ErrorClass::ALL` lists them).
    pub fn error(class: ErrorClass) -> Self {
        Self::of(AnswerKind::Error(class))
    }

    /// Any HTTP response with a JSON body: a 503 to see a retry, a 404 with the API's own
    /// message, a 200 whose body does not match the operation's type…
    pub fn status(status: u16, body: Value) -> Self {
        Self::of(AnswerKind::Status(status, body.to_string().into_bytes()))
    }

    /// Any HTTP response with a body of raw bytes (an HTML error page, a cut-off body…).
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::of(AnswerKind::Status(status, body.into()))
    }

    /// A success status whose envelope says the call failed (`success: false`, with `message`
    /// as its error text): the client returns [`Error::Unsuccessful`]. Only for operations
    /// with an envelope.
    pub fn unsuccessful(message: impl Into<String>) -> Self {
        Self::of(AnswerKind::Unsuccessful(message.into()))
    }

    /// The connection fails while the response is read: the client returns
    /// [`Error::Transport`], whose causes end with `message`, and retries idempotent
    /// operations as after any connection error.
    pub fn transport_failure(message: impl Into<String>) -> Self {
        Self::of(AnswerKind::TransportFailure(message.into()))
    }

    /// The same answer, given after `delay` (on tokio's clock, so a paused test clock skips it).
    /// Longer than the client's timeout, the call fails with [`Error::Timeout`].
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The same answer with a response header (`Retry-After`, `X-Request-Id`…).
    ///
    /// # Panics
    /// If `name` or `value` cannot be an HTTP header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            fail(format!(
                "`{name}: {value}` cannot be an HTTP header of a mocked answer"
            ))
        };
        self.headers.push((name, value));
        self
    }

    /// The response this answer makes for a call of `operation`.
    fn reply(&self, operation: &Operation) -> Reply {
        let json = |status: u16, body: Value| Outcome::Response(status, body.to_string().into());
        let outcome = match &self.kind {
            AnswerKind::Output(Ok(payload)) => json(200, success_body(operation, payload.clone())),
            AnswerKind::Output(Err(e)) => fail(format!(
                "the mocked output of `{}` cannot be encoded as JSON: {e}",
                operation.id
            )),
            AnswerKind::Error(class) => {
                let (status, message) = class.response();
                json(status, serde_json::json!({ "message": message }))
            }
            AnswerKind::Status(status, body) => Outcome::Response(*status, body.clone()),
            AnswerKind::Unsuccessful(message) => {
                let envelope = unsuccessful_envelope(operation);
                let mut body = Map::new();
                body.insert(envelope.success.to_owned(), Value::Bool(false));
                if let Some(error) = envelope.error {
                    body.insert(error.to_owned(), Value::from(message.as_str()));
                }
                json(200, Value::Object(body))
            }
            AnswerKind::TransportFailure(message) => Outcome::TransportFailure(message.clone()),
        };
        Reply {
            outcome,
            delay: self.delay,
            headers: self.headers.clone(),
        }
    }
}

/// The envelope of an operation answered with `success: false`.
///
/// # Panics
/// If it has none: the test asked for an answer the API cannot give.
fn unsuccessful_envelope(operation: &Operation) -> &'static crate::operation::Envelope {
    operation.envelope.unwrap_or_else(|| {
        fail(format!(
            "`{}` has no envelope, so it cannot answer `success: false`; use `Answer::error` or `Answer::status`",
            operation.id
        ))
    })
}

/// A payload as the operation's success body: in its envelope's data field, or with the
/// success flag added to it when the whole body is the payload.
fn success_body(operation: &Operation, payload: Value) -> Value {
    let Some(envelope) = operation.envelope else {
        return payload;
    };
    let mut body = match (envelope.data, payload) {
        (Some(data), payload) => Map::from_iter([(data.to_owned(), payload)]),
        (None, Value::Object(fields)) => fields,
        (None, _) => Map::new(),
    };
    body.insert(envelope.success.to_owned(), Value::Bool(true));
    Value::Object(body)
}

/// What a rule hands the transport for one call.
struct Reply {
    outcome: Outcome,
    delay: Duration,
    headers: Vec<(HeaderName, HeaderValue)>,
}

enum Outcome {
    Response(u16, Vec<u8>),
    TransportFailure(String),
}

type Matcher<I> = Box<dyn Fn(&I) -> bool + Send + Sync>;
type Responder<I> = Arc<dyn Fn(&I, &Request) -> Reply + Send + Sync>;

/// One answer of a rule and how many calls it still takes (`None`: every call).
struct Step<I> {
    respond: Responder<I>,
    left: Option<usize>,
}

/// Marks a rule builder of an operation that is not a paged list.
#[derive(Debug)]
pub enum NoPages {}

/// A rule being declared for one operation: which calls it matches, and its answers in order.
/// Finish it with [`returns`](Self::returns), [`answers`](Self::answers),
/// [`answers_with`](Self::answers_with) or [`pages`](Self::pages) (answers every matching call
/// from then on), or [`build`](Self::build) after [`once`](Self::once)/[`times`](Self::times)
/// (the rule is used up after them, and later calls go to the next rule).
///
/// `I` is the operation's input type, `O` its output, `P` a list's item type.
#[must_use = "a rule answers nothing until it is finished with `returns`, `answers`, `answers_with`, `pages` or `build`"]
pub struct RuleBuilder<I, O, P = NoPages> {
    registry: Arc<Registry>,
    operation: &'static Operation,
    paging: Option<&'static Paging>,
    matchers: Vec<Matcher<I>>,
    steps: Vec<Step<I>>,
    types: PhantomData<fn() -> (O, P)>,
}

impl<I, O, P> fmt::Debug for RuleBuilder<I, O, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleBuilder")
            .field("operation", &self.operation.id)
            .field("matchers", &self.matchers.len())
            .field("answers", &self.steps.len())
            .finish()
    }
}

impl<I: Input, O: 'static, P> RuleBuilder<I, O, P> {
    /// A rule for `operation`, kept by `registry` once finished.
    // Public for the generated crate, not for users.
    #[doc(hidden)]
    pub fn new(
        registry: &Arc<Registry>,
        operation: &'static Operation,
        paging: Option<&'static Paging>,
    ) -> Self {
        RuleBuilder {
            registry: Arc::clone(registry),
            operation,
            paging,
            matchers: Vec::new(),
            steps: Vec::new(),
            types: PhantomData,
        }
    }

    /// Answers only calls whose input `matcher` accepts (every matcher given must accept);
    /// other calls go to the next rule of the operation.
    pub fn matching(mut self, matcher: impl Fn(&I) -> bool + Send + Sync + 'static) -> Self {
        self.matchers.push(Box::new(matcher));
        self
    }

    /// Answers the next matching call with `answer`.
    ///
    /// # Panics
    /// If the answer is `success: false` and the operation has no envelope.
    pub fn once(self, answer: Answer<O>) -> Self {
        self.times(1, answer)
    }

    /// Answers the next matching calls with `answers`, one each, in turn.
    ///
    /// # Panics
    /// If an answer is `success: false` and the operation has no envelope.
    pub fn in_turn(self, answers: impl IntoIterator<Item = Answer<O>>) -> Self {
        answers.into_iter().fold(self, Self::once)
    }

    /// Answers the next `count` matching calls with `answer`.
    ///
    /// # Panics
    /// If the answer is `success: false` and the operation has no envelope.
    pub fn times(self, count: usize, answer: Answer<O>) -> Self {
        self.fixed(Some(count), answer)
    }

    /// Answers every matching call (after the answers given before) with `output`, and
    /// finishes the rule.
    pub fn returns(self, output: O) -> Rule<I>
    where
        O: Serialize,
    {
        self.answers(Answer::ok(output))
    }

    /// Answers every matching call (after the answers given before) with `answer`, and
    /// finishes the rule.
    ///
    /// # Panics
    /// If the answer is `success: false` and the operation has no envelope.
    pub fn answers(self, answer: Answer<O>) -> Rule<I> {
        self.fixed(None, answer).build()
    }

    /// Answers every matching call (after the answers given before) with what `answer` makes
    /// of its input, and finishes the rule.
    pub fn answers_with(self, answer: impl Fn(&I) -> Answer<O> + Send + Sync + 'static) -> Rule<I> {
        self.step(
            None,
            Arc::new(move |input, request| answer(input).reply(request.operation)),
        )
        .build()
    }

    /// Finishes the rule: once its answers are used up, it answers nothing more.
    pub fn build(self) -> Rule<I> {
        let state = Arc::new(RuleState {
            operation: self.operation,
            matchers: self.matchers,
            steps: Mutex::new(self.steps),
            calls: Mutex::new(Vec::new()),
        });
        lock(&self.registry.rules).push(Arc::clone(&state) as Arc<dyn Answers>);
        Rule { state }
    }

    fn step(mut self, left: Option<usize>, respond: Responder<I>) -> Self {
        self.steps.push(Step { respond, left });
        self
    }

    /// A step answering `left` calls (`None`: every call) with `answer`, refused when the
    /// rule is declared if the operation cannot give it.
    fn fixed(self, left: Option<usize>, answer: Answer<O>) -> Self {
        if let AnswerKind::Unsuccessful(_) = answer.kind {
            unsuccessful_envelope(self.operation);
        }
        self.step(
            left,
            Arc::new(move |_, request| answer.reply(request.operation)),
        )
    }
}

impl<I: Input, O: 'static, P: Serialize> RuleBuilder<I, O, P> {
    /// Serves the list from `items`, page by page, for every matching call: each call gets
    /// the page its page number and page size ask for (every item left when it gives no size),
    /// with the total, so that `send()` gets one page and `into_pages()` walks them all.
    /// Finishes the rule.
    ///
    /// # Panics
    /// If an item cannot be encoded as JSON.
    pub fn pages(self, items: impl IntoIterator<Item = P>) -> Rule<I> {
        let items: Vec<Value> = items
            .into_iter()
            .map(|item| {
                serde_json::to_value(item).unwrap_or_else(|e| {
                    fail(format!(
                        "a mocked item of `{}` cannot be encoded as JSON: {e}",
                        self.operation.id
                    ))
                })
            })
            .collect();
        let Some(paging) = self.paging else {
            return self.build();
        };
        self.step(
            None,
            Arc::new(move |_, request| {
                let page = request.number(paging.page, paging.in_query).unwrap_or(1);
                let limit = request.number(paging.limit, paging.in_query);
                let size = limit.map_or(items.len(), |l| usize::try_from(l).unwrap_or(0));
                let skip = usize::try_from(page.saturating_sub(1))
                    .unwrap_or(usize::MAX)
                    .saturating_mul(size);
                let shown: Vec<Value> = items.iter().skip(skip).take(size).cloned().collect();
                let fields = [
                    (paging.items, Value::from(shown)),
                    (paging.total, Value::from(items.len())),
                    (paging.page, Value::from(page)),
                    (paging.limit, Value::from(limit.unwrap_or(size as i64))),
                ];
                let payload = fields.map(|(name, value)| (name.to_owned(), value));
                let body = success_body(request.operation, Value::Object(Map::from_iter(payload)));
                Answer::<O>::status(200, body).reply(request.operation)
            }),
        )
        .build()
    }
}

/// A declared rule: how many calls it answered and what they were.
pub struct Rule<I> {
    state: Arc<RuleState<I>>,
}

impl<I> Clone for Rule<I> {
    fn clone(&self) -> Self {
        Rule {
            state: Arc::clone(&self.state),
        }
    }
}

impl<I> fmt::Debug for Rule<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("operation", &self.state.operation.id)
            .field("num_calls", &lock(&self.state.calls).len())
            .finish_non_exhaustive()
    }
}

impl<I: Clone> Rule<I> {
    /// How many calls the rule answered (each attempt of a retried call counts).
    pub fn num_calls(&self) -> usize {
        lock(&self.state.calls).len()
    }

    /// The calls the rule answered, in order, with their typed inputs.
    pub fn calls(&self) -> Vec<Call<I>> {
        lock(&self.state.calls).clone()
    }

    /// The last call the rule answered.
    pub fn last_call(&self) -> Option<Call<I>> {
        lock(&self.state.calls).last().cloned()
    }

    /// Whether the rule has no answers left (never, for one finished by `returns`, `answers`,
    /// `answers_with` or `pages`).
    pub fn is_exhausted(&self) -> bool {
        lock(&self.state.steps)
            .iter()
            .all(|step| step.left == Some(0))
    }
}

struct RuleState<I> {
    operation: &'static Operation,
    matchers: Vec<Matcher<I>>,
    steps: Mutex<Vec<Step<I>>>,
    calls: Mutex<Vec<Call<I>>>,
}

/// A rule with its input type erased, as the registry holds it.
trait Answers: Send + Sync {
    fn operation(&self) -> &'static str;
    /// The reply, if the rule matches the request and has an answer left.
    fn answer(&self, request: &Request) -> Option<Reply>;
    /// The request's typed input, for a message.
    fn describe(&self, request: &Request) -> String;
    /// What is left unused of the rule: answers of a sequence, or the whole rule if it
    /// answered nothing.
    fn unused(&self) -> Option<String>;
}

impl<I: Input> Answers for RuleState<I> {
    fn operation(&self) -> &'static str {
        self.operation.id
    }

    fn answer(&self, request: &Request) -> Option<Reply> {
        let input = decode::<I>(request);
        if !self.matchers.iter().all(|matches| matches(&input)) {
            return None;
        }
        let respond = {
            let mut steps = lock(&self.steps);
            let step = steps.iter_mut().find(|step| step.left != Some(0))?;
            if let Some(left) = &mut step.left {
                *left -= 1;
            }
            Arc::clone(&step.respond)
        };
        let reply = respond(&input, request);
        lock(&self.calls).push(Call {
            input,
            request: request.clone(),
        });
        Some(reply)
    }

    fn describe(&self, request: &Request) -> String {
        format!("{:?}", decode::<I>(request))
    }

    fn unused(&self) -> Option<String> {
        let calls = lock(&self.calls).len();
        let left: usize = lock(&self.steps).iter().filter_map(|step| step.left).sum();
        match (calls, left) {
            (0, _) => Some(format!(
                "a rule of `{}` answered no call",
                self.operation.id
            )),
            (_, 0) => None,
            (calls, left) => Some(format!(
                "a rule of `{}` answered {calls} call(s) and has {left} answer(s) left",
                self.operation.id
            )),
        }
    }
}

/// The typed input of a request.
///
/// # Panics
/// If the request does not read as its operation's input: a bug of the SDK.
fn decode<I: Input>(request: &Request) -> I {
    I::decode(request).unwrap_or_else(|e| {
        fail(format!(
            "the request of `{}` ({}) does not read back as its input type: {e}; this is a bug in the SDK",
            request.operation.id,
            request.summary()
        ))
    })
}

/// The rules of a set of test doubles, shared by the clients built on it.
#[derive(Default)]
pub struct Registry {
    rules: Mutex<Vec<Arc<dyn Answers>>>,
    /// What each unexpected call's panic said, for `verify` (a panic on a task the test does
    /// not join goes unseen).
    unexpected: Mutex<Vec<String>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules: Vec<&str> = lock(&self.rules).iter().map(|r| r.operation()).collect();
        let unexpected = lock(&self.unexpected).len();
        f.debug_struct("Registry")
            .field("rules", &rules)
            .field("unexpected_calls", &unexpected)
            .finish()
    }
}

impl Registry {
    /// Fails the test if a call was unexpected, or a rule answered no call or has answers of
    /// a sequence left.
    ///
    /// # Panics
    /// Then, listing each.
    pub fn verify(&self) {
        let mut problems = lock(&self.unexpected).clone();
        problems.extend(lock(&self.rules).iter().filter_map(|r| r.unused()));
        if !problems.is_empty() {
            fail(format!(
                "the test doubles were not used as declared: {}",
                problems.join("; ")
            ));
        }
    }

    /// The response to a request: from the first rule of its operation that matches it and
    /// has an answer left, after the answer's delay.
    ///
    /// # Panics
    /// When no rule answers: the test fails with the operation and its input.
    pub(crate) async fn respond(
        &self,
        request: Request,
        url: &str,
    ) -> Result<reqwest::Response, Error> {
        let rules: Vec<Arc<dyn Answers>> = lock(&self.rules)
            .iter()
            .filter(|rule| rule.operation() == request.operation.id)
            .cloned()
            .collect();
        let Some(reply) = rules.iter().find_map(|rule| rule.answer(&request)) else {
            let why = match rules.first() {
                None => "no rule was declared for it".to_owned(),
                Some(rule) => format!(
                    "none of its {} rule(s) matches the input or has an answer left; the input: {}",
                    rules.len(),
                    rule.describe(&request)
                ),
            };
            let message = format!(
                "unexpected call of `{}`: {}; {why}",
                request.operation.id,
                request.summary()
            );
            lock(&self.unexpected).push(message.clone());
            fail(message)
        };
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        Ok(response(reply, url))
    }
}

/// The reply as the HTTP client would have received it.
fn response(reply: Reply, url: &str) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;

    let mut builder = http::Response::builder();
    if let Ok(url) = url::Url::parse(url) {
        builder = builder.url(url);
    }
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    let built = match reply.outcome {
        Outcome::Response(status, body) => builder
            .status(status)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(reqwest::Body::from(body)),
        Outcome::TransportFailure(message) => {
            builder.body(reqwest::Body::wrap_stream(Failing(Some(
                std::io::Error::new(std::io::ErrorKind::ConnectionReset, message),
            ))))
        }
    };
    match built {
        Ok(response) => reqwest::Response::from(response),
        Err(e) => fail(format!("a mocked answer is not a valid HTTP response: {e}")),
    }
}

/// A body that fails at its first chunk.
struct Failing(Option<std::io::Error>);

impl futures_core::Stream for Failing {
    type Item = Result<Vec<u8>, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.take().map(Err))
    }
}

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test may poison it; the rules stay usable for the report.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Fails the test: a test double was used in a way the API or the spec does not allow.
#[allow(clippy::panic)]
fn fail(message: String) -> ! {
    panic!("{message}")
}
