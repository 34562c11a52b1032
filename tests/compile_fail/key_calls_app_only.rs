// A client built from a user key has no `accounts().app()`; the typed client from `typed()` neither.
use placements_sdk::{kind, AcmeClient, HookId, Token};

async fn call() -> Result<(), placements_sdk::Error> {
    let client = AcmeClient::builder(Token::key("key_secret")?, HookId::new("channel")?).build()?;
    let typed = client.dynamic().typed::<kind::Key>()?;
    typed.accounts().app().send().await?;
    Ok(())
}

fn main() {
    drop(call());
}
