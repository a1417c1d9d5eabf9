//! The self-submitting HTML form for a redirect that DOKU answers with a method and form
//! fields (LinkAja's `redirect_method_http` / `redirect_parameter`, and any channel of the
//! same kind): every value escaped, only absolute http(s) targets.

use std::fmt::Write as _;

use crate::model::NextAction;
use html_escape::encode_quoted_attribute;

/// Why a redirect form was not rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedirectFormError {
    /// The target is not an absolute `http://` or `https://` URL (a `javascript:` URL, for
    /// instance, would run in the merchant's page).
    #[error("redirect URL `{0}` is not an absolute http(s) URL")]
    UnsafeUrl(String),
}

/// Renders a complete HTML page whose form sends the customer to the redirect's URL with its
/// method (`GET` or, for anything else, `POST`) and form fields, submitting itself on load
/// (with a button for browsers without JavaScript); `provider` names the destination in the
/// page's title and button.
///
/// Every value (URL, field names and values) is HTML-escaped, so hostile values from the
/// answer cannot break out of their attributes. Only `http://` and `https://` targets are
/// rendered.
///
/// ```
/// use doku_pay_core::{Identifier, NextAction};
/// let next = NextAction::Redirect {
///     method: doku_pay_core::Method::POST,
///     url: "https://pay.example/linkaja".into(),
///     form_fields: vec![Identifier::new("Message", "a\"b")],
/// };
/// let html = doku_pay_core::redirect::form_html(&next, "LinkAja").unwrap();
/// assert!(html.contains(r#"<form method="post" action="https://pay.example/linkaja">"#));
/// assert!(html.contains(r#"name="Message" value="a&quot;b""#));
/// assert!(html.contains("<title>Redirecting to LinkAja</title>"));
/// ```
pub fn form_html(next: &NextAction, provider: &str) -> Result<String, RedirectFormError> {
    let NextAction::Redirect {
        method,
        url,
        form_fields,
    } = next;
    if !is_http_url(url) {
        return Err(RedirectFormError::UnsafeUrl(url.clone()));
    }
    let method = if *method == http::Method::GET {
        "get"
    } else {
        "post"
    };
    let mut html = String::with_capacity(512);
    html.push_str("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\">");
    let _ = write!(
        html,
        "<title>Redirecting to {}</title></head>\n<body>\n",
        encode_quoted_attribute(provider)
    );
    // Writing to a String cannot fail.
    let _ = writeln!(
        html,
        "<form method=\"{method}\" action=\"{}\">",
        encode_quoted_attribute(url)
    );
    for field in form_fields {
        let _ = writeln!(
            html,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            encode_quoted_attribute(&field.name),
            encode_quoted_attribute(&field.value)
        );
    }
    let _ = writeln!(
        html,
        "<noscript><button type=\"submit\">Continue to {}</button></noscript>",
        encode_quoted_attribute(provider)
    );
    html.push_str("</form>\n<script>document.forms[0].submit();</script>\n</body>\n</html>\n");
    Ok(html)
}

/// An absolute http(s) URL with a host and no characters that could end the attribute.
fn is_http_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !url.chars().any(|c| c.is_control() || c.is_whitespace())
        }
        None => false,
    }
}
