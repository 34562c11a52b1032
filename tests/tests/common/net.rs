//! Network stand-ins on 127.0.0.1 for the HTTP-stack tests: a proxy that records what reaches
//! it, an HTTPS front for a wiremock server (with a test CA), and a lock over the process's
//! proxy variables.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use cognipeer_sdk::reqwest;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

// ---------------------------------------------------------------------------------------
// the process's proxy variables
// ---------------------------------------------------------------------------------------

/// Every variable reqwest reads a proxy (or an exception to one) from.
const PROXY_VARS: [&str; 9] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    // With it set, reqwest ignores HTTP_PROXY (a CGI guard).
    "REQUEST_METHOD",
];

/// Serialises the tests of one binary that read or write the proxy variables.
static PROXY_ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Sets `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` to `proxy` (or unsets them) and clears every
/// other proxy variable, for as long as the returned guard lives. Every test of a binary that
/// builds clients takes it, since a client reads the variables when it is built.
pub async fn proxy_env(proxy: Option<&str>) -> tokio::sync::MutexGuard<'static, ()> {
    let guard = PROXY_ENV.lock().await;
    for name in PROXY_VARS {
        std::env::remove_var(name);
    }
    if let Some(proxy) = proxy {
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
            std::env::set_var(name, proxy);
        }
    }
    guard
}

// ---------------------------------------------------------------------------------------
// a recording proxy
// ---------------------------------------------------------------------------------------

/// A proxy on 127.0.0.1 that records the head of every request it receives (a proxied request
/// or a `CONNECT`), answers `502 Bad Gateway` and hangs up.
pub struct FakeProxy {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<u8>>>,
}

impl FakeProxy {
    pub async fn start() -> FakeProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&received);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let head = read_head(&mut socket).await;
                record.lock().unwrap().extend_from_slice(&head);
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
            }
        });
        FakeProxy { addr, received }
    }

    /// Its URL, for `HTTP_PROXY` or `reqwest::Proxy`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything it has received so far.
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().unwrap()).into_owned()
    }
}

/// Reads up to the end of a request's head (at most 64 KiB), or until the peer stops sending.
async fn read_head(socket: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}

// ---------------------------------------------------------------------------------------
// HTTPS in front of a plain-http test server
// ---------------------------------------------------------------------------------------

/// The test CA's certificate (`fixtures/tls/ca.pem`), which signed the front's certificate for
/// 127.0.0.1 and localhost.
pub fn test_ca() -> reqwest::Certificate {
    reqwest::Certificate::from_pem(&tls_fixture("ca.pem")).unwrap()
}

fn tls_fixture(name: &str) -> Vec<u8> {
    std::fs::read(super::fixture("tls", name)).unwrap()
}

/// Starts a TLS endpoint on 127.0.0.1 that forwards every connection, decrypted, to `backend`
/// (e.g. a wiremock server); returns its `https://127.0.0.1:port` base URL.
pub async fn https_front(backend: SocketAddr) -> String {
    let certs = CertificateDer::pem_slice_iter(&tls_fixture("server.pem"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(&tls_fixture("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    format!("https://{addr}")
}
