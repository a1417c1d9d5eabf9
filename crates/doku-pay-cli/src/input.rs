//! Reading JSON input from a file or stdin, with errors that name the file and position.

use std::io::Read;

use serde::de::DeserializeOwned;

use crate::failure::Failure;

/// Reads `path` (`-` for stdin) as bytes.
pub(crate) fn read_bytes(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::input(format!("cannot read stdin: {e}")))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| Failure::input(format!("cannot read `{path}`: {e}")))
    }
}

/// Reads `path` as JSON of type `T`.
pub(crate) fn read_json<T: DeserializeOwned>(path: &str, what: &str) -> Result<T, Failure> {
    let bytes = read_bytes(path)?;
    let name = if path == "-" { "stdin" } else { path };
    doku_pay::validate::decode_json(&bytes)
        .map_err(|e| Failure::input(format!("`{name}` is not a valid {what}: {e}")))
}
