//! Raw spec → IR. Every check lives here; every problem becomes a [`Diagnostic`] with its spec path,
//! and all of them are collected in one run.

mod extensions;
mod operations;
mod types;

use crate::diagnostic::{suggest, Diagnostic};
use crate::ir;
use crate::naming::{is_valid, pascal, shouty, snake};
use crate::spec;
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

/// Names of generated items that share a namespace with spec-named items.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "String",
    "Vec",
    "Box",
    "Result",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Serialize",
    "Deserialize",
];
const RESERVED_ERRORS: &[&str] = &[
    "Config",
    "InvalidCredential",
    "AuthModeNotAccepted",
    "Encode",
    "Api",
    "Unsuccessful",
    "Timeout",
    "Transport",
    "Decode",
    "Precondition",
];
/// Names the generated client's own methods (and traits it implements) already use, so no
/// resource accessor may take them.
pub const RESERVED_ACCESSORS: &[&str] = &[
    "new",
    "builder",
    "http_client_builder",
    "from_env",
    "base_url",
    "token_mode",
    "token_secret",
    "ctx",
    "with_options",
    "typed",
    "dynamic",
    "clone",
    "fmt",
];

/// Validates a parsed spec. Returns the IR, or every problem found.
pub fn validate(spec: &spec::Spec, spec_file: &str) -> Result<ir::Api, Vec<Diagnostic>> {
    let mut v = Validator::default();
    let api = v.api(spec, spec_file);
    v.extension_clashes(&api);
    if v.diags.is_empty() {
        Ok(api)
    } else {
        Err(v.diags)
    }
}

#[derive(Default)]
struct Validator {
    diags: Vec<Diagnostic>,
    /// Defaults to check once every model is known (an enum may be declared after its use).
    defaults: Vec<types::DefaultCheck>,
}

