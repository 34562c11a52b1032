//! The validated intermediate representation: every name resolved, every default applied,
//! every Rust identifier chosen, every fact typed. Renderers read only this, and cannot fail on it.

/// A validated spec, ready to render.
#[derive(Debug, Clone)]
pub struct Api {
    /// File name of the spec as given to the generator, for the `@generated` preamble.
    pub spec_file: String,
    /// Display name of the API, e.g. `Cognipeer`.
    pub name: String,
    /// Rust name of the client type, e.g. `CognipeerClient`.
    pub client: String,
    /// Rust name of the client's builder, e.g. `CognipeerClientBuilder`.
    pub builder: String,
    /// Cargo package name of the generated crate, e.g. `cognipeer-sdk`.
    pub crate_name: String,
    /// The crate's name in Rust paths, e.g. `cognipeer_sdk`.
    pub crate_ident: String,
    /// Cargo package version of the generated crate.
    pub version: String,
    pub description: String,
    pub base_url: String,
    pub base_url_env: String,
    pub timeout_secs: u64,
    /// Default retry policy of idempotent operations.
    pub retry: RetryPolicy,
    pub auth: Auth,
    pub hook: Hook,
    pub errors: Vec<ErrorClass>,
    pub envelopes: Vec<Envelope>,
    pub models: Vec<Model>,
    pub resources: Vec<Resource>,
    /// Hand-written modules, in spec order.
    pub extensions: Vec<Extension>,
}

/// A hand-written module copied into the generated crate as `src/<module>.rs`.
#[derive(Debug, Clone)]
pub struct Extension {
    /// Module name, e.g. `tool_loop`.
    pub module: String,
    /// The source file, relative to the spec's directory, `/`-separated, without `.` segments.
    pub file: String,
    pub description: Option<String>,
    /// `pub mod` rather than `mod`.
    pub public: bool,
    /// Items re-exported at the crate root.
    pub exports: Vec<String>,
}

/// How idempotent operations are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Backoff ceiling before the first retry, in milliseconds; it doubles per retry.
    pub initial_backoff_ms: u64,
    /// Longest wait before a retry, in milliseconds.
    pub max_backoff_ms: u64,
}

impl RetryPolicy {
    /// The policy of a spec that does not set `api.retry`.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        initial_backoff_ms: 200,
        max_backoff_ms: 30_000,
    };
}

