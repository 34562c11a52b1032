//! Synthetic specs of any size, for benchmarks and size measurements: realistic models, path and
//! query parameters, every auth mode and hookId placement, envelopes and pagination.

use std::fmt::Write as _;

/// Operations per synthetic resource.
const OPS_PER_RESOURCE: usize = 10;

/// A valid spec with `operations` operations (rounded up to whole resources of ten).
pub fn spec(operations: usize) -> String {
    let resources = operations.div_ceil(OPS_PER_RESOURCE).max(1);
    let mut out = String::from(HEADER);
    out.push_str("types:\n");
    out.push_str(SHARED_TYPES);
    for r in 0..resources {
        let _ = write!(
            out,
            "
  Item{r}:
    description: An item of resource {r}.
    extra: true
    fields:
      id: {{ type: string, wire: _id, description: Unique id. }}
      name: {{ type: string, description: Display name. }}
      status: {{ type: Status?, description: Lifecycle state. }}
      tags: {{ type: list<string>?, description: Tags. }}
      metadata: {{ type: map<json>?, description: Free-form metadata. }}
      size: {{ type: integer?, description: Size in bytes. }}
      score: {{ type: number?, description: Relevance. }}
      createdAt: {{ type: string?, description: Creation time. }}
  NewItem{r}:
    description: The fields of a new item of resource {r}.
    fields:
      name: {{ type: string, description: Display name. }}
      tags: {{ type: list<string>?, description: Tags. }}
      metadata: {{ type: map<json>?, description: Free-form metadata. }}
      status: {{ type: Status?, description: Initial state. }}
  ItemPage{r}:
    description: One page of items of resource {r}.
    fields:
      data: {{ type: list<Item{r}>, description: The items. }}
      total: {{ type: integer, description: Total number of items. }}
      page: {{ type: integer, description: Page number. }}
      limit: {{ type: integer, description: Page size. }}
"
        );
    }
    out.push_str("\nresources:\n");
    let mut left = operations.max(1);
    for r in 0..resources {
        let _ = write!(
            out,
            "  res{r}:\n    description: Resource number {r}.\n    operations:\n"
        );
        for o in 0..OPS_PER_RESOURCE.min(left) {
            out.push_str(&operation(r, o));
        }
        left = left.saturating_sub(OPS_PER_RESOURCE);
    }
    out
}

/// One operation; the index picks its shape so that every feature appears in each resource.
fn operation(r: usize, o: usize) -> String {
    let (auth, hook) = match o % 4 {
        0 => ("[pat]", "header"),
        1 => ("[pat, api_token]", "header"),
        2 => ("[pat, api_token, workspace_token]", "query"),
        _ => ("[api_token]", "none"),
    };
    match o % 5 {
        0 => format!(
            "      get{o}:\n        description: Fetch one item.\n        method: GET\n        path: /r{r}/items/{{itemId}}/v{o}\n        path_params:\n          itemId: {{ description: The item. }}\n        auth: {auth}\n        hook: {hook}\n        response: Item{r}\n"
        ),
        1 => format!(
            "      create{o}:\n        description: Create an item.\n        method: POST\n        path: /r{r}/items/v{o}\n        auth: {auth}\n        hook: body\n        body: NewItem{r}\n        response: Item{r}\n        envelope: result\n"
        ),
        2 => format!(
            "      search{o}:\n        description: Search items.\n        method: GET\n        path: /r{r}/search/v{o}\n        query:\n          q: {{ type: string?, description: Search text. }}\n          limit: {{ type: integer?, default: 10, description: Page size. }}\n        requires: {{ any_of: [q] }}\n        auth: {auth}\n        hook: {hook}\n        response: list<Item{r}>\n"
        ),
        3 => format!(
            "      list{o}:\n        description: List items page by page.\n        method: POST\n        path: /r{r}/list/v{o}\n        auth: {auth}\n        body: ListRequest\n        response: ItemPage{r}\n        envelope: page\n        paginate: {{ page: page, limit: limit, items: data, total: total }}\n"
        ),
        _ => format!(
            "      update{o}:\n        description: Replace an item.\n        method: PUT\n        path: /r{r}/items/{{itemId}}/v{o}\n        path_params:\n          itemId: {{ description: The item. }}\n        auth: {auth}\n        hook: {hook}\n        body: NewItem{r}\n        response: Item{r}\n        deprecated: Use create instead.\n"
        ),
    }
}

const HEADER: &str = "spec_version: 1
api:
  name: Synthetic
  crate: synthetic-sdk
  version: 0.1.0
  description: A synthetic API for benchmarks.
  base_url: https://api.example.test/v1
auth:
  header: Authorization
  scheme: Bearer
  env: SYNTHETIC_TOKEN
  unprefixed: api_token
  default: [pat]
  modes:
    pat: { name: personal access token, prefix: pat_ }
    api_token: { name: API token }
    workspace_token: { name: legacy workspace token, deprecated: Use a personal access token. }
hook:
  env: SYNTHETIC_HOOK_ID
  header: X-Hook-Id
  body_field: hookId
  query: hookId
  default: header
errors:
  Unauthorized: { status: 401, summary: authorization failed, hints: [check the token] }
  NotFound: { status: 404, message_contains: not found, summary: not found, hints: [check the id] }
envelopes:
  result: { success: success, error: error, data: data }
  page: { success: success, error: error }
";

const SHARED_TYPES: &str = "  Status:
    description: Lifecycle state.
    open: true
    values:
      active: Active.
      archived: Archived.
  ListRequest:
    description: Which page to list.
    fields:
      page: { type: integer?, description: Page number. }
      limit: { type: integer?, description: Page size. }
      filter: { type: map<json>?, description: Filter. }
";

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_specs_are_valid_and_sized() {
        for n in [1, 10, 25] {
            let api = crate::parse(&super::spec(n), "synthetic.yaml").map_err(|d| d.to_string());
            let ops: usize = api
                .map(|a| a.resources.iter().map(|r| r.operations.len()).sum())
                .unwrap_or(0);
            assert_eq!(ops, n);
        }
    }
}
