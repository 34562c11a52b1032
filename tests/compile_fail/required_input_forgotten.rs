// A required input is an argument: leaving out the path id does not compile.
use placements_sdk::AcmeClient;

async fn call(client: AcmeClient) -> Result<(), placements_sdk::Error> {
    client.items().by_header().send().await?;
    Ok(())
}

fn main() {
    drop(call);
}