#[derive(Debug, Clone)]
pub struct Auth {
    pub header: String,
    /// E.g. `Bearer`; the header value is `"{scheme} {token}"`, or the bare token without one.
    pub scheme: Option<String>,
    pub env: String,
    pub modes: Vec<AuthMode>,
    /// Index into `modes` of the mode assumed for a token that carries no mode's prefix, if any.
    pub unprefixed: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct AuthMode {
    /// The spec's id, e.g. `api_token`.
    pub id: String,
    /// Enum variant, e.g. `ApiToken`.
    pub variant: String,
    /// Constructor name, e.g. `api_token`.
    pub constructor: String,
    /// Human name, e.g. `API channel token`.
    pub name: String,
    pub description: String,
    pub prefix: Option<String>,
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Hook {
    pub description: String,
    pub env: String,
    pub header: String,
    pub body_field: String,
    pub query: String,
}

/// An error response with a meaning of its own.
#[derive(Debug, Clone)]
pub struct ErrorClass {
    pub variant: String,
    pub status: u16,
    /// Lower-cased text the error message must contain, if any.
    pub message_contains: Option<String>,
    pub summary: String,
    pub hints: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Envelope {
    /// Rust constant name, e.g. `RESULT`.
    pub constant: String,
    pub description: String,
    pub success: String,
    pub error: Option<String>,
    pub data: Option<String>,
}

/// A resolved type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value.
    Json,
    List(Box<TypeRef>),
    /// A JSON object with string keys.
    Map(Box<TypeRef>),
    /// Index into `Api::models`.
    Named(usize),
}

#[derive(Debug, Clone)]
pub struct Model {
    /// Rust type name.
    pub name: String,
    pub description: String,
    pub kind: ModelKind,
    /// Every field can be defaulted, so the type derives `Default`.
    pub defaultable: bool,
}

#[derive(Debug, Clone)]
pub enum ModelKind {
    Object { fields: Vec<Field>, extra: bool },
    Enum { values: Vec<EnumValue>, open: bool },
}

#[derive(Debug, Clone)]
pub struct Field {
    /// Rust field name (snake case, never a keyword as-is).
    pub rust: String,
    /// Name on the wire.
    pub wire: String,
    pub ty: TypeRef,
    pub optional: bool,
    pub description: String,
    /// Value sent when the optional field or query parameter is left unset; it fits `ty`.
    pub default: Option<serde_json::Value>,
}

impl Field {
    /// The default as written in docs and query strings: text as is, anything else as JSON
    /// (`10`, `true`, `{}`).
    pub fn default_text(&self) -> Option<String> {
        self.default.as_ref().map(|value| match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub variant: String,
    pub wire: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Resource {
    /// The spec's name, e.g. `contacts` (the part of its operations' ids before the dot).
    pub name: String,
    /// Accessor method on the client, e.g. `contacts`.
    pub accessor: String,
    /// Rust type of the resource handle, e.g. `Contacts`.
    pub type_name: String,
    /// Module file name, e.g. `contacts`.
    pub module: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    /// `resource.operation`, as written in the spec.
    pub id: String,
    /// Rust method name.
    pub method_name: String,
    /// Name of the `Operation` descriptor constant.
    pub constant: String,
    pub http_method: HttpMethod,
    /// Whether sending it twice is safe, so that it may be retried.
    pub idempotent: bool,
    /// The path as written, e.g. `/sdk/conversation/{conversationId}`.
    pub path_template: String,
    pub path: Vec<PathSegment>,
    pub path_params: Vec<PathParam>,
    /// The generated query struct, if the operation has query parameters.
    pub query: Option<Query>,
    pub body: Option<TypeRef>,
    pub response: Option<TypeRef>,
    /// Index into `Api::envelopes`.
    pub envelope: Option<usize>,
    /// Indexes into `Auth::modes`, in spec order.
    pub accepts: Vec<usize>,
    pub hook: HookPlacement,
    pub description: String,
    pub deprecated: Option<String>,
    /// Wire names of which at least one must be set before sending.
    pub requires_any: Vec<String>,
    /// Wire names that must be set and not empty before sending.
    pub non_empty: Vec<String>,
    pub pagination: Option<Pagination>,
    /// The request builder the operation's method returns.
    pub request: Request,
}

/// An operation's request builder: the method's arguments (what the operation cannot go
/// without), then a setter per optional input; `send()` sends it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Rust name of the builder, e.g. `ContactsCreateRequest`.
    pub type_name: String,
    /// Rust name of the trait the client's token kind implements when it may call the
    /// operation, e.g. `AcceptsCreate`.
    pub auth_trait: String,
    /// The operation method's arguments, in order: path parameters, required query parameters,
    /// then required body fields (or the whole body).
    pub args: Vec<Input>,
    /// The builder's setters of optional inputs: query parameters, then body fields.
    pub setters: Vec<Input>,
    /// How the builder holds the body, if the operation has one.
    pub body: Option<RequestBody>,
    /// For a body model with required fields: the resource's second method, which takes the
    /// body prepared (instead of its required fields), and the name of that argument.
    pub with_body: Option<(String, String)>,
}

/// One argument or setter of a request builder.
#[derive(Debug, Clone)]
pub struct Input {
    /// Rust name of the argument or setter, unique among its kind.
    pub name: String,
    pub source: InputSource,
}

/// Where an argument's or setter's value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    /// Index into `Operation::path_params`.
    Path(usize),
    /// Index into the query struct's fields.
    Query(usize),
    /// Index into the body model's fields.
    BodyField(usize),
    /// The whole body (a body that is not an object model).
    Body,
}

impl InputSource {
    /// Whether the value goes in the body (a body field, or the body itself).
    pub fn in_body(&self) -> bool {
        matches!(self, InputSource::BodyField(_) | InputSource::Body)
    }
}

/// How a request builder holds its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    /// An object model (index into `Api::models`): its required fields are arguments, its optional
    /// ones setters, and `body(…)` replaces it whole.
    Object(usize),
    /// Any other type: `defaultable` ones (lists, maps) start empty and are set with `body(…)`,
    /// the others are an argument.
    Whole { defaultable: bool },
}

/// An HTTP method an operation may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl HttpMethod {
    /// Every method, in the order the spec format lists them.
    pub const ALL: [HttpMethod; 6] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
        HttpMethod::Head,
    ];

