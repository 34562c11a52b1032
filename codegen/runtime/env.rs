//! Reading settings from the environment (and, with the `dotenv` feature, a `.env` file).

use crate::error::Error;

/// Loads `.env` (current directory or a parent) into the environment; variables already set
/// win. A missing file is fine; a malformed one is an error naming the line.
#[cfg(feature = "dotenv")]
pub fn load_dotenv() -> Result<(), Error> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(Error::Config(format!("cannot read the .env file: {e}"))),
    }
}

/// Reads a required environment variable.
pub fn env_var(name: &str) -> Result<String, Error> {
    match optional_env_var(name)? {
        Some(value) => Ok(value),
        None => Err(Error::Config(format!(
            "environment variable {name} is not set"
        ))),
    }
}

/// Reads an optional environment variable; set but empty is an error.
pub fn optional_env_var(name: &str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(value) if value.is_empty() => Err(Error::Config(format!(
            "environment variable {name} is set but empty"
        ))),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::Config(format!(
            "environment variable {name} is not valid UTF-8"
        ))),
    }
}
