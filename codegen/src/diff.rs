//! What a spec edit means for the users of the generated crate: [`diff`] compares two validated
//! specs (IR) and lists every change to the generated API and to the wire, each with its semver
//! [`Class`] and a one-line reason. The rules follow the generated Rust API as it is built
//! (models and query structs `#[non_exhaustive]` with `new` and setters, request builders with
//! required inputs as arguments, a trait per operation for the token kinds it accepts, open enums
//! and `Error` `#[non_exhaustive]`) and what goes over the wire. Nothing here is API-specific.

use crate::ir;
use std::fmt;

/// How a change affects the crate's users, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Docs and descriptions only.
    Patch,
    /// Adds: users' code and requests keep working.
    Minor,
    /// Breaks users' code, or a request or response that worked before.
    Major,
}

impl Class {
    /// `patch`, `minor` or `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Patch => "patch",
            Class::Minor => "minor",
            Class::Major => "major",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Keep a Changelog section a change is listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Added,
    Changed,
    Deprecated,
    Removed,
}

impl Section {
    /// The section's heading: `Added`, `Changed`, `Deprecated` or `Removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Added => "Added",
            Section::Changed => "Changed",
            Section::Deprecated => "Deprecated",
            Section::Removed => "Removed",
        }
    }
}

/// One change between two versions of a spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    pub class: Class,
    pub section: Section,
    /// What changed, as the spec names it: `operation contacts.get`, `field Contact.email`,
    /// `enum MessageRole`, `auth`, …
    pub subject: String,
    /// What changed and why it has its class, in one line.
    pub reason: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<5} {}: {}", self.class, self.subject, self.reason)
    }
}

/// Every change from `old` to `new`, in a stable order (by subject, then reason). The version
/// (`api.version`) is not a change: it is what the changes are checked against.
pub fn diff(old: &ir::Api, new: &ir::Api) -> Vec<Change> {
    let mut d = Diff {
        old,
        new,
        changes: Vec::new(),
    };
    d.api();
    d.auth();
    d.hook();
    d.errors();
    d.envelopes();
    d.models();
    d.resources();
    d.extensions();
    let mut changes = d.changes;
    changes.sort_by(|a: &Change, b: &Change| {
        (&a.subject, &a.reason, a.class).cmp(&(&b.subject, &b.reason, b.class))
    });
    changes.dedup();
    changes
}

/// The comparison under way: both specs and the changes found so far.
struct Diff<'a> {
    old: &'a ir::Api,
    new: &'a ir::Api,
    changes: Vec<Change>,
}

/// Items of two lists matched by their spec name.
struct Pairs<'a, T> {
    removed: Vec<&'a T>,
    added: Vec<&'a T>,
    kept: Vec<(&'a T, &'a T)>,
}

/// Matches `old` and `new` items by `key`, keeping the order of `old` (then of `new`).
fn pairs<'a, T>(old: &'a [T], new: &'a [T], key: fn(&T) -> &str) -> Pairs<'a, T> {
    let find = |items: &'a [T], name: &str| items.iter().find(|i| key(i) == name);
    Pairs {
        removed: old.iter().filter(|o| find(new, key(o)).is_none()).collect(),
        added: new.iter().filter(|n| find(old, key(n)).is_none()).collect(),
        kept: old
            .iter()
            .filter_map(|o| find(new, key(o)).map(|n| (o, n)))
            .collect(),
    }
}

/// A type as the spec writes it: `string`, `list<Contact>`, `map<json>`, `Contact`.
fn type_name(api: &ir::Api, ty: &ir::TypeRef) -> String {
    match ty {
        ir::TypeRef::String => "string".to_owned(),
        ir::TypeRef::Integer => "integer".to_owned(),
        ir::TypeRef::Number => "number".to_owned(),
        ir::TypeRef::Boolean => "boolean".to_owned(),
        ir::TypeRef::Json => "json".to_owned(),
        ir::TypeRef::List(item) => format!("list<{}>", type_name(api, item)),
        ir::TypeRef::Map(value) => format!("map<{}>", type_name(api, value)),
        ir::TypeRef::Named(i) => api
            .models
            .get(*i)
            .map_or_else(|| format!("#{i}"), |m| m.name.clone()),
    }
}

/// An optional type: its name, or `none`.
fn maybe_type(api: &ir::Api, ty: Option<&ir::TypeRef>) -> String {
    ty.map_or_else(|| "none".to_owned(), |t| type_name(api, t))
}

/// An optional text, or `none`.
fn or_none(text: Option<&String>) -> &str {
    text.map_or("none", String::as_str)
}

/// The id of the mode of unprefixed tokens, or `none`.
fn unprefixed(auth: &ir::Auth) -> &str {
    auth.unprefixed
        .and_then(|i| auth.modes.get(i))
        .map_or("none", |m| m.id.as_str())
}

/// An operation's query parameters (none without a query struct).
fn query_fields(op: &ir::Operation) -> &[ir::Field] {
    op.query.as_ref().map_or(&[], |q| q.fields.as_slice())
}

/// A list of names as `[a, b]`.
fn listed(names: &[String]) -> String {
    format!("[{}]", names.join(", "))
}

/// An envelope by its spec name (the constant is its name in upper case).
fn envelope_name(envelope: &ir::Envelope) -> String {
    envelope.constant.to_lowercase()
}

/// Where fields live, for the reasons given about them.
#[derive(Clone, Copy)]
enum Owner {
    /// Fields of an object model.
    Model,
    /// Query parameters of an operation.
    Query,
}

impl Owner {
    fn added_optional(self) -> &'static str {
        match self {
            Owner::Model => "new optional field: a new setter, models are #[non_exhaustive]",
            Owner::Query => "new optional query parameter: a new setter of the request",
        }
    }

    fn added_required(self) -> &'static str {
        match self {
            Owner::Model => {
                "new required field: a new `new` parameter, and a field requests must send and \
                 responses must have"
            }
            Owner::Query => "new required query parameter: a new argument of the method",
        }
    }

    fn reordered(self) -> &'static str {
        match self {
            Owner::Model => "required fields reordered: the arguments of `new` change order",
            Owner::Query => {
                "required query parameters reordered: the method's arguments change order"
            }
        }
    }
}