impl Validator {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(path, message));
    }

    fn error_help(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::new(path, message).help(help));
    }

    fn api(&mut self, spec: &spec::Spec, spec_file: &str) -> ir::Api {
        if spec.spec_version != 1 {
            self.error_help(
                "spec_version",
                format!("unsupported spec_version {}", spec.spec_version),
                "this generator reads spec_version 1",
            );
        }
        let a = &spec.api;
        if a.crate_name.is_empty()
            || !a
                .crate_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            || !a.crate_name.starts_with(|c: char| c.is_ascii_lowercase())
        {
            self.error_help(
                "api.crate",
                format!("`{}` is not a valid crate name", a.crate_name),
                "use lower-case letters, digits, `-` and `_`, starting with a letter",
            );
        }
        let version_ok = a.version.split('.').count() == 3
            && a.version.split('.').all(|p| p.parse::<u64>().is_ok());
        if !version_ok {
            self.error_help(
                "api.version",
                format!("`{}` is not a version", a.version),
                "write it as MAJOR.MINOR.PATCH, e.g. `0.1.0`",
            );
        }
        let client = a
            .client
            .clone()
            .unwrap_or_else(|| format!("{}Client", pascal(&a.name)));
        if !is_valid(&client) || pascal(&client) != client {
            self.error_help(
                "api.client",
                format!("`{client}` is not a valid type name"),
                "use a PascalCase name such as `AcmeClient`",
            );
        }
        if !(a.base_url.starts_with("https://") || a.base_url.starts_with("http://")) {
            self.error_help(
                "api.base_url",
                format!("`{}` is not an http(s) URL", a.base_url),
                "write it as `https://host/prefix`",
            );
        }
        let base_url_env = a
            .base_url_env
            .clone()
            .unwrap_or_else(|| format!("{}_BASE_URL", shouty(&a.name)));
        self.env_var("api.base_url_env", &base_url_env);
        if a.timeout_secs == Some(0) {
            self.error("api.timeout_secs", "the timeout must be at least 1 second");
        }
        let retry = a
            .retry
            .as_ref()
            .map_or(ir::RetryPolicy::DEFAULT, |r| ir::RetryPolicy {
                max_attempts: r.max_attempts,
                initial_backoff_ms: r.initial_backoff_ms,
                max_backoff_ms: r.max_backoff_ms,
            });
        if retry.max_attempts == 0 {
            self.error_help(
                "api.retry.max_attempts",
                "max_attempts counts the first attempt, so it must be at least 1",
                "use 1 to disable retries",
            );
        }
        if retry.initial_backoff_ms > retry.max_backoff_ms {
            self.error_help(
                "api.retry.initial_backoff_ms",
                "the first backoff is longer than the longest wait (`max_backoff_ms`)",
                "lower `initial_backoff_ms` or raise `max_backoff_ms`",
            );
        }

        let auth = self.auth(&spec.auth);
        let hook = self.hook(&spec.hook);
        let errors = self.errors(&spec.errors);
        let envelopes = self.envelopes(&spec.envelopes);
        let type_index: IndexMap<&str, usize> = spec
            .types
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let models = self.models(&spec.types, &type_index);
        let resources = self.resources(spec, &models, &type_index);
        for check in std::mem::take(&mut self.defaults) {
            self.check_default(check, &models);
        }
        let extensions = self.extensions(&spec.extensions);
        if [&auth.env, &hook.env, &base_url_env]
            .iter()
            .collect::<BTreeSet<_>>()
            .len()
            < 3
        {
            self.error_help(
                "auth.env",
                format!("the token (`{}`), hookId (`{}`) and base-URL (`{base_url_env}`) environment variables must differ", auth.env, hook.env),
                "give each its own name",
            );
        }
        ir::Api {
            spec_file: spec_file.to_owned(),
            name: a.name.clone(),
            builder: format!("{client}Builder"),
            client,
            crate_name: a.crate_name.clone(),
            crate_ident: a.crate_name.replace('-', "_"),
            version: a.version.clone(),
            description: a
                .description
                .clone()
                .unwrap_or_else(|| format!("Client for the {} API.", a.name)),
            base_url: a.base_url.trim_end_matches('/').to_owned(),
            base_url_env,
            timeout_secs: a.timeout_secs.unwrap_or(60),
            retry,
            auth,
            hook,
            errors,
            envelopes,
            models,
            resources,
            extensions,
        }
    }

    fn env_var(&mut self, path: &str, name: &str) {
        let ok = name.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            self.error_help(
                path,
                format!("`{name}` is not a valid environment variable name"),
                "use upper-case letters, digits and `_`",
            );
        }
    }

    fn header_name(&mut self, path: &str, name: &str) {
        let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(tchar) {
            self.error_help(
                path,
                format!("`{name}` is not a valid HTTP header name"),
                "use letters, digits and `-`, e.g. `X-Hook-Id`",
            );
        }
    }

    /// A unique Rust name for each of `names`, reporting collisions that appear after conversion.
    fn unique_names<'a>(
        &mut self,
        what: &str,
        parent: &str,
        names: impl IntoIterator<Item = &'a String>,
        convert: impl Fn(&str) -> String,
        reserved: &[&str],
    ) -> Vec<String> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        let mut out = Vec::new();
        for name in names {
            let rust = convert(name);
            let path = format!("{parent}.{name}");
            if !is_valid(&rust) {
                self.error_help(
                    &path,
                    format!("{what} `{name}` does not give a usable Rust name (`{rust}`)"),
                    "start it with a letter and use letters, digits and `_`",
                );
            } else if reserved.contains(&rust.as_str()) {
                self.error_help(
                    &path,
                    format!(
                        "{what} `{name}` becomes `{rust}`, which the generated code already uses"
                    ),
                    "choose another name",
                );
            } else if let Some(first) = seen.get(&rust) {
                self.error_help(
                    &path,
                    format!("{what} `{name}` and `{first}` both become `{rust}` in Rust"),
                    "rename one of them",
                );
            } else {
                seen.insert(rust.clone(), name);
            }
            out.push(rust);
        }
        out
    }

    fn auth(&mut self, a: &spec::Auth) -> ir::Auth {
        self.header_name("auth.header", &a.header);
        if let Some(scheme) = &a.scheme {
            if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_graphic()) {
                self.error(
                    "auth.scheme",
                    format!("`{scheme}` is not a valid auth scheme"),
                );
            }
        }
        self.env_var("auth.env", &a.env);
        if a.modes.is_empty() {
            self.error_help("auth.modes", "no auth modes are declared", "declare at least one mode, e.g. `pat: { name: personal access token, prefix: pat_ }`");
        }
        let variants = self.unique_names("auth mode", "auth.modes", a.modes.keys(), pascal, &[]);
        let mut modes = Vec::new();
        for ((id, m), variant) in a.modes.iter().zip(variants) {
            if let Some(prefix) = &m.prefix {
                if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_graphic()) {
                    self.error(
                        format!("auth.modes.{id}.prefix"),
                        format!("prefix `{prefix}` must be non-empty visible ASCII"),
                    );
                }
            }
            modes.push(ir::AuthMode {
                id: id.clone(),
                constructor: snake(id),
                variant,
                name: m.name.clone(),
                description: m
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("A {}.", m.name)),
                prefix: m.prefix.clone(),
                deprecated: m.deprecated.clone(),
            });
        }
        for (i, m) in modes.iter().enumerate() {
            for other in &modes[i + 1..] {
                if let (Some(p), Some(q)) = (&m.prefix, &other.prefix) {
                    if p.starts_with(q.as_str()) || q.starts_with(p.as_str()) {
                        self.error_help(
                            format!("auth.modes.{}.prefix", other.id),
                            format!("prefixes `{p}` ({}) and `{q}` ({}) overlap, so a token's mode would be ambiguous", m.id, other.id),
                            "make neither prefix start with the other",
                        );
                    }
                }
            }
        }
        let ids: Vec<&str> = a.modes.keys().map(String::as_str).collect();
        let unprefixed = a
            .unprefixed
            .as_ref()
            .and_then(|m| self.mode_ref("auth.unprefixed", m, &ids));
        if let Some(m) = unprefixed.and_then(|i| modes.get(i)) {
            if m.prefix.is_some() {
                self.error_help(
                    "auth.unprefixed",
                    format!(
                        "mode `{}` has a prefix, so it cannot be the mode of unprefixed tokens",
                        m.id
                    ),
                    "name a mode without `prefix`",
                );
            }
        }
        if a.unprefixed.is_none() && !a.modes.is_empty() && modes.iter().all(|m| m.prefix.is_none())
        {
            self.error_help(
                "auth.modes",
                "no mode has a prefix, so the kind of a token can never be told",
                "add `unprefixed: <mode>` to `auth`, or a `prefix` to a mode",
            );
        }
        if a.default.is_empty() {
            self.error_help(
                "auth.default",
                "the default list of accepted modes is empty",
                "list at least one mode",
            );
        }
        for m in &a.default {
            self.mode_ref("auth.default", m, &ids);
        }
        ir::Auth {
            header: a.header.clone(),
            scheme: a.scheme.clone(),
            env: a.env.clone(),
            modes,
            unprefixed,
        }
    }

    fn mode_ref(&mut self, path: &str, id: &str, ids: &[&str]) -> Option<usize> {
        let found = ids.iter().position(|m| *m == id);
        if found.is_none() {
            self.error_help(
                path,
                format!("unknown auth mode `{id}`"),
                suggest(id, ids.iter().copied()),
            );
        }
        found
    }

    fn hook(&mut self, h: &spec::Hook) -> ir::Hook {
        self.env_var("hook.env", &h.env);
        self.header_name("hook.header", &h.header);
        if h.body_field.is_empty() {
            self.error("hook.body_field", "the hookId body field name is empty");
        }
        if h.query.is_empty() {
            self.error("hook.query", "the hookId query parameter name is empty");
        }
        ir::Hook {
            description: h
                .description
                .clone()
                .unwrap_or_else(|| "The channel hookId.".to_owned()),
            env: h.env.clone(),
            header: h.header.clone(),
            body_field: h.body_field.clone(),
            query: h.query.clone(),
        }
    }

    fn errors(&mut self, errors: &IndexMap<String, spec::ErrorClass>) -> Vec<ir::ErrorClass> {
        let variants = self.unique_names(
            "error class",
            "errors",
            errors.keys(),
            pascal,
            RESERVED_ERRORS,
        );
        let mut out = Vec::new();
        for ((name, e), variant) in errors.iter().zip(variants) {
            if !(400..=599).contains(&e.status) {
                self.error_help(
                    format!("errors.{name}.status"),
                    format!("status {} is not an error status", e.status),
                    "use a status from 400 to 599",
                );
            }
            out.push(ir::ErrorClass {
                variant,
                status: e.status,
                message_contains: e.message_contains.as_ref().map(|m| m.to_lowercase()),
                summary: e.summary.clone(),
                hints: e.hints.clone(),
            });
        }
        out
    }

    fn envelopes(&mut self, envelopes: &IndexMap<String, spec::Envelope>) -> Vec<ir::Envelope> {
        let constants = self.unique_names("envelope", "envelopes", envelopes.keys(), shouty, &[]);
        envelopes
            .iter()
            .zip(constants)
            .map(|((name, e), constant)| ir::Envelope {
                constant,
                description: e
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("The `{name}` envelope.")),
                success: e.success.clone(),
                error: e.error.clone(),
                data: e.data.clone(),
            })
            .collect()
    }
}
