//! The integration tests, one binary (one link, one run), grouped by what
//! they test.

mod bitmap;
mod browser;
mod charts;
mod cli;
mod common;
mod crash;
mod engine_exact;
mod engine_uncertain;
mod engine_v2;
mod golden;
mod input;
mod input_fuzz;
mod report;
mod scenarios;
mod solve;
mod tables;
