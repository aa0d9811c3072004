//! The one integration-test binary (`cargo test --test it`): one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "tests"
)]

mod api;
mod audit;
mod check;
mod claims;
mod cli;
mod conform;
mod convert;
mod dates;
mod entry;
mod fuzz;
mod holes;
mod io;
mod language;
mod manifest_hashes;
mod oracle;
mod pixel;
mod pixel_float;
mod pixel_verdicts;
mod profiles;
mod reader;
mod reader_bounds;
mod reports;
mod resume;
mod run;
mod safety;
mod scale;
mod serve;
mod study;
mod support;
mod text_codec;
