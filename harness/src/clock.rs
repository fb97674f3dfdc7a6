//! One clock for everything: tokens, `created`, windows and caches all read it, so a run can
//! be pinned to a fixed instant (vectors), offset (skew cases) or follow real time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where "now" comes from.
#[derive(Clone, Debug)]
pub struct Clock {
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Real time plus a fixed offset in seconds.
    Real { offset: i64 },
    /// A settable instant shared by every holder (tests advance it).
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// Wall-clock time.
    pub fn real() -> Self {
        Clock {
            kind: Kind::Real { offset: 0 },
        }
    }

    /// Always `unix_seconds` until [`Clock::set`] or [`Clock::advance`] moves it.
    pub fn fixed(unix_seconds: i64) -> Self {
        Clock {
            kind: Kind::Fixed(Arc::new(AtomicI64::new(unix_seconds))),
        }
    }

    /// This clock moved by `seconds` (negative: into the past). A fixed clock stays fixed.
    pub fn offset(&self, seconds: i64) -> Self {
        match &self.kind {
            Kind::Real { offset } => Clock {
                kind: Kind::Real {
                    offset: offset + seconds,
                },
            },
            Kind::Fixed(t) => Clock::fixed(t.load(Ordering::SeqCst) + seconds),
        }
    }

    /// Current Unix time in whole seconds.
    pub fn now(&self) -> i64 {
        match &self.kind {
            Kind::Real { offset } => {
                let secs = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                secs + offset
            }
            Kind::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Pin a fixed clock to `unix_seconds`; no effect on a real clock.
    pub fn set(&self, unix_seconds: i64) {
        if let Kind::Fixed(t) = &self.kind {
            t.store(unix_seconds, Ordering::SeqCst);
        }
    }

    /// Move a fixed clock forward; no effect on a real clock.
    pub fn advance(&self, seconds: i64) {
        if let Kind::Fixed(t) = &self.kind {
            t.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::real()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_is_shared_between_clones() {
        let c = Clock::fixed(1_730_217_600);
        let d = c.clone();
        c.advance(5);
        assert_eq!(d.now(), 1_730_217_605);
        assert_eq!(c.offset(-10).now(), 1_730_217_595);
    }
}
