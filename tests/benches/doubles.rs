//! Speed of the test doubles (`test-util`) as a user's test sees it: 1,000 `contacts.create`
//! calls answered by `mock::Mocks`, against the same 1,000 calls answered by a wiremock server
//! on 127.0.0.1 (the fake a user would write otherwise), in the same process, one after the
//! other, several rounds. Meant for the debug profile, where tests run:
//! `cargo bench -p tests --bench doubles --profile dev` (figures in BENCHMARKS.md).

use std::time::{Duration, Instant};

use cognipeer_sdk::mock::Mocks;
use cognipeer_sdk::models::Contact;
use cognipeer_sdk::{CognipeerClient, HookId, RetryPolicy, Token};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "pat_kcnlto8e01zg3frarz8l1kvenmhqvtqzjmfnxdvh";
const HOOK: &str = "bhdwxdpdkndpzolyttqf";
const CALLS: usize = 1_000;
const ROUNDS: usize = 7;

async fn run(client: &CognipeerClient) -> Result<Duration, cognipeer_sdk::Error> {
    let started = Instant::now();
    for i in 0..CALLS {
        let contact = client
            .contacts()
            .create()
            .email(format!("user{i}@example.com"))
            .name("Ada")
            .send()
            .await?;
        std::hint::black_box(contact);
    }
    Ok(started.elapsed())
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let contact = Contact::new("c1", "ws1").with_email("user@example.com");
    let builder = || {
        Ok::<_, cognipeer_sdk::Error>(
            CognipeerClient::builder(Token::new(TOKEN)?, HookId::new(HOOK)?)
                .retry(RetryPolicy::NEVER),
        )
    };

    let mocks = Mocks::new();
    let rule = mocks.contacts().create().returns(contact.clone());
    let mocked = builder()?.mock(&mocks).build()?;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sdk/contact"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "success": true, "data": contact })),
        )
        .mount(&server)
        .await;
    let served = builder()?.base_url(server.uri()).build()?;

    let (mut doubles, mut loopback) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        doubles.push(run(&mocked).await?);
        loopback.push(run(&served).await?);
    }
    assert_eq!(rule.num_calls(), CALLS * ROUNDS);
    let (doubles, loopback) = (median(doubles), median(loopback));
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("{CALLS} calls of contacts.create, {profile} build, median of {ROUNDS} rounds:");
    println!("  test doubles (mock::Mocks):      {doubles:>10.1?}");
    println!("  wiremock server on 127.0.0.1:     {loopback:>10.1?}");
    println!(
        "  doubles / wiremock:               {:>10.2}",
        doubles.as_secs_f64() / loopback.as_secs_f64()
    );
    Ok(())
}
