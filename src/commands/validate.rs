//! `validate FILE...`: check scenario files, report every error, write nothing.

use crate::error::Error;
use crate::render::console;
use guarantee_sim_core::input::load::load_file;
use std::path::PathBuf;

pub fn validate(files: &[PathBuf]) -> Result<(), Error> {
    let mut errors = Vec::new();
    for file in files {
        match load_file(file, &[]) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                console::say(&format!(
                    "ok: {} ({:?}: {} capabilities, {} members, {} phases)\n",
                    file.display(),
                    s.name,
                    s.capabilities.len(),
                    s.members.len(),
                    s.phases.len()
                ));
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(errors))
    }
}
