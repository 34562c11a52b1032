//! Client tools: functions the peer may ask the caller to run while it answers, run locally
//! until the answer is done — the official JS SDK's tool loop.
//!
//! A [`ToolRegistry`] holds the tools, each a name, a description, the JSON Schema of its
//! parameters and an async handler. Its [`create`](ToolRegistry::create) and
//! [`send_message`](ToolRegistry::send_message) send the tools as `clientTools` with the
//! request; while the peer answers with status `client_tool_call` and a pending action, the
//! named tool runs and its result goes back with `conversations().resume_message`, up to
//! [`max_rounds`](ToolRegistry::max_rounds) times. A tool that is unknown, fails, panics or
//! times out is answered with `success: false` and the reason, and the loop goes on.
//!
//! ```no_run
//! use cognipeer_sdk::models::SendMessage;
//! use cognipeer_sdk::{CognipeerClient, Tool, ToolRegistry};
//! use serde_json::json;
//!
//! #[derive(serde::Deserialize)]
//! struct Weather {
//!     city: String,
//! }
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let client = CognipeerClient::from_env()?;
//! let tools = ToolRegistry::new().tool(
//!     Tool::typed("get_weather", |args: Weather| async move {
//!         Ok::<_, String>(json!({ "city": args.city, "celsius": 21 }))
//!     })
//!     .description("The current weather in a city.")
//!     .parameters(json!({
//!         "type": "object",
//!         "properties": { "city": { "type": "string" } },
//!         "required": ["city"]
//!     })),
//! );
//! let message = SendMessage::new("Weather in Oslo?");
//! let answer = tools.send_message(&client, "conversation-id", &message).await?;
//! println!("{:?} after {} tool runs", answer.response.content, answer.runs.len());
//! # Ok(())
//! # }
//! ```
//!
//! Hand-written (named under `extensions` in the spec) and built on the crate's public API,
//! plus the client's `token_secret()` (to mask the server's text it quotes) and the models'
//! `serde_object!` decoder: the methods take the client rather than extending the generated
//! resource handles, so
//! the loop does not depend on how those are built. Every request of a loop goes through the
//! one client given, so the first request and every resume carry the same token, hookId and
//! request options (use `client.with_options(…)` for others). Dropping the returned future
//! stops the loop: handlers run inside it (never spawned), so nothing is sent afterwards.

// Models are built with `new` and their fields set after, as the crate's users must (they are
// `#[non_exhaustive]`), so that a field the spec adds keeps this module compiling.

use crate::models::{
    ClientFunction, ClientFunctionParameters, ClientTool, ClientToolType, CreateConversation,
    CreateConversationResponse, MessageStatus, PendingAction, ResumeMessageResponse, SendMessage,
    SendMessageResponse, ToolResult,
};
use crate::resources::conversations::{AcceptsCreate, AcceptsResumeMessage, AcceptsSendMessage};
use crate::{CognipeerClient, Error};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The arguments the peer passes to a tool, by name.
pub type ToolArguments = BTreeMap<String, Value>;

/// What a handler's future gives: the output text, or why the tool failed.
type ToolFuture = Pin<Box<dyn Future<Output = Result<String, (ToolStatus, String)>> + Send>>;
type Handler = Arc<dyn Fn(Value) -> ToolFuture + Send + Sync>;
type StartCallback = Arc<dyn Fn(&str, &ToolArguments) + Send + Sync>;
type EndCallback = Arc<dyn Fn(&ToolRun) + Send + Sync>;

