//! Set-up shared by the benchmarks.

use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

/// A one-worker runtime and a listener on 127.0.0.1 for the benchmark's server.
pub fn runtime_and_listener() -> (Runtime, TcpListener, SocketAddr) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let listener = runtime
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    (runtime, listener, address)
}