    /// The method written in any case (`get`, `GET`).
    pub fn parse(text: &str) -> Option<HttpMethod> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text))
    }

    /// As on the wire, and as `reqwest::Method` names its constants: `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
        }
    }

    /// In lower case, as OpenAPI keys a path's operations: `get`.
    pub fn as_lowercase(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Patch => "patch",
            HttpMethod::Delete => "delete",
            HttpMethod::Head => "head",
        }
    }

    /// Whether sending a request twice is safe by the method's definition (GET, PUT, DELETE,
    /// HEAD), so that the spec need not say `idempotent: true`.
    pub fn idempotent(self) -> bool {
        matches!(
            self,
            HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete | HttpMethod::Head
        )
    }

    /// Whether a request of this method may carry a body (not GET, HEAD or DELETE).
    pub fn allows_body(self) -> bool {
        !matches!(
            self,
            HttpMethod::Get | HttpMethod::Head | HttpMethod::Delete
        )
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// Every description of a placement (the spec format's schema, the docs, the README, OpenAPI, the
// runtime's descriptor) comes from here; the doc comments are the spec format's.
/// Where an operation sends the hookId.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Placement")]
pub enum HookPlacement {
    /// In the hook header.
    Header,
    /// As a field merged into the JSON object body.
    Body,
    /// As a query parameter.
    Query,
    /// Not sent.
    None,
}

impl HookPlacement {
    /// Every placement.
    pub const ALL: [HookPlacement; 4] = [
        HookPlacement::Header,
        HookPlacement::Body,
        HookPlacement::Query,
        HookPlacement::None,
    ];

    /// The spec's word (as serde reads it), also the OpenAPI `x-hook` value: `header`, `body`,
    /// `query` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            HookPlacement::Header => "header",
            HookPlacement::Body => "body",
            HookPlacement::Query => "query",
            HookPlacement::None => "none",
        }
    }

    /// The variant of the runtime's `HookPlacement`: `Header`, `Body`, `Query` or `None`.
    pub fn variant(self) -> &'static str {
        match self {
            HookPlacement::Header => "Header",
            HookPlacement::Body => "Body",
            HookPlacement::Query => "Query",
            HookPlacement::None => "None",
        }
    }

    /// A sentence for docs: "the hookId goes in the `X-Hook-Id` header", "no hookId is sent".
    pub fn sentence(self, hook: &Hook) -> String {
        match self {
            HookPlacement::Header => format!("the hookId goes in the `{}` header", hook.header),
            HookPlacement::Body => format!("the hookId goes in the body as `{}`", hook.body_field),
            HookPlacement::Query => {
                format!("the hookId goes in the `{}` query parameter", hook.query)
            }
            HookPlacement::None => "no hookId is sent".to_owned(),
        }
    }

    /// A table cell: "header `X-Hook-Id`", "body field `hookId`", "query `hookId`", "not sent".
    pub fn short(self, hook: &Hook) -> String {
        match self {
            HookPlacement::Header => format!("header `{}`", hook.header),
            HookPlacement::Body => format!("body field `{}`", hook.body_field),
            HookPlacement::Query => format!("query `{}`", hook.query),
            HookPlacement::None => "not sent".to_owned(),
        }
    }

    /// The hookId as an OpenAPI API key: its security scheme's name, where it goes (`header` or
    /// `query`) and under which name; `None` for the body and for no hookId.
    pub fn api_key(self, hook: &Hook) -> Option<(&'static str, &'static str, &str)> {
        match self {
            HookPlacement::Header => Some(("hookHeader", "header", &hook.header)),
            HookPlacement::Query => Some(("hookQuery", "query", &hook.query)),
            HookPlacement::Body | HookPlacement::None => None,
        }
    }
}

/// An operation's query parameters: a generated struct of scalar fields.
#[derive(Debug, Clone)]
pub struct Query {
    /// Rust name of the struct, e.g. `ContactsGetQuery`.
    pub name: String,
    pub description: String,
    pub fields: Vec<Field>,
    /// Every field can be defaulted, so the struct derives `Default`.
    pub defaultable: bool,
}

/// Page/limit pagination of a list operation, for its request's `into_pages`.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// Name of the static `Paging` descriptor, e.g. `LIST_PAGING`.
    pub constant: String,
    /// Request field or query parameter holding the 1-based page number.
    pub page: String,
    /// Request field or query parameter holding the page size.
    pub limit: String,
    /// Whether `page` is a query parameter (else a body field).
    pub in_query: bool,
    /// Response field holding the page's items.
    pub items: String,
    /// Response field holding the total number of items.
    pub total: String,
    /// Type of one item.
    pub item: TypeRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Literal(String),
    /// Index into `Operation::path_params`.
    Param(usize),
}

#[derive(Debug, Clone)]
pub struct PathParam {
    pub wire: String,
    pub rust: String,
    pub description: String,
}

#[cfg(test)]
mod tests {
    use super::{HookPlacement, HttpMethod};

    #[test]
    fn a_placement_is_named_as_the_spec_writes_it() {
        for placement in HookPlacement::ALL {
            assert_eq!(
                serde_json::to_value(placement).ok(),
                Some(serde_json::Value::from(placement.name()))
            );
        }
    }

    #[test]
    fn methods_read_in_any_case_and_print_in_both() {
        for method in HttpMethod::ALL {
            assert_eq!(HttpMethod::parse(method.as_str()), Some(method));
            assert_eq!(HttpMethod::parse(method.as_lowercase()), Some(method));
            assert_eq!(method.as_lowercase(), method.as_str().to_lowercase());
        }
        assert_eq!(HttpMethod::parse("Patch"), Some(HttpMethod::Patch));
        assert_eq!(HttpMethod::parse("FETCH"), None);
    }
}
