//! Request overhead of the generated SDK against hand-written reqwest calls doing the same work
//! (same headers, same body, same envelope check, decoding into the same generated types),
//! against one keep-alive HTTP/1.1 server on 127.0.0.1, in one run.
//!
//! `cargo bench -p tests --bench overhead` prints one ratio SDK / hand-written per case. The two
//! sides run in alternating batches (which goes first alternates too), so that load from other
//! processes falls on both; the ratio is the median of the per-round ratios, and the spread is
//! the middle half of them. Figures in BENCHMARKS.md.

use cognipeer_sdk::models::{
    Contact, ContactPage, CreateContact, ExecuteFlowResponse, ListContacts, Peer,
};
use cognipeer_sdk::{CognipeerClient, HookId, RetryPolicy, Token};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "pat_kcnlto8e01zg3frarz8l1kvenmhqvtqzjmfnxdvh";
const HOOK: &str = "bhdwxdpdkndpzolyttqf";
const CONTACT: &str = r#"{"_id":"c_1","email":"user@example.com","name":"John Doe","phone":"+15550100","tags":["vip","beta"],"status":"active","workspaceId":"w_1","metadata":{"source":"bench"},"properties":{"company":"Acme"},"createdDate":"2026-11-01T10:00:00Z"}"#;
const PEER: &str = r#"{"_id":"p_1","name":"Support","description":"Answers questions about the product.","modelId":"m_1","prompt":"You are a helpful support agent.","temperature":0.2,"messagesCount":10,"language":"en","contentType":"text","datasources":["d_1"],"tools":["t_1"],"createdAt":"2026-11-01T10:00:00Z","updatedAt":"2026-11-02T10:00:00Z"}"#;
const FLOW: &str = r#"{"success":true,"outputs":{"result":"done","count":3}}"#;
/// Contacts on the big page.
const PAGE_ITEMS: usize = 5_000;
/// Keys of the big `flows.execute` inputs (about 1 MB).
const INPUT_KEYS: usize = 10_000;
/// Concurrent tasks, and calls made by each, in the concurrency case.
const TASKS: usize = 64;
const CALLS_PER_TASK: usize = 47;
/// Rounds of (SDK batch, hand-written batch).
const ROUNDS: usize = 31;

/// The canned responses, by path.
struct Responses {
    contact: Vec<u8>,
    page: Vec<u8>,
    peer: Vec<u8>,
    flow: Vec<u8>,
}