/// One client tool: a name, a description and the JSON Schema of its parameters for the peer,
/// and the async handler that runs it.
///
/// A handler returns `Ok(output)` or `Err(error)`: an output that serializes to a JSON string
/// is sent as that text, any other output as JSON text; an error is sent as its `Display`
/// text with `success: false`.
#[derive(Clone)]
pub struct Tool {
    name: String,
    description: Option<String>,
    /// The parameters as sent, or why the given schema cannot be sent.
    parameters: Result<ClientFunctionParameters, String>,
    timeout: Option<Duration>,
    handler: Handler,
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("parameters", &self.parameters)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Tool {
    /// A tool whose handler receives the arguments as a JSON object.
    pub fn new<F, Fut, T, E>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Serialize,
        E: fmt::Display,
    {
        Self::typed(name, handler)
    }

    /// A tool whose handler receives the arguments deserialized into `A`. Arguments that do
    /// not deserialize are answered with a failed result; the handler is not called.
    pub fn typed<A, F, Fut, T, E>(name: impl Into<String>, handler: F) -> Self
    where
        A: DeserializeOwned + Send + 'static,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Serialize,
        E: fmt::Display,
    {
        let handler = Arc::new(handler);
        Tool {
            name: name.into(),
            description: None,
            parameters: Ok(ClientFunctionParameters::new("object", BTreeMap::new())),
            timeout: None,
            // The handler is called on the first poll, so that a panic in the call itself is
            // caught like one in its future.
            handler: Arc::new(move |arguments| -> ToolFuture {
                let handler = Arc::clone(&handler);
                Box::pin(async move {
                    let arguments = serde_json::from_value::<A>(arguments).map_err(|e| {
                        let message = format!("the arguments do not match the parameters: {e}");
                        (ToolStatus::InvalidArguments, message)
                    })?;
                    let output = handler(arguments)
                        .await
                        .map_err(|e| (ToolStatus::Failed, e.to_string()))?;
                    output_text(&output)
                })
            }),
        }
    }

    /// What the tool does, for the peer's model.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The JSON Schema of the arguments: an object schema with `type: "object"`,
    /// `properties` and optionally `required` (by default the tool takes no arguments).
    /// A schema of another shape makes the registry's calls fail before sending.
    pub fn parameters(mut self, schema: Value) -> Self {
        self.parameters = object_schema(schema).map_err(|why| {
            format!("the parameters must be an object schema with `type: \"object\"` and `properties` ({why})")
        });
        self
    }

    /// How long one run may take before it is answered as timed out (default: the registry's
    /// [`tool_timeout`](ToolRegistry::tool_timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The name the peer calls the tool by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tool as sent in `clientTools`, or why it cannot be sent.
    fn client_tool(&self) -> Result<ClientTool, String> {
        let mut function = ClientFunction::new(self.name.clone(), self.parameters.clone()?);
        function.description = self.description.clone();
        Ok(ClientTool::new(ClientToolType::Function, function))
    }
}

/// The fields of an object schema, or what is wrong with it (in serde's words).
/// `ClientFunctionParameters` only travels to the API, so it does not deserialize: the schema
/// is read into a struct of the same fields, decoded like the models.
fn object_schema(schema: Value) -> Result<ClientFunctionParameters, String> {
    struct ObjectSchema {
        r#type: String,
        properties: BTreeMap<String, Value>,
        required: Option<Vec<String>>,
    }
    crate::json::serde_object!(@deserialize ObjectSchema [] {
        required r#type = "type", required properties = "properties", optional required = "required"
    });
    let schema = serde_json::from_value::<ObjectSchema>(schema).map_err(|e| e.to_string())?;
    if schema.r#type != "object" {
        return Err(format!("its `type` is `{}`", schema.r#type));
    }
    let mut parameters = ClientFunctionParameters::new(schema.r#type, schema.properties);
    parameters.required = schema.required;
    Ok(parameters)
}

/// The text sent as a tool's output: a JSON string as is, any other value as JSON text.
fn output_text<T: Serialize>(output: &T) -> Result<String, (ToolStatus, String)> {
    match serde_json::to_value(output) {
        Ok(Value::String(text)) => Ok(text),
        Ok(value) => Ok(value.to_string()),
        Err(e) => Err((
            ToolStatus::Failed,
            format!("the output could not be encoded as JSON: {e}"),
        )),
    }
}

/// How a tool run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolStatus {
    /// The handler returned an output.
    Succeeded,
    /// The handler returned an error.
    Failed,
    /// The arguments did not deserialize into the handler's argument type.
    InvalidArguments,
    /// The handler panicked.
    Panicked,
    /// The handler did not finish within the tool's timeout.
    TimedOut,
    /// No tool of the registry has the name the peer asked for.
    UnknownTool,
}

impl ToolStatus {
    /// A short name for logs, e.g. `timed_out`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ToolStatus::Succeeded => "succeeded",
            ToolStatus::Failed => "failed",
            ToolStatus::InvalidArguments => "invalid_arguments",
            ToolStatus::Panicked => "panicked",
            ToolStatus::TimedOut => "timed_out",
            ToolStatus::UnknownTool => "unknown_tool",
        }
    }
}

/// One tool run of a loop: what the peer asked for and what was sent back.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRun {
    /// The tool the peer asked for.
    pub name: String,
    /// The arguments it passed.
    pub arguments: ToolArguments,
    /// How the run ended.
    pub status: ToolStatus,
    /// The result sent back to the peer (its `error` says why a run failed).
    pub result: ToolResult,
    /// How long the handler ran.
    pub duration: Duration,
}

