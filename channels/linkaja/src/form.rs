//! The self-submitting HTML form for LinkAja's redirect: the core's, titled for LinkAja.

use doku_pay_core::NextAction;
pub use doku_pay_core::redirect::RedirectFormError;

/// Renders the self-submitting form that sends the customer on to LinkAja
/// ([`doku_pay_core::redirect::form_html`]).
///
/// ```
/// use doku_pay_core::{Identifier, NextAction};
/// let next = NextAction::Redirect {
///     method: doku_pay_core::Method::POST,
///     url: "https://pay.example/linkaja".into(),
///     form_fields: vec![Identifier::new("Message", "a\"b")],
/// };
/// let html = doku_pay_linkaja::redirect_form_html(&next).unwrap();
/// assert!(html.contains(r#"<form method="post" action="https://pay.example/linkaja">"#));
/// ```
pub fn redirect_form_html(next: &NextAction) -> Result<String, RedirectFormError> {
    doku_pay_core::redirect::form_html(next, "LinkAja")
}
