//! Peak memory of the generated SDK against a hostile server on 127.0.0.1 that answers 2 GiB:
//! once announced in `Content-Length`, once as a chunked body of unknown length. Not timed: it
//! prints how far each call raised the process's peak resident set (`VmHWM`) above that of a
//! client that has made one ordinary call. `cargo bench -p tests --bench body_cap`; figures in
//! BENCHMARKS.md. With `BODY_CAP_UNLIMITED=1` the client reads without a limit, as it did
//! before the cap (expect several GiB).

mod common;

use cognipeer_sdk::{CognipeerClient, HookId, RetryPolicy, Token};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "pat_kcnlto8e01zg3frarz8l1kvenmhqvtqzjmfnxdvh";
const HOOK: &str = "bhdwxdpdkndpzolyttqf";
const HOSTILE: u64 = 2 << 30;
const PEER: &str = r#"{"_id":"p1","name":"Support","modelId":"gpt-4o","prompt":"Be kind."}"#;

/// Answers one request: a small peer under `/ok`, else 2 GiB of spaces, announced under
/// `/declared` and chunked otherwise.
async fn answer(mut socket: TcpStream) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&request);
    let spaces = vec![b' '; 64 * 1024];
    if head.starts_with("GET /ok/") {
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PEER}",
            PEER.len()
        );
        return socket.write_all(reply.as_bytes()).await;
    }
    let declared = head.starts_with("GET /declared/");
    let framing = if declared {
        format!("content-length: {HOSTILE}")
    } else {
        "transfer-encoding: chunked".to_owned()
    };
    let reply = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\n\r\n");
    socket.write_all(reply.as_bytes()).await?;
    let mut chunk = format!("{:x}\r\n", spaces.len()).into_bytes();
    chunk.extend_from_slice(&spaces);
    chunk.extend_from_slice(b"\r\n");
    for _ in 0..HOSTILE / spaces.len() as u64 {
        socket
            .write_all(if declared { &spaces } else { &chunk })
            .await?;
    }
    if !declared {
        socket.write_all(b"0\r\n\r\n").await?;
    }
    Ok(())
}

/// The peak resident set of this process so far, in KiB (Linux), from `/proc/self/status`.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let (runtime, listener, address) = common::runtime_and_listener();
    runtime.spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket));
        }
    });
    let unlimited = std::env::var_os("BODY_CAP_UNLIMITED").is_some();
    let client = |prefix: &str| {
        let builder = CognipeerClient::builder(
            Token::new(TOKEN).unwrap_or_else(|e| panic!("{e}")),
            HookId::new(HOOK).unwrap_or_else(|e| panic!("{e}")),
        )
        .base_url(format!("http://{address}/{prefix}"))
        .retry(RetryPolicy::NEVER)
        .no_timeout();
        let builder = if unlimited {
            builder.response_body_limit(u64::MAX)
        } else {
            builder
        };
        builder.build().unwrap_or_else(|e| panic!("{e}"))
    };

    runtime
        .block_on(client("ok").peers().get().send())
        .unwrap_or_else(|e| panic!("{e}"));
    let Some(baseline) = peak_kib() else {
        println!("body_cap: VmHWM is unavailable on this system");
        return;
    };
    let limit = if unlimited {
        "none".to_owned()
    } else {
        format!("{} MiB", CognipeerClient::DEFAULT_RESPONSE_BODY_LIMIT >> 20)
    };
    println!(
        "body_cap: baseline peak {} MiB, limit {limit}",
        baseline >> 10
    );
    for (prefix, what) in [
        ("declared", "2 GiB announced in Content-Length"),
        ("chunked", "2 GiB chunked"),
    ] {
        let error = runtime.block_on(client(prefix).peers().get().send()).err();
        let peak = peak_kib().unwrap_or(0);
        println!(
            "body_cap: {what}: peak +{} MiB over the baseline; {}",
            peak.saturating_sub(baseline) >> 10,
            error.map_or("no error".to_owned(), |e| e.to_string())
        );
    }
}