fn reply(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl Responses {
    fn new() -> Self {
        let page_items = vec![CONTACT; PAGE_ITEMS].join(",");
        let page = format!(
            r#"{{"success":true,"data":[{page_items}],"total":{PAGE_ITEMS},"page":1,"limit":{PAGE_ITEMS}}}"#
        );
        Responses {
            contact: reply(&format!(r#"{{"success":true,"data":{CONTACT}}}"#)),
            page: reply(&page),
            peer: reply(PEER),
            flow: reply(FLOW),
        }
    }

    fn for_request(&self, head: &str) -> &[u8] {
        let target = head.split(' ').nth(1).unwrap_or_default();
        if target.starts_with("/v1/sdk/contact/list") {
            &self.page
        } else if target.starts_with("/v1/sdk/peer") {
            &self.peer
        } else if target.starts_with("/v1/sdk/flow/") {
            &self.flow
        } else {
            &self.contact
        }
    }
}

/// A keep-alive HTTP/1.1 server answering each request with the canned response for its path.
async fn serve(listener: TcpListener, responses: Arc<Responses>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let responses = Arc::clone(&responses);
        tokio::spawn(async move {
            let mut buffer = Vec::with_capacity(1 << 16);
            let mut chunk = vec![0u8; 1 << 16];
            loop {
                // One request: the head, then content-length bytes of body.
                let head_end = loop {
                    if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break end + 4;
                    }
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buffer.len() < head_end + length {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    }
                }
                buffer.drain(..head_end + length);
                if socket
                    .write_all(responses.for_request(&head))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
    }
}

fn new_contact() -> CreateContact {
    CreateContact::new()
        .with_email("user@example.com")
        .with_name("John Doe")
        .with_phone("+15550100")
        .with_tags(vec!["vip".into(), "beta".into()])
        .with_status("active")
        .with_metadata(BTreeMap::from([("source".into(), "bench".into())]))
        .with_properties(BTreeMap::from([("company".into(), "Acme".into())]))
}

/// About 1 MB of flow inputs: 10,000 keys with ~90-byte string values.
fn flow_inputs() -> BTreeMap<String, Value> {
    (0..INPUT_KEYS)
        .map(|i| {
            let value = format!("value {i:05} of the bench inputs, long enough to make a megabyte in total with the keys");
            (format!("input_{i:05}"), Value::String(value))
        })
        .collect()
}

/// The envelopes as a careful hand-written client declares them.
#[derive(Deserialize)]
struct ResultEnvelope<T> {
    success: bool,
    data: Option<T>,
}

#[derive(Deserialize)]
struct PageResult {
    success: bool,
    #[serde(default)]
    data: Vec<Contact>,
    #[serde(default)]
    total: i64,
    #[serde(default)]
    page: i64,
    #[serde(default)]
    limit: i64,
}

/// What a careful hand-written client does: the same headers, body and envelope check, decoding
/// into the same generated types.
#[derive(Clone)]
struct HandWritten {
    http: reqwest::Client,
    base: String,
    authorization: HeaderValue,
    hook: HeaderValue,
}

impl HandWritten {
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        body: Option<Vec<u8>>,
    ) -> Option<impl AsRef<[u8]>> {
        // The SDK's default deadline (60 s), which a careful client sets too.
        let mut request = request
            .timeout(Duration::from_secs(60))
            .header(AUTHORIZATION, self.authorization.clone())
            .header("x-hook-id", self.hook.clone())
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = request.send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.bytes().await.ok()
    }

    async fn create_contact(&self, body: &CreateContact) -> Option<Contact> {
        let request = self.http.post(format!("{}/sdk/contact", self.base));
        let bytes = self
            .send(request, Some(serde_json::to_vec(body).ok()?))
            .await?;
        let envelope: ResultEnvelope<Contact> = serde_json::from_slice(bytes.as_ref()).ok()?;
        envelope.success.then_some(envelope.data).flatten()
    }

    async fn list_contacts(&self, body: &ListContacts) -> Option<ContactPage> {
        let request = self.http.post(format!("{}/sdk/contact/list", self.base));
        let bytes = self
            .send(request, Some(serde_json::to_vec(body).ok()?))
            .await?;
        let page: PageResult = serde_json::from_slice(bytes.as_ref()).ok()?;
        page.success.then_some(ContactPage::new(
            page.data, page.total, page.page, page.limit,
        ))
    }

    async fn execute_flow(&self, inputs: &BTreeMap<String, Value>) -> Option<ExecuteFlowResponse> {
        let url = format!("{}/sdk/flow/f_1/execute?version=latest", self.base);
        let bytes = self
            .send(self.http.post(url), Some(serde_json::to_vec(inputs).ok()?))
            .await?;
        serde_json::from_slice(bytes.as_ref()).ok()
    }

    async fn peer(&self) -> Option<Peer> {
        let request = self.http.get(format!("{}/sdk/peer", self.base));
        let bytes = self.send(request, None).await?;
        serde_json::from_slice(bytes.as_ref()).ok()
    }
}

/// `TASKS` tasks on `runtime`, each making `CALLS_PER_TASK` calls of `call`; true if all succeeded.
async fn concurrently<C, F>(client: &C, call: fn(C) -> F) -> bool
where
    C: Clone + Send + 'static,
    F: std::future::Future<Output = bool> + Send + 'static,
{
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..CALLS_PER_TASK {
                    if !call(client.clone()).await {
                        return false;
                    }
                }
                true
            })
        })
        .collect();
    let mut ok = true;
    for task in tasks {
        ok &= task.await.unwrap_or(false);
    }
    ok
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Times `batch` calls of each side per round, alternating, and prints one table row.
///
/// Each call on either side gets its own `body()`, made before its timer starts, and owns it:
/// the SDK's request builders take a body by value (`.body(b)`) and free it when the call ends,
/// and the hand-written side, given the same owned body, sends it by reference and frees it when
/// its call ends too. So both sides do the same work per request a program would (make a body,
/// send it, free it), and the making is left out of both timers.
fn compare<B, M, S, H>(
    runtime: &tokio::runtime::Runtime,
    name: &str,
    batch: usize,
    body: M,
    sdk: S,
    hand: H,
) where
    M: Fn() -> B,
    S: AsyncFn(B) -> bool,
    H: AsyncFn(B) -> bool,
{
    if !selected(name) {
        return;
    }
    // Both must work before they are timed; the first calls also warm the connections.
    for _ in 0..3 {
        assert!(runtime.block_on(sdk(body())), "{name}: the SDK call failed");
        assert!(
            runtime.block_on(hand(body())),
            "{name}: the hand-written call failed"
        );
    }
    let time = |side: &dyn Fn() -> Duration| side().as_secs_f64() / batch as f64;
    let run_sdk = || {
        runtime.block_on(async {
            let mut elapsed = Duration::ZERO;
            for _ in 0..batch {
                let body = body();
                let started = Instant::now();
                black_box(sdk(body).await);
                elapsed += started.elapsed();
            }
            elapsed
        })
    };
    let run_hand = || {
        runtime.block_on(async {
            let mut elapsed = Duration::ZERO;
            for _ in 0..batch {
                let body = body();
                let started = Instant::now();
                black_box(hand(body).await);
                elapsed += started.elapsed();
            }
            elapsed
        })
    };
    let (mut sdk_times, mut hand_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (s, h) = if round % 2 == 0 {
            let s = time(&run_sdk);
            (s, time(&run_hand))
        } else {
            let h = time(&run_hand);
            (time(&run_sdk), h)
        };
        sdk_times.push(s);
        hand_times.push(h);
        ratios.push(s / h);
    }
    // The ratio of each round compares two batches run back to back, under the same load.
    let ratio = median(&mut ratios);
    println!(
        "| {name} | {} | {} | **{ratio:.2}** | {:.2}–{:.2} |",
        format_time(median(&mut hand_times)),
        format_time(median(&mut sdk_times)),
        ratios[ROUNDS / 4],
        ratios[ROUNDS - 1 - ROUNDS / 4],
    );
}

