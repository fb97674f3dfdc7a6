//! Progress while a run is in flight: an indicatif bar when stderr is a terminal, one plain
//! line per finished case otherwise (CI logs). Results themselves go to stdout at the end.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::runner::{CaseResult, Progress};

/// Picks the bar or plain lines for the current stderr.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar::default())
    } else {
        Box::new(Lines::default())
    }
}

/// A progress bar.
#[derive(Debug, Default)]
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Progress for Bar {
    fn begin(&mut self, total: usize) {
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {wide_msg}")
        {
            bar.set_style(style);
        }
        self.bar = Some(bar);
    }

    fn finished(&mut self, done: usize, result: &CaseResult) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            bar.set_message(format!("{} {}", result.outcome.kind(), result.id));
        }
    }

    fn end(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Plain lines: `[  3/120] pass  sig.created.too-old@resource [aauth-11] 12 ms`.
#[derive(Debug, Default)]
pub struct Lines {
    total: usize,
}

impl Progress for Lines {
    fn begin(&mut self, total: usize) {
        self.total = total;
    }

    fn finished(&mut self, done: usize, result: &CaseResult) {
        let width = self.total.to_string().len();
        let _ = writeln!(
            std::io::stderr(),
            "[{done:>width$}/{}] {:<5} {} [{}] {} ms",
            self.total,
            result.outcome.kind(),
            result.id,
            result.profile,
            result.duration.as_millis()
        );
    }
}
