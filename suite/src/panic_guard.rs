//! Catching a case body's panic without losing the run or garbling the terminal.
//!
//! [`Guarded`] polls a future inside `catch_unwind`, so a panic anywhere in a case body (or in
//! the context it builds) ends that case with the panic's message instead of unwinding through
//! the runner. While it polls, it marks the thread as "inside a case"; the hook installed by
//! [`quiet_case_panics`] uses the mark to record the panic's location for the outcome instead
//! of printing a message and backtrace over the progress bar. Panics outside a case still go to
//! the previous hook. Without the hook (library users, tests) messages are still captured,
//! only without the location.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

thread_local! {
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once per process) a panic hook that stays silent for panics inside a [`Guarded`]
/// poll and remembers where they happened. The CLI calls it before a run.
pub fn quiet_case_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_CASE.with(Cell::get) {
                let location = info.location().map(|l| l.to_string());
                LOCATION.with(|slot| *slot.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// A future whose panics become `Err(message)`.
pub struct Guarded<F> {
    inner: Pin<Box<F>>,
}

impl<F> Guarded<F> {
    /// Guards `future`.
    pub fn new(future: F) -> Guarded<F> {
        Guarded {
            inner: Box::pin(future),
        }
    }
}

impl<F> std::fmt::Debug for Guarded<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Guarded")
    }
}

impl<F: Future> Future for Guarded<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.inner.as_mut();
        let was_inside = IN_CASE.with(|flag| flag.replace(true));
        let polled = panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx)));
        IN_CASE.with(|flag| flag.set(was_inside));
        match polled {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                let mut message =
                    aauth_harness::fuzzing::inprocess::panic_message(payload.as_ref());
                if let Some(location) = LOCATION.with(|slot| slot.borrow_mut().take()) {
                    message = format!("{message} (at {location})");
                }
                Poll::Ready(Err(message))
            }
        }
    }
}
