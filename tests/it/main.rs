//! The one integration-test binary (`cargo test --test it`): one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod api;
mod check;
mod claims;
mod conform;
mod convert;
mod entry;
mod fuzz;
mod io;
mod language;
mod profiles;
mod reports;
mod run;
mod safety;
mod serve;
mod support;
