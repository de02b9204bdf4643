//! What the commands print: standard output that survives a closed pipe, exit codes, and the
//! progress line.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget};

use crate::scan::{Progress, ScanStats};

/// Writes a line to standard output; a closed pipe (`glueprint scan lake | head -1`) ends the
/// run quietly instead of failing every later write.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// [`outln!`] without the line end.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_out(format_args!($($arg)*))?
    };
}

/// The reader of standard output went away: nothing more to say, and nothing went wrong.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
pub struct OutputClosed;

pub fn write_out(text: std::fmt::Arguments) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_fmt(text) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        result => Ok(result?),
    }
}

/// Streams a document to standard output with `write`; a closed pipe ends the run quietly,
/// as [`outln!`] does.
pub fn stream_out(
    write: impl FnOnce(std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match write(std::io::stdout().lock()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        result => Ok(result?),
    }
}

/// Exit code when the command found something: errors in the data, drift, changes pending
/// (as opposed to failing to run, which is 1).
pub const EXIT_FOUND: u8 = 2;

/// Exit 2 when the command found something, 0 otherwise.
pub fn found(something: bool) -> ExitCode {
    if something {
        ExitCode::from(EXIT_FOUND)
    } else {
        ExitCode::SUCCESS
    }
}

/// A progress line on stderr, shown only on a terminal and only once a scan takes a while.
pub struct ProgressDisplay {
    bar: ProgressBar,
    started: Instant,
    terminal: bool,
}

/// Scans shorter than this show no progress at all.
const PROGRESS_DELAY: Duration = Duration::from_millis(800);

impl ProgressDisplay {
    pub fn new() -> Self {
        Self {
            bar: ProgressBar::hidden(),
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    pub fn show(&self, message: String) {
        if !self.terminal || self.started.elapsed() < PROGRESS_DELAY {
            return;
        }
        if self.bar.is_hidden() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
        self.bar.set_message(message);
    }
}

impl Progress for ProgressDisplay {
    fn advanced(&self, stats: &ScanStats) {
        self.show(format!(
            "{} footers read, {} objects listed",
            stats.files_read, stats.objects_listed
        ));
    }
}
