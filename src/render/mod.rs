//! Everything a command shows or writes, as bytes or text: JSON exports,
//! console tables, charts, reports. Nothing here touches the disk.

pub mod chart;
pub mod console;
pub mod figures;
pub mod json;
pub mod provenance;
pub mod report;