impl Diff<'_> {
    fn push(&mut self, class: Class, section: Section, subject: &str, reason: impl Into<String>) {
        self.changes.push(Change {
            class,
            section,
            subject: subject.to_owned(),
            reason: reason.into(),
        });
    }

    /// Items in one list and not the other: each new one minor (Added) with `added`, each gone one
    /// major (Removed) with `removed`. Returns the items in both, to compare.
    fn came_and_went<'p, T>(
        &mut self,
        items: Pairs<'p, T>,
        subject: impl Fn(&T) -> String,
        added: &str,
        removed: &str,
    ) -> Vec<(&'p T, &'p T)> {
        for item in items.added {
            self.push(Class::Minor, Section::Added, &subject(item), added);
        }
        for item in items.removed {
            self.push(Class::Major, Section::Removed, &subject(item), removed);
        }
        items.kept
    }

    /// A value that changed, listed under Changed as `<what> <old> → <new>: <why>`.
    fn changed(
        &mut self,
        class: Class,
        subject: &str,
        what: &str,
        old: &str,
        new: &str,
        why: &str,
    ) {
        if old != new {
            let reason = format!("{what} {old} → {new}: {why}");
            let reason = reason.trim_start().to_owned();
            self.push(class, Section::Changed, subject, reason);
        }
    }

    /// Documentation that changed: a patch.
    fn docs(&mut self, subject: &str, what: &str, old: &str, new: &str) {
        if old != new {
            let reason = format!("{what} changed: docs only");
            self.push(Class::Patch, Section::Changed, subject, reason);
        }
    }

    /// A deprecation note set (minor), lifted or reworded (patch).
    fn deprecation(
        &mut self,
        subject: &str,
        effect: &str,
        old: Option<&String>,
        new: Option<&String>,
    ) {
        match (old, new) {
            (None, Some(_)) => {
                let reason = format!("deprecated: {effect}, code keeps compiling");
                self.push(Class::Minor, Section::Deprecated, subject, reason);
            }
            (Some(_), None) => {
                let reason = "no longer deprecated: the warning goes";
                self.push(Class::Patch, Section::Changed, subject, reason);
            }
            (Some(a), Some(b)) => self.docs(subject, "deprecation note", a, b),
            (None, None) => {}
        }
    }

    /// Whether a struct derives `Default`, which its users may call.
    fn defaultable(&mut self, subject: &str, old: bool, new: bool) {
        if old && !new {
            let reason = "no longer implements Default: code that calls Default::default() breaks";
            self.push(Class::Major, Section::Changed, subject, reason);
        } else if !old && new {
            let reason = "now implements Default: a new trait impl";
            self.push(Class::Minor, Section::Added, subject, reason);
        }
    }

    // ---- api ----

    fn api(&mut self) {
        let (o, n) = (self.old, self.new);
        let s = "api";
        let renamed = "names derived from it change, and code or manifests that use them break";
        self.changed(Class::Major, s, "name", &o.name, &n.name, renamed);
        let client = "the client type is renamed: code that names it breaks";
        self.changed(Class::Major, s, "client", &o.client, &n.client, client);
        let package = "the package is renamed: dependents must change their manifests and paths";
        self.changed(
            Class::Major,
            s,
            "crate",
            &o.crate_name,
            &n.crate_name,
            package,
        );
        let url = "requests go elsewhere";
        self.changed(Class::Major, s, "base_url", &o.base_url, &n.base_url, url);
        let env = "from_env() reads another variable; code keeps compiling";
        self.changed(
            Class::Minor,
            s,
            "base_url_env",
            &o.base_url_env,
            &n.base_url_env,
            env,
        );
        let (ot, nt) = (o.timeout_secs.to_string(), n.timeout_secs.to_string());
        let timeout = "another default timeout; code keeps compiling";
        self.changed(Class::Minor, s, "timeout_secs", &ot, &nt, timeout);
        let retry = |r: ir::RetryPolicy| {
            format!(
                "{}×/{}ms/{}ms",
                r.max_attempts, r.initial_backoff_ms, r.max_backoff_ms
            )
        };
        let why = "another default retry policy; code keeps compiling";
        self.changed(
            Class::Minor,
            s,
            "retry",
            &retry(o.retry),
            &retry(n.retry),
            why,
        );
        self.docs(s, "description", &o.description, &n.description);
    }

    // ---- auth ----

    fn auth(&mut self) {
        let (o, n) = (&self.old.auth, &self.new.auth);
        let s = "auth";
        let moved = "the server looks for the token elsewhere";
        self.changed(Class::Major, s, "header", &o.header, &n.header, moved);
        let (os, ns) = (or_none(o.scheme.as_ref()), or_none(n.scheme.as_ref()));
        let scheme = "the header's value changes, so the server reads the token differently";
        self.changed(Class::Major, s, "scheme", os, ns, scheme);
        let env = "from_env() reads the token from another variable";
        self.changed(Class::Major, s, "env", &o.env, &n.env, env);
        let why = "tokens without a prefix are taken for another kind, or refused";
        let (ou, nu) = (unprefixed(o), unprefixed(n));
        self.changed(Class::Major, s, "unprefixed mode", ou, nu, why);
        let modes = pairs(&o.modes, &n.modes, |m| m.id.as_str());
        let kept = self.came_and_went(
            modes,
            |x| format!("auth mode {}", x.id),
            "new token kind: a new constructor and variant of the #[non_exhaustive] AuthMode",
            "removed: its constructor and variant go, and its tokens are refused",
        );
        for (om, nm) in kept {
            self.auth_mode(om, nm);
        }
    }

    fn auth_mode(&mut self, o: &ir::AuthMode, n: &ir::AuthMode) {
        let s = &format!("auth mode {}", o.id);
        let (op, np) = (or_none(o.prefix.as_ref()), or_none(n.prefix.as_ref()));
        let why = "tokens are told apart by another prefix, so some are taken for another kind";
        self.changed(Class::Major, s, "prefix", op, np, why);
        let effect = "its constructor becomes #[deprecated]";
        self.deprecation(s, effect, o.deprecated.as_ref(), n.deprecated.as_ref());
        self.docs(s, "name", &o.name, &n.name);
        self.docs(s, "description", &o.description, &n.description);
    }

    // ---- hook ----

    fn hook(&mut self) {
        let (o, n) = (&self.old.hook, &self.new.hook);
        let s = "hook";
        let moved = "the server looks for the hookId elsewhere";
        self.changed(Class::Major, s, "header", &o.header, &n.header, moved);
        self.changed(
            Class::Major,
            s,
            "body_field",
            &o.body_field,
            &n.body_field,
            moved,
        );
        self.changed(Class::Major, s, "query", &o.query, &n.query, moved);
        let env = "from_env() reads the hookId from another variable";
        self.changed(Class::Major, s, "env", &o.env, &n.env, env);
        self.docs(s, "description", &o.description, &n.description);
    }

    // ---- errors ----

    fn errors(&mut self) {
        let (o, n) = (&self.old.errors, &self.new.errors);
        let classes = pairs(o, n, |e| e.variant.as_str());
        let kept = self.came_and_went(
            classes,
            |x| format!("error {}", x.variant),
            "new variant of the #[non_exhaustive] Error: responses that matched the \
                          generic API error before now get it",
            "removed: code that matches the variant breaks",
        );
        for (oe, ne) in kept {
            self.error_class(oe, ne);
        }
        let order = |list: &[ir::ErrorClass], other: &[ir::ErrorClass]| -> Vec<String> {
            list.iter()
                .filter(|e| other.iter().any(|x| x.variant == e.variant))
                .map(|e| e.variant.clone())
                .collect()
        };
        let (oo, no) = (order(o, n), order(n, o));
        let why = "the first match wins, so some responses get another variant";
        self.changed(
            Class::Major,
            "errors",
            "order",
            &listed(&oo),
            &listed(&no),
            why,
        );
    }

    fn error_class(&mut self, o: &ir::ErrorClass, n: &ir::ErrorClass) {
        let s = &format!("error {}", o.variant);
        let why = "responses are matched differently";
        let (os, ns) = (o.status.to_string(), n.status.to_string());
        self.changed(Class::Major, s, "status", &os, &ns, why);
        let (om, nm) = (o.message_contains.as_ref(), n.message_contains.as_ref());
        self.changed(
            Class::Major,
            s,
            "message_contains",
            or_none(om),
            or_none(nm),
            why,
        );
        self.docs(s, "summary", &o.summary, &n.summary);
        self.docs(s, "hints", &o.hints.join("\n"), &n.hints.join("\n"));
    }

    // ---- envelopes ----

    fn envelopes(&mut self) {
        let (o, n) = (&self.old.envelopes, &self.new.envelopes);
        let envelopes = pairs(o, n, |e| e.constant.as_str());
        let kept = self.came_and_went(
            envelopes,
            |x| format!("envelope {}", envelope_name(x)),
            "new envelope: a new constant",
            "removed: its constant goes, and responses are unwrapped differently",
        );
        for (oe, ne) in kept {
            let s = &format!("envelope {}", envelope_name(oe));
            let why = "responses are read differently";
            self.changed(
                Class::Major,
                s,
                "success field",
                &oe.success,
                &ne.success,
                why,
            );
            let (oerr, nerr) = (or_none(oe.error.as_ref()), or_none(ne.error.as_ref()));
            self.changed(Class::Major, s, "error field", oerr, nerr, why);
            let (od, nd) = (or_none(oe.data.as_ref()), or_none(ne.data.as_ref()));
            self.changed(Class::Major, s, "data field", od, nd, why);
            self.docs(s, "description", &oe.description, &ne.description);
        }
    }

    // ---- types ----

    fn models(&mut self) {
        let (old, new) = (self.old, self.new);
        let models = pairs(&old.models, &new.models, |m| m.name.as_str());
        let kept = self.came_and_went(
            models,
            |x| format!("type {}", x.name),
            "new type",
            "removed: code that names it breaks",
        );
        for (om, nm) in kept {
            self.model(om, nm);
        }
    }

    fn model(&mut self, o: &ir::Model, n: &ir::Model) {
        let s = &format!("type {}", o.name);
        self.docs(s, "description", &o.description, &n.description);
        match (&o.kind, &n.kind) {
            (
                ir::ModelKind::Object {
                    fields: of,
                    extra: oe,
                },
                ir::ModelKind::Object {
                    fields: nf,
                    extra: ne,
                },
            ) => {
                self.fields(Owner::Model, s, &format!("field {}", o.name), of, nf);
                self.extra(s, *oe, *ne);
                self.defaultable(s, o.defaultable, n.defaultable);
            }
            (
                ir::ModelKind::Enum {
                    values: ov,
                    open: oo,
                },
                ir::ModelKind::Enum {
                    values: nv,
                    open: no,
                },
            ) => self.enumeration(&o.name, (ov, *oo), (nv, *no)),
            (ir::ModelKind::Object { .. }, ir::ModelKind::Enum { .. }) => {
                let reason = "object → enum: code and payloads that used it break";
                self.push(Class::Major, Section::Changed, s, reason);
            }
            (ir::ModelKind::Enum { .. }, ir::ModelKind::Object { .. }) => {
                let reason = "enum → object: code and payloads that used it break";
                self.push(Class::Major, Section::Changed, s, reason);
            }
        }
    }

    /// The `extra` map of unknown fields.
    fn extra(&mut self, subject: &str, old: bool, new: bool) {
        if !old && new {
            let reason = "extra on: unknown fields are kept in a new `extra` field, models are \
                          #[non_exhaustive]";
            self.push(Class::Minor, Section::Added, subject, reason);
        } else if old && !new {
            let reason = "extra off: the `extra` field goes, code that reads it breaks";
            self.push(Class::Major, Section::Removed, subject, reason);
        }
    }

    /// The fields of a model or the query parameters of an operation, matched by wire name;
    /// `owner` is the subject of the struct, `prefix` that of its fields (before `.wire`).
    fn fields(
        &mut self,
        kind: Owner,
        owner: &str,
        prefix: &str,
        old: &[ir::Field],
        new: &[ir::Field],
    ) {
        let fields = pairs(old, new, |f| f.wire.as_str());
        for f in fields.added {
            let s = &format!("{prefix}.{}", f.wire);
            if f.optional {
                self.push(Class::Minor, Section::Added, s, kind.added_optional());
            } else {
                self.push(Class::Major, Section::Changed, s, kind.added_required());
            }
        }
        for f in fields.removed {
            let s = &format!("{prefix}.{}", f.wire);
            let reason = "removed: code that reads or sets it breaks";
            self.push(Class::Major, Section::Removed, s, reason);
        }
        for (of, nf) in fields.kept {
            self.field(&format!("{prefix}.{}", of.wire), of, nf);
        }
        self.required_order(kind, owner, old, new);
    }

    fn field(&mut self, s: &str, o: &ir::Field, n: &ir::Field) {
        let (old, new) = (self.old, self.new);
        let renamed = "code that uses the Rust field or setter breaks";
        self.changed(Class::Major, s, "Rust name", &o.rust, &n.rust, renamed);
        let (ot, nt) = (type_name(old, &o.ty), type_name(new, &n.ty));
        let why = "code and payloads that used it break";
        self.changed(Class::Major, s, "type", &ot, &nt, why);
        let optionality = |f: &ir::Field| if f.optional { "optional" } else { "required" };
        let why = "its Rust type and how it is set change";
        self.changed(Class::Major, s, "", optionality(o), optionality(n), why);
        let (od, nd) = (o.default_text(), n.default_text());
        let (od, nd) = (or_none(od.as_ref()), or_none(nd.as_ref()));
        let why = "a different value goes on the wire when it is unset";
        self.changed(Class::Major, s, "default", od, nd, why);
        self.docs(s, "description", &o.description, &n.description);
    }

    /// Required fields are positional arguments (of `new`, of the operation's method) in the
    /// spec's order, so the order of those required before and after matters.
    fn required_order(&mut self, kind: Owner, owner: &str, old: &[ir::Field], new: &[ir::Field]) {
        let order = |list: &[ir::Field], other: &[ir::Field]| -> Vec<String> {
            list.iter()
                .filter(|f| !f.optional)
                .filter(|f| other.iter().any(|g| g.wire == f.wire && !g.optional))
                .map(|f| f.wire.clone())
                .collect()
        };
        if order(old, new) != order(new, old) {
            self.push(Class::Major, Section::Changed, owner, kind.reordered());
        }
    }

    fn enumeration(
        &mut self,
        name: &str,
        old: (&[ir::EnumValue], bool),
        new: (&[ir::EnumValue], bool),
    ) {
        let s = &format!("type {name}");
        let openness = |open: bool| if open { "open" } else { "closed" };
        let why = "exhaustive matches or the decoding of unknown values change";
        self.changed(
            Class::Major,
            s,
            "enum",
            openness(old.1),
            openness(new.1),
            why,
        );
        let values = pairs(old.0, new.0, |v| v.wire.as_str());
        for v in values.added {
            let s = &format!("enum value {name}.{}", v.wire);
            if new.1 {
                let reason =
                    "new value of an open enum: a new variant, the enum is #[non_exhaustive]";
                self.push(Class::Minor, Section::Added, s, reason);
            } else {
                let reason = "new value of a closed enum: exhaustive matches break";
                self.push(Class::Major, Section::Changed, s, reason);
            }
        }
        for v in values.removed {
            let s = &format!("enum value {name}.{}", v.wire);
            let reason = "removed: code that uses the variant breaks";
            self.push(Class::Major, Section::Removed, s, reason);
        }
        for (ov, nv) in values.kept {
            let s = &format!("enum value {name}.{}", ov.wire);
            self.docs(s, "description", &ov.description, &nv.description);
        }
    }

    // ---- resources and operations ----

    fn resources(&mut self) {
        let (old, new) = (self.old, self.new);
        let resources = pairs(&old.resources, &new.resources, |r| r.name.as_str());
        let kept = self.came_and_went(
            resources,
            |x| format!("resource {}", x.name),
            "new resource: a new accessor on the client",
            "removed: its accessor and its operations go, code that calls them breaks",
        );
        for (or, nr) in kept {
            let s = &format!("resource {}", or.name);
            self.docs(s, "description", &or.description, &nr.description);
            self.operations(or, nr);
        }
    }

    fn operations(&mut self, o: &ir::Resource, n: &ir::Resource) {
        let ops = pairs(&o.operations, &n.operations, |op| op.id.as_str());
        let kept = self.came_and_went(
            ops,
            |x| format!("operation {}", x.id),
            "new operation: a new method",
            "removed: code that calls the method breaks",
        );
        for (oo, no) in kept {
            self.operation(oo, no);
        }
    }

    fn operation(&mut self, o: &ir::Operation, n: &ir::Operation) {
        let s = &format!("operation {}", o.id);
        let endpoint = "requests go to another endpoint";
        let (om, nm) = (o.http_method.as_str(), n.http_method.as_str());
        self.changed(Class::Major, s, "method", om, nm, endpoint);
        self.changed(
            Class::Major,
            s,
            "path",
            &o.path_template,
            &n.path_template,
            endpoint,
        );
        self.path_params(o, n);
        self.query(o, n);
        self.payloads(s, o, n);
        self.accepts(s, o, n);
        let (oh, nh) = (o.hook.name(), n.hook.name());
        let why = "the server looks for the hookId elsewhere";
        self.changed(Class::Major, s, "placement", oh, nh, why);
        let effect = "the method becomes #[deprecated]";
        self.deprecation(s, effect, o.deprecated.as_ref(), n.deprecated.as_ref());
        self.idempotent(s, o.idempotent, n.idempotent);
        self.requires(s, o, n);
        self.pagination(s, o, n);
        self.docs(s, "description", &o.description, &n.description);
    }

    fn path_params(&mut self, o: &ir::Operation, n: &ir::Operation) {
        let params = pairs(&o.path_params, &n.path_params, |p| p.wire.as_str());
        for p in params.added {
            let s = &format!("path param {}.{}", o.id, p.wire);
            let reason = "new path parameter: a new argument of the method";
            self.push(Class::Major, Section::Changed, s, reason);
        }
        for p in params.removed {
            let s = &format!("path param {}.{}", o.id, p.wire);
            let reason = "removed: an argument of the method goes";
            self.push(Class::Major, Section::Removed, s, reason);
        }
        for (op, np) in params.kept {
            let s = &format!("path param {}.{}", o.id, op.wire);
            let why = "code that names the argument breaks";
            self.changed(Class::Major, s, "Rust name", &op.rust, &np.rust, why);
            self.docs(s, "description", &op.description, &np.description);
        }
    }

    fn query(&mut self, o: &ir::Operation, n: &ir::Operation) {
        let owner = &format!("query {}", o.id);
        self.fields(Owner::Query, owner, owner, query_fields(o), query_fields(n));
        if let (Some(oq), Some(nq)) = (&o.query, &n.query) {
            self.defaultable(owner, oq.defaultable, nq.defaultable);
        }
    }

    /// Body, response and envelope: what goes over the wire and what the method returns.
    fn payloads(&mut self, s: &str, o: &ir::Operation, n: &ir::Operation) {
        let (old, new) = (self.old, self.new);
        let (ob, nb) = (
            maybe_type(old, o.body.as_ref()),
            maybe_type(new, n.body.as_ref()),
        );
        let why = "the method's arguments and the request's payload change";
        self.changed(Class::Major, s, "body", &ob, &nb, why);
        let (or, nr) = (
            maybe_type(old, o.response.as_ref()),
            maybe_type(new, n.response.as_ref()),
        );
        self.changed(
            Class::Major,
            s,
            "response",
            &or,
            &nr,
            "the method's return type changes",
        );
        let envelope = |api: &ir::Api, op: &ir::Operation| {
            op.envelope
                .and_then(|i| api.envelopes.get(i))
                .map_or_else(|| "none".to_owned(), envelope_name)
        };
        let why = "responses are unwrapped differently";
        self.changed(
            Class::Major,
            s,
            "envelope",
            &envelope(old, o),
            &envelope(new, n),
            why,
        );
    }

    /// The token kinds the operation accepts, by mode id.
    fn accepts(&mut self, s: &str, o: &ir::Operation, n: &ir::Operation) {
        let ids = |api: &ir::Api, op: &ir::Operation| -> Vec<String> {
            op.accepts
                .iter()
                .filter_map(|&i| api.auth.modes.get(i))
                .map(|m| m.id.clone())
                .collect()
        };
        let (oa, na) = (ids(self.old, o), ids(self.new, n));
        for id in oa.iter().filter(|id| !na.contains(id)) {
            let reason = format!(
                "no longer accepts {id} tokens: typed clients lose the method, and requests with \
                 one are refused"
            );
            self.push(Class::Major, Section::Changed, s, reason);
        }
        for id in na.iter().filter(|id| !oa.contains(id)) {
            let reason =
                format!("now accepts {id} tokens: typed clients of that kind gain the method");
            self.push(Class::Minor, Section::Changed, s, reason);
        }
    }

    fn idempotent(&mut self, s: &str, old: bool, new: bool) {
        if old != new {
            let reason = if new {
                "idempotent false → true: it is now retried on transient failures"
            } else {
                "idempotent true → false: it is no longer retried"
            };
            self.push(Class::Minor, Section::Changed, s, reason);
        }
    }

    /// Client-side preconditions: tighter ones refuse calls that were sent (major), looser ones
    /// send calls that were refused (minor).
    fn requires(&mut self, s: &str, o: &ir::Operation, n: &ir::Operation) {
        for name in n.non_empty.iter().filter(|x| !o.non_empty.contains(x)) {
            let reason =
                format!("`{name}` must now be set and not empty: calls that were sent are refused");
            self.push(Class::Major, Section::Changed, s, reason);
        }
        for name in o.non_empty.iter().filter(|x| !n.non_empty.contains(x)) {
            let reason = format!(
                "`{name}` need no longer be set and not empty: calls that were refused are sent"
            );
            self.push(Class::Minor, Section::Changed, s, reason);
        }
        let (oa, na) = (&o.requires_any, &n.requires_any);
        let same = oa.len() == na.len() && oa.iter().all(|x| na.contains(x));
        if same {
            return;
        }
        let loosened = na.is_empty() || (!oa.is_empty() && oa.iter().all(|x| na.contains(x)));
        let show = |names: &[String]| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                listed(names)
            }
        };
        let reason = format!("any_of {} → {}", show(oa), show(na));
        if loosened {
            let reason = format!("{reason}: calls that were sent still are, more are accepted");
            self.push(Class::Minor, Section::Changed, s, reason);
        } else {
            let reason = format!("{reason}: calls that were sent may be refused");
            self.push(Class::Major, Section::Changed, s, reason);
        }
    }

    fn pagination(&mut self, s: &str, o: &ir::Operation, n: &ir::Operation) {
        match (&o.pagination, &n.pagination) {
            (None, Some(_)) => {
                let reason = "paginated: the request gains into_pages()";
                self.push(Class::Minor, Section::Added, s, reason);
            }
            (Some(_), None) => {
                let reason = "no longer paginated: into_pages() goes";
                self.push(Class::Major, Section::Removed, s, reason);
            }
            (Some(op), Some(np)) => {
                let why = "pages are requested or read differently";
                self.changed(Class::Major, s, "paging page", &op.page, &np.page, why);
                self.changed(Class::Major, s, "paging limit", &op.limit, &np.limit, why);
                self.changed(Class::Major, s, "paging items", &op.items, &np.items, why);
                self.changed(Class::Major, s, "paging total", &op.total, &np.total, why);
            }
            (None, None) => {}
        }
    }

    // ---- extensions ----

    fn extensions(&mut self) {
        let (old, new) = (self.old, self.new);
        let modules = pairs(&old.extensions, &new.extensions, |e| e.module.as_str());
        let kept = self.came_and_went(
            modules,
            |x| format!("extension {}", x.module),
            "new hand-written module: new items",
            "removed: code that uses its items breaks",
        );
        for (oe, ne) in kept {
            self.extension(oe, ne);
        }
    }

    fn extension(&mut self, o: &ir::Extension, n: &ir::Extension) {
        let s = &format!("extension {}", o.module);
        let exports = pairs(&o.exports, &n.exports, String::as_str);
        for x in exports.added {
            let reason = format!("export {x} added: a new item at the crate root");
            self.push(Class::Minor, Section::Added, s, reason);
        }
        for x in exports.removed {
            let reason =
                format!("export {x} removed: code that uses it from the crate root breaks");
            self.push(Class::Major, Section::Removed, s, reason);
        }
        if o.public && !n.public {
            let reason = "no longer public: code that names the module breaks";
            self.push(Class::Major, Section::Removed, s, reason);
        } else if !o.public && n.public {
            let reason = "now public: the module can be named";
            self.push(Class::Minor, Section::Added, s, reason);
        }
        let (od, nd) = (
            or_none(o.description.as_ref()),
            or_none(n.description.as_ref()),
        );
        self.docs(s, "description", od, nd);
        if o.file != n.file {
            let reason = "source file moved: its contents are not compared";
            self.push(Class::Patch, Section::Changed, s, reason);
        }
    }
}

