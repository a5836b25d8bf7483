//! The progress bar of long runs.

use std::io::IsTerminal;

/// A progress reporter: a bar on an interactive stderr, otherwise silent.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn new(total: u64, quiet: bool, label: &str) -> Self {
        let show = !quiet && std::io::stderr().is_terminal() && total >= 200_000;
        let bar = show.then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:40}] {percent:>3}% {human_pos}/{human_len} trials, eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_string());
            bar
        });
        Progress { bar }
    }

    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
