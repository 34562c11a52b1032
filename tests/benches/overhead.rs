//! Request overhead of the generated SDK against a minimal hand-written reqwest call: the same
//! `contacts.create` with a realistic body, against the same minimal HTTP server on 127.0.0.1,
//! in one run. `cargo bench -p tests --bench overhead`; figures in BENCHMARKS.md.

mod common;

use cognipeer_sdk::models::{Contact, CreateContact};
use cognipeer_sdk::{CognipeerClient, HookId, RetryPolicy, Token};
use criterion::{criterion_group, criterion_main, Criterion};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::hint::black_box;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "pat_kcnlto8e01zg3frarz8l1kvenmhqvtqzjmfnxdvh";
const HOOK: &str = "bhdwxdpdkndpzolyttqf";
const RESPONSE: &str = r#"{"success":true,"data":{"_id":"c_1","email":"user@example.com","name":"John Doe","phone":"+15550100","tags":["vip","beta"],"status":"active","workspaceId":"w_1","metadata":{"source":"bench"},"properties":{"company":"Acme"},"createdDate":"2026-11-01T10:00:00Z"}}"#;

/// A keep-alive HTTP/1.1 server that answers every request with the contact envelope.
async fn serve(listener: TcpListener) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{RESPONSE}",
                RESPONSE.len()
            );
            let mut buffer = Vec::with_capacity(4096);
            let mut chunk = [0u8; 4096];
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
                if socket.write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn body() -> CreateContact {
    CreateContact {
        email: Some("user@example.com".into()),
        name: Some("John Doe".into()),
        phone: Some("+15550100".into()),
        tags: Some(vec!["vip".into(), "beta".into()]),
        status: Some("active".into()),
        metadata: Some(BTreeMap::from([("source".into(), "bench".into())])),
        properties: Some(BTreeMap::from([("company".into(), "Acme".into())])),
        ..Default::default()
    }
}

#[derive(Deserialize)]
struct Envelope {
    success: bool,
    data: Option<Contact>,
}

/// What a careful hand-written client does: the same headers, body and envelope check.
async fn hand_written(http: &reqwest::Client, url: &str, body: &CreateContact) -> Option<Contact> {
    let response = http
        .post(url)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("x-hook-id", HOOK)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).ok()?)
        .send()
        .await
        .ok()?;
    let bytes = response.bytes().await.ok()?;
    let envelope: Envelope = serde_json::from_slice(&bytes).ok()?;
    envelope.success.then_some(envelope.data).flatten()
}

fn overhead(c: &mut Criterion) {
    let (runtime, listener, address) = common::runtime_and_listener();
    runtime.spawn(serve(listener));
    let base = format!("http://{address}/v1");

    let sdk = CognipeerClient::builder(
        Token::new(TOKEN).unwrap_or_else(|e| panic!("{e}")),
        HookId::new(HOOK).unwrap_or_else(|e| panic!("{e}")),
    )
    .base_url(&base)
    .retry(RetryPolicy::NEVER)
    .build()
    .unwrap_or_else(|e| panic!("{e}"));
    let http = reqwest::Client::new();
    let url = format!("{base}/sdk/contact");
    let body = body();

    // Both must work before they are timed.
    assert!(runtime.block_on(sdk.contacts().create(&body)).is_ok());
    assert!(runtime.block_on(hand_written(&http, &url, &body)).is_some());

    let mut group = c.benchmark_group("contacts.create");
    group.bench_function("hand-written reqwest", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(hand_written(&http, &url, black_box(&body)).await) })
    });
    group.bench_function("generated SDK", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(sdk.contacts().create(black_box(&body)).await.ok()) })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
