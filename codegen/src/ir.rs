//! The validated intermediate representation: every name resolved, every default applied,
//! every Rust identifier chosen. Renderers read only this, and cannot fail on it.

pub use crate::spec::Placement;

/// A validated spec, ready to render.
#[derive(Debug, Clone)]
pub struct Api {
    /// File name of the spec as given to the generator, for the `@generated` preamble.
    pub spec_file: String,
    /// Display name of the API, e.g. `Cognipeer`.
    pub name: String,
    /// Rust name of the client type, e.g. `CognipeerClient`.
    pub client: String,
    /// Cargo package name of the generated crate.
    pub crate_name: String,
    /// Cargo package version of the generated crate.
    pub version: String,
    pub description: String,
    pub base_url: String,
    pub base_url_env: String,
    pub timeout_secs: u64,
    /// Default retry policy: attempts in total, first backoff and longest wait, in milliseconds.
    pub retry: (u32, u64, u64),
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
    /// Query text sent when an optional query parameter is left unset.
    pub default: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub variant: String,
    pub wire: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Resource {
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
    /// HTTP method, upper case.
    pub http_method: String,
    /// Whether sending it twice is safe, so that it may be retried.
    pub idempotent: bool,
    /// The path as written, e.g. `/sdk/conversation/{conversationId}`.
    pub path_template: String,
    pub path: Vec<PathSegment>,
    pub path_params: Vec<PathParam>,
    /// Name of the generated query struct and its fields, if the operation has query parameters.
    pub query: Option<Model>,
    pub body: Option<TypeRef>,
    pub response: Option<TypeRef>,
    /// Index into `Api::envelopes`.
    pub envelope: Option<usize>,
    /// Indexes into `Auth::modes`, in spec order.
    pub accepts: Vec<usize>,
    pub hook: Placement,
    pub description: String,
    pub deprecated: Option<String>,
    /// Wire names of which at least one must be set before sending.
    pub requires_any: Vec<String>,
    /// Wire names that must be set and not empty before sending.
    pub non_empty: Vec<String>,
    pub pagination: Option<Pagination>,
}

/// Page/limit pagination of a list operation, for its `…_all` helper.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// Name of the helper method, e.g. `list_all`.
    pub method_name: String,
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