/// The end of a tool loop: the peer's answer and the tools that ran on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome<R> {
    /// The response to the call, with the last resume's answer merged in as the JS SDK does:
    /// `content`, `tools`, `status`, `message_id` and `pending_action` are the last answer's;
    /// `output` stays the first response's (resume answers carry none).
    pub response: R,
    /// Every tool run, in order.
    pub runs: Vec<ToolRun>,
}

/// Why a tool loop stopped without a finished answer.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ToolLoopError<R> {
    /// A request of the loop failed; `runs` lists the tools that had already run.
    #[error("{source}")]
    Request {
        /// The request's error (boxed: it is large, and this is the rare path).
        #[source]
        source: Box<Error>,
        /// The tool runs before the failure (their side effects have happened).
        runs: Vec<ToolRun>,
    },
    /// The peer still asked for a tool after the last allowed round.
    #[error(
        "the peer still asks for client tool `{pending_tool}` after {max_rounds} tool rounds; raise the limit with `ToolRegistry::max_rounds` if the conversation needs more"
    )]
    TooManyRounds {
        /// The registry's limit.
        max_rounds: u32,
        /// The tool the peer asked for last.
        pending_tool: String,
        /// The last answer (still waiting for `pending_tool`) and every run.
        last: Box<ToolOutcome<R>>,
    },
    /// A tool cannot be offered to the peer; nothing was sent.
    #[error("client tool `{tool}` cannot be sent: {message}; nothing was sent")]
    InvalidTool {
        /// The tool's name.
        tool: String,
        /// What is wrong with it.
        message: String,
    },
}

// The runs and the last answer hold what the server sent (arguments, content), which could
// quote the token: `Debug` counts them; the fields themselves stay at hand.
impl<R> fmt::Debug for ToolLoopError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolLoopError::Request { source, runs } => f
                .debug_struct("Request")
                .field("source", source)
                .field("runs", &runs.len())
                .finish(),
            ToolLoopError::TooManyRounds {
                max_rounds,
                pending_tool,
                last,
            } => f
                .debug_struct("TooManyRounds")
                .field("max_rounds", max_rounds)
                .field("pending_tool", pending_tool)
                .field("runs", &last.runs.len())
                .finish_non_exhaustive(),
            ToolLoopError::InvalidTool { tool, message } => f
                .debug_struct("InvalidTool")
                .field("tool", tool)
                .field("message", message)
                .finish(),
        }
    }
}

impl<R> From<Error> for ToolLoopError<R> {
    fn from(source: Error) -> Self {
        ToolLoopError::Request {
            source: Box::new(source),
            runs: Vec::new(),
        }
    }
}

/// The client tools of a conversation and how the loop runs them. Cheap to clone; one
/// registry may serve many concurrent loops.
#[derive(Clone)]
pub struct ToolRegistry {
    tools: Vec<Tool>,
    max_rounds: u32,
    tool_timeout: Duration,
    on_start: Option<StartCallback>,
    on_end: Option<EndCallback>,
}

impl fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolRegistry")
            .field("tools", &self.tools)
            .field("max_rounds", &self.max_rounds)
            .field("tool_timeout", &self.tool_timeout)
            .finish_non_exhaustive()
    }
}

impl Default for ToolRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl ToolRegistry {
    /// Tool rounds allowed by default, as in the JS SDK (`maxToolExecutions`).
    pub const DEFAULT_MAX_ROUNDS: u32 = 10;
    /// How long one tool run may take by default.
    pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(60);

    /// A registry without tools, with the default limits.
    pub fn new() -> Self {
        ToolRegistry {
            tools: Vec::new(),
            max_rounds: Self::DEFAULT_MAX_ROUNDS,
            tool_timeout: Self::DEFAULT_TOOL_TIMEOUT,
            on_start: None,
            on_end: None,
        }
    }

    /// Adds a tool; one with the same name replaces the earlier one. Tools are offered in the
    /// order they were added.
    pub fn tool(mut self, tool: Tool) -> Self {
        match self.tools.iter_mut().find(|t| t.name == tool.name) {
            Some(existing) => *existing = tool,
            None => self.tools.push(tool),
        }
        self
    }

    /// How many tools may run in one loop; when the peer asks for one more, the loop fails
    /// with [`ToolLoopError::TooManyRounds`]. `0` runs none.
    pub fn max_rounds(mut self, max_rounds: u32) -> Self {
        self.max_rounds = max_rounds;
        self
    }

    /// How long one tool run may take unless the tool sets its own
    /// [`timeout`](Tool::timeout); a run that takes longer is answered as timed out.
    pub fn tool_timeout(mut self, timeout: Duration) -> Self {
        self.tool_timeout = timeout;
        self
    }

