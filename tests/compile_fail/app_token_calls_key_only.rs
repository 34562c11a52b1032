// A client built from an app token has no `accounts().me()`: only user keys may call it.
use placements_sdk::{AcmeClient, HookId, Token};

async fn call() -> Result<(), placements_sdk::Error> {
    let client = AcmeClient::builder(Token::app("app-token")?, HookId::new("channel")?).build()?;
    client.accounts().me().send().await?;
    Ok(())
}

fn main() {
    drop(call());
}
