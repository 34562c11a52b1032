// Models are `#[non_exhaustive]`: a struct literal would break when the spec adds a field, so
// it does not compile even with `..Default::default()`; `Find::new().with_text(…)` does.
use placements_sdk::models::Find;

fn main() {
    let find = Find { text: Some("lamp".into()), ..Default::default() };
    drop(find);
}