    /// Called with the tool's name and arguments before each run. A panic in it is logged and
    /// ignored.
    pub fn on_tool_start(
        mut self,
        callback: impl Fn(&str, &ToolArguments) + Send + Sync + 'static,
    ) -> Self {
        self.on_start = Some(Arc::new(callback));
        self
    }

    /// Called with the record of each run after it, before its result is sent. A panic in it
    /// is logged and ignored.
    pub fn on_tool_end(mut self, callback: impl Fn(&ToolRun) + Send + Sync + 'static) -> Self {
        self.on_end = Some(Arc::new(callback));
        self
    }

    /// The tools by name, in the order they are offered.
    pub fn tool_names(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().map(Tool::name)
    }

    /// `conversations().create` with the registry's tools as `clientTools` (replacing any in
    /// `body`), then the tool loop until the answer is done.
    ///
    /// Any client whose token kind may create conversations and resume messages will do.
    pub async fn create<K: AcceptsCreate + AcceptsResumeMessage>(
        &self,
        client: &CognipeerClient<K>,
        body: &CreateConversation,
    ) -> Result<ToolOutcome<CreateConversationResponse>, ToolLoopError<CreateConversationResponse>>
    {
        let mut body = body.clone();
        body.client_tools = self.client_tools()?;
        let first = client.conversations().create().body(body).send().await?;
        self.run(client, first).await
    }

    /// `conversations().send_message` with the registry's tools as `clientTools` (replacing any
    /// in `body`), then the tool loop until the answer is done.
    ///
    /// Any client whose token kind may send and resume messages will do.
    pub async fn send_message<K: AcceptsSendMessage + AcceptsResumeMessage>(
        &self,
        client: &CognipeerClient<K>,
        conversation_id: &str,
        body: &SendMessage,
    ) -> Result<ToolOutcome<SendMessageResponse>, ToolLoopError<SendMessageResponse>> {
        let mut body = body.clone();
        body.client_tools = self.client_tools()?;
        let first = client
            .conversations()
            .send_message_with_body(conversation_id, body)
            .send()
            .await?;
        self.run(client, first).await
    }

