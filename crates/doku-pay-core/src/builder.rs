//! Builders for the unified requests, beside their JSON form (which is still accepted:
//! [`crate::validate::decode_json`]).
//!
//! ```
//! use doku_pay_core::{Amount, LineItem, PaymentRequest};
//! let req = PaymentRequest::builder("INV-1", Amount::new(90_000).unwrap())
//!     .line_item(LineItem::new("T-Shirt", Amount::new(30_000).unwrap(), 3).sku("1002"))
//!     .callback_url("https://merchant.example/return")
//!     .customer_name("Anton Budiman")
//!     .customer_phone("6285694566147")
//!     .merchant_reference("REF-1")
//!     .additional_info("integration", serde_json::json!({"name": "shop"}))
//!     .build();
//! assert_eq!(req.line_items[0].sku.as_deref(), Some("1002"));
//! assert_eq!(req.customer.name.as_deref(), Some("Anton Budiman"));
//! ```
//!
//! The builders check nothing: every rule is the channel's, checked when the request is
//! sent (or with `validate_create`), all broken rules at once.

use serde_json::Value;

use crate::amount::Amount;
use crate::model::{Customer, LineItem, PaymentRequest, RequestId};

/// Builds a [`PaymentRequest`]; see [`PaymentRequest::builder`].
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `build`"]
pub struct PaymentRequestBuilder(PaymentRequest);

impl PaymentRequest {
    /// A builder for a payment of `amount` under `invoice_number`; every other field is
    /// unset until given.
    pub fn builder(invoice_number: impl Into<String>, amount: Amount) -> PaymentRequestBuilder {
        PaymentRequestBuilder(PaymentRequest {
            request_id: None,
            invoice_number: invoice_number.into(),
            amount,
            line_items: Vec::new(),
            callback_url: None,
            customer: Customer::default(),
            merchant_reference: None,
            notification_url: None,
            additional_info: serde_json::Map::new(),
        })
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident => $($field:ident).+;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.0.$($field).+ = Some(value.into());
                self
            }
        )*
    };
}

impl PaymentRequestBuilder {
    /// The Request-Id to send (a fresh UUID when unset); reuse it to retry.
    pub fn request_id(mut self, id: RequestId) -> Self {
        self.0.request_id = Some(id);
        self
    }

    /// Adds a line item.
    pub fn line_item(mut self, item: LineItem) -> Self {
        self.0.line_items.push(item);
        self
    }

    /// The whole customer at once.
    pub fn customer(mut self, customer: Customer) -> Self {
        self.0.customer = customer;
        self
    }

    /// Adds one `additional_info` entry, passed through to channels that carry it.
    pub fn additional_info(mut self, key: impl Into<String>, value: Value) -> Self {
        self.0.additional_info.insert(key.into(), value);
        self
    }

    setters! {
        /// Where the customer returns after paying.
        callback_url => callback_url;
        /// The merchant's own reference for the payment (where the channel has one).
        merchant_reference => merchant_reference;
        /// This payment's notification URL (where the channel can override it).
        notification_url => notification_url;
        /// The customer's id.
        customer_id => customer.id;
        /// The customer's name.
        customer_name => customer.name;
        /// The customer's email.
        customer_email => customer.email;
        /// The customer's phone number.
        customer_phone => customer.phone;
        /// The customer's address.
        customer_address => customer.address;
        /// The customer's city.
        customer_city => customer.city;
        /// The customer's state.
        customer_state => customer.state;
        /// The customer's postcode.
        customer_postcode => customer.postcode;
        /// The customer's wallet account (a push wallet's phone number or id).
        wallet_account => customer.wallet_account;
    }

    /// The request.
    pub fn build(self) -> PaymentRequest {
        self.0
    }
}

impl LineItem {
    /// A line item of `quantity` times `price`, without SKU or category.
    pub fn new(name: impl Into<String>, price: Amount, quantity: u32) -> Self {
        Self {
            name: name.into(),
            price,
            quantity,
            sku: None,
            category: None,
        }
    }

    /// With a SKU (a channel's item id).
    #[must_use]
    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.sku = Some(sku.into());
        self
    }

    /// With a category (a channel's item type).
    #[must_use]
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_and_the_json_form_make_the_same_request() {
        let rupiah = |n| Amount::new(n).expect("amount");
        let built = PaymentRequest::builder("INV-1", rupiah(90_000))
            .line_item(
                LineItem::new("T-Shirt", rupiah(30_000), 3)
                    .sku("1002")
                    .category("Shirt"),
            )
            .callback_url("https://merchant.example/return")
            .customer_id("C-1")
            .customer_name("Anton")
            .customer_phone("6285694566147")
            .customer_city("Jakarta")
            .wallet_account("081211111111")
            .merchant_reference("REF-1")
            .notification_url("https://merchant.example/hooks/doku")
            .additional_info("k", serde_json::json!(1))
            .build();
        let json: PaymentRequest = crate::validate::decode_json(
            br#"{"invoice_number": "INV-1", "amount": 90000,
                 "line_items": [{"name": "T-Shirt", "price": 30000, "quantity": 3,
                                 "sku": "1002", "category": "Shirt"}],
                 "callback_url": "https://merchant.example/return",
                 "customer": {"id": "C-1", "name": "Anton", "phone": "6285694566147",
                              "city": "Jakarta", "wallet_account": "081211111111"},
                 "merchant_reference": "REF-1",
                 "notification_url": "https://merchant.example/hooks/doku",
                 "additional_info": {"k": 1}}"#,
        )
        .expect("json form");
        assert_eq!(built, json);
    }
}
