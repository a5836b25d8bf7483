//! One module per command: each loads, calls the core, renders and
//! publishes.

pub mod compare;
pub mod run;
pub mod sensitivity;
pub mod sweep;
pub mod validate;