/// `Contact`'s fields as serde's derive reads them, plus `$extra` fields.
macro_rules! derived_contact {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct $name {
            #[serde(rename = "_id")]
            id: String,
            email: Option<String>,
            #[serde(rename = "integrationId")]
            integration_id: Option<String>,
            name: Option<String>,
            phone: Option<String>,
            metadata: Option<BTreeMap<String, Value>>,
            properties: Option<BTreeMap<String, Value>>,
            #[serde(rename = "workspaceId")]
            workspace_id: String,
            #[serde(rename = "peerId")]
            peer_id: Option<String>,
            tags: Option<Vec<String>>,
            status: Option<String>,
            #[serde(rename = "createdDate")]
            created_date: Option<String>,
            #[serde(rename = "modifiedDate")]
            modified_date: Option<String>,
            deleted: Option<bool>,
            $($extra)*
        }
    };
}

derived_contact!(
    /// `Contact` as serde's derive writes it, with unknown fields kept through `#[serde(flatten)]`.
    DerivedContact {
        #[serde(flatten)]
        extra: serde_json::Map<String, Value>,
    }
);

derived_contact!(
    /// The same without the unknown fields: serde's derive at its fastest.
    PlainContact {}
);

/// Decodes a list of contacts, giving its length.
type Decoder = fn(&[u8]) -> Option<usize>;