    /// The tools as sent in `clientTools` (none: left out), or the first that cannot be sent.
    fn client_tools<R>(&self) -> Result<Option<Vec<ClientTool>>, ToolLoopError<R>> {
        let tools = self
            .tools
            .iter()
            .map(|tool| {
                tool.client_tool()
                    .map_err(|message| ToolLoopError::InvalidTool {
                        tool: tool.name.clone(),
                        message,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((!tools.is_empty()).then_some(tools))
    }

    /// Runs the tool the answer waits for and sends its result, until the answer waits for
    /// none or the rounds run out.
    async fn run<R: Answer, K: AcceptsResumeMessage>(
        &self,
        client: &CognipeerClient<K>,
        first: R,
    ) -> Result<ToolOutcome<R>, ToolLoopError<R>> {
        let mut outcome = ToolOutcome {
            response: first,
            runs: Vec::new(),
        };
        loop {
            let Some((message_id, action)) = outcome.response.waiting() else {
                return Ok(outcome);
            };
            // The tool's name as errors and logs show it: server text, masked should the
            // server echo the token.
            let shown = client.token_secret().redact_owned(action.tool_name.clone());
            if outcome.runs.len() >= self.max_rounds as usize {
                return Err(ToolLoopError::TooManyRounds {
                    max_rounds: self.max_rounds,
                    pending_tool: shown,
                    last: Box::new(outcome),
                });
            }
            let message_id = message_id.to_owned();
            let run = self.run_tool(action, &shown).await;
            let tool_result = run.result.clone();
            outcome.runs.push(run);
            let resumed = client
                .conversations()
                .resume_message(outcome.response.conversation_id(), &message_id, tool_result)
                .send()
                .await;
            match resumed {
                Ok(resumed) => outcome.response.absorb(resumed),
                Err(source) => {
                    return Err(ToolLoopError::Request {
                        source: Box::new(source),
                        runs: outcome.runs,
                    })
                }
            }
        }
    }

    /// Runs the tool a pending action names and records the result to send back. Logs the
    /// name (`shown`: masked, as the server sent it), status and duration, never the arguments,
    /// the output or the error text (they may hold the caller's secrets).
    async fn run_tool(&self, action: &PendingAction, shown: &str) -> ToolRun {
        let name = action.tool_name.as_str();
        let span = tracing::info_span!("client_tool", tool = %shown);
        if let Some(callback) = &self.on_start {
            guarded(shown, "on_tool_start", || callback(name, &action.args));
        }
        span.in_scope(|| tracing::debug!("client tool started"));
        let started = Instant::now();
        let result = match self.tools.iter().find(|tool| tool.name == name) {
            None => Err((
                ToolStatus::UnknownTool,
                format!("unknown tool `{name}`; {}", self.offer()),
            )),
            Some(tool) => {
                let timeout = tool.timeout.unwrap_or(self.tool_timeout);
                let arguments = Value::Object(action.args.clone().into_iter().collect());
                let running = CatchUnwind((tool.handler)(arguments));
                match tokio::time::timeout(timeout, running.instrument(span.clone())).await {
                    Ok(Ok(result)) => result,
                    Ok(Err(panic)) => Err((
                        ToolStatus::Panicked,
                        format!("the tool panicked: {}", panic_message(panic.as_ref())),
                    )),
                    Err(_) => Err((
                        ToolStatus::TimedOut,
                        format!("the tool did not finish within {timeout:?}"),
                    )),
                }
            }
        };
        let duration = started.elapsed();
        let (status, output, error) = match result {
            Ok(output) => (ToolStatus::Succeeded, output, None),
            Err((status, error)) => (status, String::new(), Some(error)),
        };
        span.in_scope(|| {
            tracing::info!(
                status = %status.as_str(),
                duration_ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                "client tool ran"
            );
        });
        let mut result = ToolResult::new(
            action.execution_id.clone(),
            status == ToolStatus::Succeeded,
            output,
        );
        result.error = error;
        let run = ToolRun {
            name: name.to_owned(),
            arguments: action.args.clone(),
            status,
            result,
            duration,
        };
        if let Some(callback) = &self.on_end {
            guarded(shown, "on_tool_end", || callback(&run));
        }
        run
    }

    /// "this client offers `a`, `b`", for the answer to an unknown tool.
    fn offer(&self) -> String {
        let names: Vec<String> = self.tool_names().map(|n| format!("`{n}`")).collect();
        if names.is_empty() {
            "this client offers no tools".to_owned()
        } else {
            format!("this client offers {}", names.join(", "))
        }
    }
}

/// Runs a caller's callback; a panic in it is logged and ignored, as the JS SDK ignores errors
/// thrown by its callbacks.
fn guarded(tool: &str, which: &str, callback: impl FnOnce()) {
    if std::panic::catch_unwind(AssertUnwindSafe(callback)).is_err() {
        tracing::warn!(tool, callback = which, "a tool callback panicked; ignored");
    }
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// A handler's future with its panics caught: a panic while it is polled ends it with the
/// panic's payload. (The panic hook still prints the panic, as for any panic.)
struct CatchUnwind(ToolFuture);

impl Future for CatchUnwind {
    type Output = Result<Result<String, (ToolStatus, String)>, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// A first response the loop can continue: create's and send_message's answers.
trait Answer {
    fn conversation_id(&self) -> &str;
    /// The message id and the tool call the answer waits for, if it waits for one.
    fn waiting(&self) -> Option<(&str, &PendingAction)>;
    /// Takes in a resume's answer.
    fn absorb(&mut self, resumed: ResumeMessageResponse);
}

/// A tool call the peer waits for: status `client_tool_call` with a pending action.
fn pending<'a>(
    status: Option<&MessageStatus>,
    action: Option<&'a PendingAction>,
) -> Option<&'a PendingAction> {
    action.filter(|_| status == Some(&MessageStatus::ClientToolCall))
}

impl Answer for CreateConversationResponse {
    fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    fn waiting(&self) -> Option<(&str, &PendingAction)> {
        // Without a message id there is nothing to resume (the JS SDK stops there too).
        let message_id = self.message_id.as_deref()?;
        pending(self.status.as_ref(), self.pending_action.as_ref()).map(|a| (message_id, a))
    }

    fn absorb(&mut self, resumed: ResumeMessageResponse) {
        self.content = Some(resumed.content);
        self.tools = resumed.tools;
        self.message_id = Some(resumed.message_id);
        self.status = Some(resumed.status);
        self.pending_action = resumed.pending_action;
    }
}

impl Answer for SendMessageResponse {
    fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    fn waiting(&self) -> Option<(&str, &PendingAction)> {
        pending(Some(&self.status), self.pending_action.as_ref())
            .map(|a| (self.message_id.as_str(), a))
    }

    fn absorb(&mut self, resumed: ResumeMessageResponse) {
        self.content = Some(resumed.content);
        self.tools = resumed.tools;
        self.message_id = resumed.message_id;
        self.status = resumed.status;
        self.pending_action = resumed.pending_action;
    }
}