/// The mildest version bump that allows `changes`: `None` when there are none.
pub fn required(changes: &[Change]) -> Option<Class> {
    changes.iter().map(|c| c.class).max()
}

/// A semver version as the spec's `api.version` holds it (pre-release and build left aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// `1.2.3`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let version = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }

    /// The version after a release of `class`, as Cargo reads compatibility: under 1.0 a major
    /// change raises the minor number (0.1 → 0.2) and a minor one the patch number.
    pub fn bumped(self, class: Class) -> Version {
        let Version {
            major,
            minor,
            patch,
        } = self;
        match (class, major) {
            (Class::Major, 0) | (Class::Minor, 1..) => Version {
                major,
                minor: minor + 1,
                patch: 0,
            },
            (Class::Major, _) => Version {
                major: major + 1,
                minor: 0,
                patch: 0,
            },
            (Class::Minor, 0) | (Class::Patch, _) => Version {
                major,
                minor,
                patch: patch + 1,
            },
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{diff, required, Change, Class, Version};

    /// A spec with one of every kind of item the diff compares.
    const BASE: &str = r#"
spec_version: 1

api:
  name: Fixture
  crate: fixture-sdk
  version: 0.1.0
  description: The fixture API.
  base_url: https://api.example.com
  base_url_env: FIXTURE_BASE_URL
  timeout_secs: 60
  retry: { max_attempts: 3, initial_backoff_ms: 200, max_backoff_ms: 30000 }

auth:
  header: Authorization
  scheme: Bearer
  env: FIXTURE_TOKEN
  unprefixed: api_token
  default: [pat]
  modes:
    pat:
      name: personal access token
      description: A user's token.
      prefix: pat_
    api_token:
      name: API channel token
    legacy:
      name: legacy token
      prefix: lt_

hook:
  description: The channel hookId.
  env: FIXTURE_HOOK_ID
  header: X-Hook-Id
  body_field: hookId
  query: hookId
  default: header

errors:
  InvalidToken:
    status: 401
    message_contains: invalid token
    summary: the token is invalid
  Unauthorized:
    status: 401
    summary: authorization failed

envelopes:
  result:
    description: The result wrapper.
    success: ok
    error: error
    data: data

types:
  Contact:
    description: A contact of the workspace.
    fields:
      id: { type: string, wire: _id }
      email: { type: string?, description: The e-mail address. }
      role: Role?
      channels: list<Channel>?
  Role:
    values:
      admin: An administrator.
      member:
  Channel:
    open: true
    values:
      web:
      slack:
  NewContact:
    fields:
      firstName: string
      lastName: string
      email: string?
      priority: { type: integer?, default: 1 }
  ContactPage:
    fields:
      data: list<Contact>
      total: integer
  Note:
    extra: true
    fields:
      text: string?

resources:
  contacts:
    description: The contacts of the workspace.
    operations:
      get:
        description: Fetch one contact.
        method: GET
        path: /contacts/{contactId}
        path_params:
          contactId: { description: The contact's id. }
        query:
          fields: string?
          limit: { type: integer?, default: 10 }
        response: Contact
        envelope: result
      find:
        method: GET
        path: /contacts/find
        query:
          email: string?
          phone: string?
        requires: { any_of: [email, phone] }
        response: Contact
      create:
        method: POST
        path: /contacts
        auth: [pat, api_token]
        body: NewContact
        requires: { non_empty: [firstName] }
        response: Contact
      list:
        method: GET
        path: /contacts
        query:
          page: integer?
          limit: integer?
        response: ContactPage
        paginate: { page: page, limit: limit, items: data, total: total }
      search:
        method: GET
        path: /contacts/search
        query:
          page: integer?
          limit: integer?
        response: ContactPage
      purge:
        method: DELETE
        path: /contacts/stale
  users:
    operations:
      me:
        method: GET
        path: /me
        response: Contact

extensions:
  tool_loop:
    file: tool_loop.rs
    description: A tool loop.
    public: true
    exports: [ToolLoop]
"#;

    /// `text` with the one occurrence of `from` replaced by `to`.
    fn once(text: &str, from: &str, to: &str) -> String {
        assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
        text.replacen(from, to, 1)
    }

    type Row = (
        &'static str,
        fn(&str) -> String,
        Option<Class>,
        &'static str,
    );

    #[rustfmt::skip]
    const ROWS: &[Row] = &[
        ("no change", |s| s.to_owned(), None, ""),
        // api
        ("api description", |s| once(s, "The fixture API.", "The fixture's API."), Some(Class::Patch), "api"),
        ("api name", |s| once(s, "name: Fixture", "name: Fixtures"), Some(Class::Major), "api"),
        ("api crate", |s| once(s, "fixture-sdk", "fixtures-sdk"), Some(Class::Major), "api"),
        ("api base_url", |s| once(s, "api.example.com", "api.example.org"), Some(Class::Major), "api"),
        ("api base_url_env", |s| once(s, "FIXTURE_BASE_URL", "FIXTURE_URL"), Some(Class::Minor), "api"),
        ("api timeout", |s| once(s, "timeout_secs: 60", "timeout_secs: 30"), Some(Class::Minor), "api"),
        ("api retry", |s| once(s, "max_attempts: 3", "max_attempts: 5"), Some(Class::Minor), "api"),
        ("api version only", |s| once(s, "version: 0.1.0", "version: 0.2.0"), None, ""),
        // auth
        ("auth header", |s| once(s, "header: Authorization", "header: X-Token"), Some(Class::Major), "auth"),
        ("auth scheme", |s| once(s, "scheme: Bearer", "scheme: Token"), Some(Class::Major), "auth"),
        ("auth mode added", |s| once(s, "    legacy:\n", "    ws:\n      name: workspace token\n      prefix: ws_\n    legacy:\n"), Some(Class::Minor), "auth mode ws"),
        ("auth mode removed", |s| once(s, "    legacy:\n      name: legacy token\n      prefix: lt_\n", ""), Some(Class::Major), "auth mode legacy"),
        ("auth mode prefix", |s| once(s, "prefix: lt_", "prefix: legacy_"), Some(Class::Major), "auth mode legacy"),
        ("auth mode deprecated", |s| once(s, "prefix: lt_\n", "prefix: lt_\n      deprecated: Use a pat.\n"), Some(Class::Minor), "auth mode legacy"),
        ("auth unprefixed", |s| once(s, "  unprefixed: api_token\n", ""), Some(Class::Major), "auth"),
        ("auth mode description", |s| once(s, "A user's token.", "A user's own token."), Some(Class::Patch), "auth mode pat"),
        // hook
        ("hook header", |s| once(s, "X-Hook-Id", "X-Hook"), Some(Class::Major), "hook"),
        ("hook body field", |s| once(s, "body_field: hookId", "body_field: hook_id"), Some(Class::Major), "hook"),
        ("hook description", |s| once(s, "The channel hookId.", "The hookId."), Some(Class::Patch), "hook"),
        // errors
        ("error added", |s| once(s, "errors:\n", "errors:\n  RateLimited:\n    status: 429\n    summary: too many requests\n"), Some(Class::Minor), "error RateLimited"),
        ("error removed", |s| once(s, "  Unauthorized:\n    status: 401\n    summary: authorization failed\n", ""), Some(Class::Major), "error Unauthorized"),
        ("error status", |s| once(s, "status: 401\n    summary: authorization", "status: 403\n    summary: authorization"), Some(Class::Major), "error Unauthorized"),
        ("error message", |s| once(s, "message_contains: invalid token", "message_contains: bad token"), Some(Class::Major), "error InvalidToken"),
        ("errors reordered", |s| {
            let moved = "  Unauthorized:\n    status: 401\n    summary: authorization failed\n";
            once(&once(s, moved, ""), "errors:\n", &format!("errors:\n{moved}"))
        }, Some(Class::Major), "errors"),
        ("error summary", |s| once(s, "the token is invalid", "the token was rejected"), Some(Class::Patch), "error InvalidToken"),
        // envelopes
        ("envelope added", |s| once(s, "envelopes:\n", "envelopes:\n  page:\n    success: success\n"), Some(Class::Minor), "envelope page"),
        ("envelope removed", |s| once(&once(s, "        envelope: result\n", ""), "  result:\n    description: The result wrapper.\n    success: ok\n    error: error\n    data: data\n", ""), Some(Class::Major), "envelope result"),
        ("envelope data field", |s| once(s, "data: data", "data: payload"), Some(Class::Major), "envelope result"),
        ("envelope description", |s| once(s, "The result wrapper.", "The wrapper."), Some(Class::Patch), "envelope result"),
        // types
        ("type added", |s| once(s, "types:\n", "types:\n  Tag:\n    fields:\n      name: string\n"), Some(Class::Minor), "type Tag"),
        ("type removed", |s| once(s, "  Note:\n    extra: true\n    fields:\n      text: string?\n", ""), Some(Class::Major), "type Note"),
        ("type object to enum", |s| once(s, "    extra: true\n    fields:\n      text: string?\n", "    values:\n      text:\n"), Some(Class::Major), "type Note"),
        ("type description", |s| once(s, "A contact of the workspace.", "A workspace contact."), Some(Class::Patch), "type Contact"),
        ("optional field added", |s| once(s, "      role: Role?\n", "      role: Role?\n      phone: string?\n"), Some(Class::Minor), "field Contact.phone"),
        ("required field added", |s| once(s, "      role: Role?\n", "      role: Role?\n      name: string\n"), Some(Class::Major), "field Contact.name"),
        ("field removed", |s| once(s, "      role: Role?\n", ""), Some(Class::Major), "field Contact.role"),
        ("field type", |s| once(s, "channels: list<Channel>?", "channels: list<string>?"), Some(Class::Major), "field Contact.channels"),
        ("field made required", |s| once(s, "role: Role?", "role: Role"), Some(Class::Major), "field Contact.role"),
        ("field made optional", |s| once(s, "lastName: string", "lastName: string?"), Some(Class::Major), "field NewContact.lastName"),
        ("field default", |s| once(s, "default: 1 }", "default: 2 }"), Some(Class::Major), "field NewContact.priority"),
        ("field renamed in Rust", |s| once(s, "id: { type: string, wire: _id }", "key: { type: string, wire: _id }"), Some(Class::Major), "field Contact._id"),
        ("required fields reordered", |s| once(s, "      firstName: string\n      lastName: string\n", "      lastName: string\n      firstName: string\n"), Some(Class::Major), "type NewContact"),
        ("field description", |s| once(s, "The e-mail address.", "The address."), Some(Class::Patch), "field Contact.email"),
        ("extra on", |s| once(s, "  ContactPage:\n", "  ContactPage:\n    extra: true\n"), Some(Class::Minor), "type ContactPage"),
        ("extra off", |s| once(s, "    extra: true\n", ""), Some(Class::Major), "type Note"),
        // enums
        ("open enum value added", |s| once(s, "      slack:\n", "      slack:\n      email:\n"), Some(Class::Minor), "enum value Channel.email"),
        ("closed enum value added", |s| once(s, "      member:\n", "      member:\n      guest:\n"), Some(Class::Major), "enum value Role.guest"),
        ("enum value removed", |s| once(s, "      slack:\n", ""), Some(Class::Major), "enum value Channel.slack"),
        ("enum opened", |s| once(s, "  Role:\n", "  Role:\n    open: true\n"), Some(Class::Major), "type Role"),
        ("enum value description", |s| once(s, "An administrator.", "An admin."), Some(Class::Patch), "enum value Role.admin"),
        // resources
        ("resource added", |s| once(s, "resources:\n", "resources:\n  groups:\n    operations:\n      list:\n        method: GET\n        path: /groups\n"), Some(Class::Minor), "resource groups"),
        ("resource removed", |s| once(s, "  users:\n    operations:\n      me:\n        method: GET\n        path: /me\n        response: Contact\n", ""), Some(Class::Major), "resource users"),
        ("resource description", |s| once(s, "The contacts of the workspace.", "The contacts."), Some(Class::Patch), "resource contacts"),
        // operations
        ("operation added", |s| once(s, "      purge:\n", "      count:\n        method: GET\n        path: /contacts/count\n        response: integer\n      purge:\n"), Some(Class::Minor), "operation contacts.count"),
        ("operation removed", |s| once(s, "      purge:\n        method: DELETE\n        path: /contacts/stale\n", ""), Some(Class::Major), "operation contacts.purge"),
        ("operation method", |s| once(s, "method: DELETE", "method: POST"), Some(Class::Major), "operation contacts.purge"),
        ("operation path", |s| once(s, "/contacts/stale", "/contacts/old"), Some(Class::Major), "operation contacts.purge"),
        ("operation drops a mode", |s| once(s, "auth: [pat, api_token]", "auth: [pat]"), Some(Class::Major), "operation contacts.create"),
        ("operation gains a mode", |s| once(s, "auth: [pat, api_token]", "auth: [pat, api_token, legacy]"), Some(Class::Minor), "operation contacts.create"),
        ("operation hook placement", |s| once(s, "body: NewContact\n", "body: NewContact\n        hook: body\n"), Some(Class::Major), "operation contacts.create"),
        ("path param description", |s| once(s, "The contact's id.", "The id."), Some(Class::Patch), "path param contacts.get.contactId"),
        ("path param renamed", |s| once(&once(s, "{contactId}", "{id}"), "contactId: {", "id: {"), Some(Class::Major), "path param contacts.get.id"),
        ("optional query param added", |s| once(s, "          fields: string?\n", "          fields: string?\n          expand: boolean?\n"), Some(Class::Minor), "query contacts.get.expand"),
        ("required query param added", |s| once(s, "          fields: string?\n", "          fields: string?\n          q: string\n"), Some(Class::Major), "query contacts.get.q"),
        ("query param removed", |s| once(s, "          fields: string?\n", ""), Some(Class::Major), "query contacts.get.fields"),
        ("query param type", |s| once(s, "fields: string?", "fields: integer?"), Some(Class::Major), "query contacts.get.fields"),
        ("query param default", |s| once(s, "default: 10", "default: 20"), Some(Class::Major), "query contacts.get.limit"),
        ("body type", |s| once(s, "body: NewContact", "body: map<json>"), Some(Class::Major), "operation contacts.create"),
        ("response added", |s| once(s, "path: /contacts/stale\n", "path: /contacts/stale\n        response: Contact\n"), Some(Class::Major), "operation contacts.purge"),
        ("response type", |s| once(s, "        path: /me\n        response: Contact", "        path: /me\n        response: Note"), Some(Class::Major), "operation users.me"),
        ("operation envelope", |s| once(s, "        envelope: result\n", ""), Some(Class::Major), "operation contacts.get"),
        ("operation deprecated", |s| once(s, "path: /contacts/stale\n", "path: /contacts/stale\n        deprecated: Use delete.\n"), Some(Class::Minor), "operation contacts.purge"),
        ("operation idempotent", |s| once(s, "path: /contacts\n        auth", "path: /contacts\n        idempotent: true\n        auth"), Some(Class::Minor), "operation contacts.create"),
        ("non_empty gains a name", |s| once(s, "non_empty: [firstName]", "non_empty: [firstName, lastName]"), Some(Class::Major), "operation contacts.create"),
        ("non_empty dropped", |s| once(s, "        requires: { non_empty: [firstName] }\n", ""), Some(Class::Minor), "operation contacts.create"),
        ("any_of narrowed", |s| once(s, "any_of: [email, phone]", "any_of: [email]"), Some(Class::Major), "operation contacts.find"),
        ("any_of dropped", |s| once(s, "        requires: { any_of: [email, phone] }\n", ""), Some(Class::Minor), "operation contacts.find"),
        ("any_of added", |s| once(s, "        envelope: result\n", "        envelope: result\n        requires: { any_of: [fields] }\n"), Some(Class::Major), "operation contacts.get"),
        ("pagination added", |s| once(s, "response: ContactPage\n      purge", "response: ContactPage\n        paginate: { page: page, limit: limit, items: data, total: total }\n      purge"), Some(Class::Minor), "operation contacts.search"),
        ("pagination removed", |s| once(s, "        paginate: { page: page, limit: limit, items: data, total: total }\n", ""), Some(Class::Major), "operation contacts.list"),
        ("operation description", |s| once(s, "Fetch one contact.", "Fetches one contact."), Some(Class::Patch), "operation contacts.get"),
        // extensions
        ("extension added", |s| format!("{s}  extra_tools:\n    file: extra_tools.rs\n"), Some(Class::Minor), "extension extra_tools"),
        ("extension removed", |s| once(s, "extensions:\n  tool_loop:\n    file: tool_loop.rs\n    description: A tool loop.\n    public: true\n    exports: [ToolLoop]\n", ""), Some(Class::Major), "extension tool_loop"),
        ("export added", |s| once(s, "[ToolLoop]", "[ToolLoop, Tool]"), Some(Class::Minor), "extension tool_loop"),
        ("export removed", |s| once(s, "    exports: [ToolLoop]\n", ""), Some(Class::Major), "extension tool_loop"),
        ("extension made private", |s| once(s, "    public: true\n", ""), Some(Class::Major), "extension tool_loop"),
        ("extension description", |s| once(s, "A tool loop.", "The tool loop."), Some(Class::Patch), "extension tool_loop"),
    ];

    fn parse(text: &str, name: &str) -> crate::ir::Api {
        crate::parse(text, "spec.yaml")
            .unwrap_or_else(|d| panic!("{name}: the edited spec does not parse:\n{d}"))
    }

    fn listing(changes: &[Change]) -> String {
        changes.iter().map(|c| format!("\n  {c}")).collect()
    }

    #[test]
    fn each_edit_gets_its_class() {
        assert!(ROWS.len() >= 30);
        let old = parse(BASE, "base");
        let mut failures = Vec::new();
        for &(name, edit, expected, subject) in ROWS {
            let edited = edit(BASE);
            let changes = diff(&old, &parse(&edited, name));
            let found = changes
                .iter()
                .any(|c| c.subject.contains(subject) && Some(c.class) == expected);
            let ok = required(&changes) == expected
                && (expected.is_none() && changes.is_empty() || found);
            if !ok {
                failures.push(format!(
                    "{name}: expected {expected:?} on `{subject}`, got {:?}:{}",
                    required(&changes),
                    listing(&changes)
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn the_real_spec_has_no_change_against_itself() {
        let text = include_str!("../../spec/cognipeer.yaml");
        let api = parse(text, "cognipeer");
        assert_eq!(diff(&api, &api), Vec::new());
    }

    #[test]
    fn reasons_name_both_values() {
        let old = parse(BASE, "base");
        let edited = once(
            BASE,
            "body: NewContact\n",
            "body: NewContact\n        hook: body\n",
        );
        let changes = diff(&old, &parse(&edited, "placement"));
        let reasons: Vec<&str> = changes.iter().map(|c| c.reason.as_str()).collect();
        assert_eq!(
            reasons,
            ["placement header → body: the server looks for the hookId elsewhere"]
        );
        assert_eq!(
            changes[0].to_string(),
            "major operation contacts.create: placement header → body: the server looks for the hookId elsewhere"
        );
    }

    #[test]
    fn versions_parse() {
        let v = |major, minor, patch| Version {
            major,
            minor,
            patch,
        };
        assert_eq!(Version::parse("1.2.3"), Some(v(1, 2, 3)));
        assert_eq!(Version::parse("0.10.0-beta.1"), Some(v(0, 10, 0)));
        assert_eq!(Version::parse("1.2.3+build"), Some(v(1, 2, 3)));
        for bad in ["", "1", "1.2", "1.2.3.4", "a.b.c", "1.-2.3", "1..3"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
        assert_eq!(v(1, 2, 3).to_string(), "1.2.3");
    }

    #[test]
    fn versions_bump_as_cargo_reads_them() {
        let bump = |text: &str, class| Version::parse(text).unwrap().bumped(class).to_string();
        assert_eq!(bump("0.1.0", Class::Major), "0.2.0");
        assert_eq!(bump("0.1.0", Class::Minor), "0.1.1");
        assert_eq!(bump("0.1.0", Class::Patch), "0.1.1");
        assert_eq!(bump("0.1.3", Class::Major), "0.2.0");
        assert_eq!(bump("1.2.3", Class::Major), "2.0.0");
        assert_eq!(bump("1.2.3", Class::Minor), "1.3.0");
        assert_eq!(bump("1.2.3", Class::Patch), "1.2.4");
    }
}