/// What keeping unknown fields costs: 5,000 contacts (with one unknown field each) decoded
/// from bytes into the generated `Contact`, into serde's derive with `#[serde(flatten)]`, and
/// into serde's derive without unknown fields, each as a ratio to the last, in one run.
fn extra_fields() {
    let contact = CONTACT.replacen('{', r#"{"loyaltyTier":"gold","#, 1);
    let items = format!("[{}]", vec![contact.as_str(); PAGE_ITEMS].join(","));
    let bytes = items.as_bytes();
    let decoders: [(&str, Decoder); 3] = [
        ("serde's derive, no unknown fields kept", |b| {
            serde_json::from_slice::<Vec<PlainContact>>(b)
                .ok()
                .map(|v| v.len())
        }),
        (
            "serde's derive, unknown fields kept by `#[serde(flatten)]`",
            |b| {
                serde_json::from_slice::<Vec<DerivedContact>>(b)
                    .ok()
                    .map(|v| v.len())
            },
        ),
        ("the generated `Contact` (unknown fields kept)", |b| {
            serde_json::from_slice::<Vec<Contact>>(b)
                .ok()
                .map(|v| v.len())
        }),
    ];
    // Round-robin, each round starting with the next decoder, so that load from other
    // processes (and whatever the previous decoder left in the caches) falls on all alike.
    let mut times = vec![Vec::new(); decoders.len()];
    for round in 0..ROUNDS {
        for i in (0..decoders.len()).map(|i| (i + round) % decoders.len()) {
            let started = Instant::now();
            assert_eq!(black_box(decoders[i].1(bytes)), Some(PAGE_ITEMS));
            times[i].push(started.elapsed().as_secs_f64());
        }
    }
    let medians: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
    println!("\n| 5,000 contacts decoded into | time (median) | ratio to serde's derive without unknown fields |");
    println!("|---|---|---|");
    for ((name, _), t) in decoders.iter().zip(&medians) {
        println!("| {name} | {} | {:.2} |", format_time(*t), t / medians[0]);
    }
}

fn format_time(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

/// Whether the case is to be run: `cargo bench -p tests --bench overhead -- TEXT` runs only the
/// cases whose name contains TEXT.
fn selected(name: &str) -> bool {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .all(|filter| name.contains(&filter))
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once with no timing asked.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // The server gets its own thread, so that the client side is what the runtime below runs.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    let responses = Arc::new(Responses::new());
    std::thread::spawn(move || {
        let server = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        server.block_on(async {
            let listener = TcpListener::from_std(listener).unwrap_or_else(|e| panic!("{e}"));
            serve(listener, responses).await
        });
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://{address}/v1");

    let sdk = CognipeerClient::builder(
        Token::new(TOKEN).unwrap_or_else(|e| panic!("{e}")),
        HookId::new(HOOK).unwrap_or_else(|e| panic!("{e}")),
    )
    .base_url(&base)
    .retry(RetryPolicy::NEVER)
    .build()
    .unwrap_or_else(|e| panic!("{e}"));
    let hand = HandWritten {
        http: reqwest::Client::new(),
        base,
        authorization: HeaderValue::from_str(&format!("Bearer {TOKEN}"))
            .unwrap_or_else(|e| panic!("{e}")),
        hook: HeaderValue::from_static(HOOK),
    };
    let contact = new_contact();
    let list = ListContacts::new().with_limit(PAGE_ITEMS as i64);
    let inputs = flow_inputs();

    println!("| case | hand-written | SDK | SDK / hand-written (median of the rounds) | middle half of the rounds |");
    println!("|---|---|---|---|---|");
    compare(
        &runtime,
        "one small GET (`peers.get`)",
        400,
        || (),
        async |()| sdk.peers().get().send().await.is_ok(),
        async |()| hand.peer().await.is_some(),
    );
    compare(
        &runtime,
        "`contacts.create` (8-field body, `result` envelope)",
        400,
        || contact.clone(),
        async |body| sdk.contacts().create().body(body).send().await.is_ok(),
        async |body| hand.create_contact(&body).await.is_some(),
    );
    compare(
        &runtime,
        "`contacts.list`, 5,000 contacts (~1.4 MB, `page_result` envelope)",
        4,
        || list.clone(),
        async |body| {
            sdk.contacts()
                .list()
                .body(body)
                .send()
                .await
                .is_ok_and(|p| p.data.len() == PAGE_ITEMS)
        },
        async |body| {
            hand.list_contacts(&body)
                .await
                .is_some_and(|p| p.data.len() == PAGE_ITEMS)
        },
    );
    // The page is the whole list (`total` = its size): `list_all` asks for it alone.
    compare(
        &runtime,
        "`contacts.list_all`, one page of 5,000 contacts (~1.4 MB), against `list` by hand",
        4,
        || list.clone(),
        async |body| {
            sdk.contacts()
                .list()
                .body(body)
                .into_pages()
                .collect()
                .await
                .is_ok_and(|all| all.len() == PAGE_ITEMS)
        },
        async |body| {
            hand.list_contacts(&body)
                .await
                .is_some_and(|p| p.data.len() == PAGE_ITEMS)
        },
    );
    compare(
        &runtime,
        "`flows.execute`, 1 MB inputs (10,000 keys)",
        8,
        || inputs.clone(),
        async |body| sdk.flows().execute("f_1").body(body).send().await.is_ok(),
        async |body| hand.execute_flow(&body).await.is_some(),
    );
    compare(
        &runtime,
        "64 tasks × 47 small calls (`peers.get`), one client",
        1,
        || (),
        async |()| {
            concurrently(
                &sdk,
                |sdk| async move { sdk.peers().get().send().await.is_ok() },
            )
            .await
        },
        async |()| concurrently(&hand, |hand| async move { hand.peer().await.is_some() }).await,
    );
    if selected("unknown fields") {
        extra_fields();
    }
}
