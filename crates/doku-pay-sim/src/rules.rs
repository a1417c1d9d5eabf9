//! The simulator's side of a guide's rules as data ([`doku_pay_core::rules`]): the same table a
//! channel's client checks before sending is checked here over the raw request, so a body
//! the client would never build (a hand-written request, another library) is refused for the
//! reasons DOKU's guide gives.

pub use doku_pay_core::rules::*;
use serde_json::Value;

use crate::plugin::Rejection;

/// Parses `body` as a JSON object and checks it against `rules`: every broken rule is
/// reported at once ([`Rejection::Invalid`]); a body that is not a JSON object is
/// [`Rejection::Malformed`].
pub fn check(body: &[u8], rules: &Rules) -> Result<Value, Rejection> {
    let value: Value = serde_json::from_slice(body).map_err(Rejection::malformed)?;
    if !value.is_object() {
        return Err(Rejection::Malformed(
            "the body must be a JSON object".to_owned(),
        ));
    }
    rules.check(&value)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    static RULES: Rules = Rules {
        fields: &[FieldRule::text("order.invoice_number").required()],
        cross: &[],
    };

    #[test]
    fn bodies_that_are_not_objects_are_malformed() {
        for body in [&b"[]"[..], b"order=1", b"\"x\""] {
            assert!(matches!(check(body, &RULES), Err(Rejection::Malformed(_))));
        }
        assert!(matches!(
            check(br#"{"order": {}}"#, &RULES),
            Err(Rejection::Invalid(_))
        ));
    }
}
