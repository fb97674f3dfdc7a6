//! A coverage-blind fuzzing loop over the targets of this module, for machines without
//! cargo-fuzz or a nightly toolchain (`aauth-conform fuzz parsers`).
//!
//! Inputs start from the seeds ([`super::seeds`]) and are changed by byte-level mutations
//! steered by the target's dictionary ([`super::dictionaries`]): flips, overwrites, inserted
//! grammar tokens, deleted or duplicated ranges, splices of two seeds. Each input runs under
//! `catch_unwind`; a panic is a finding, printed as the same regression snippet cargo-fuzz
//! prints. libFuzzer finds far more per hour because it follows coverage; this loop finds the
//! shallow bugs wherever the suite runs, and the same seed replays the same inputs.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::TargetInfo;

/// The longest input the mutator builds: parsers are bounded, and longer inputs only slow
/// the loop down.
pub const MAX_INPUT: usize = 4096;

/// Byte-level mutations steered by a dictionary.
#[derive(Debug)]
pub struct Mutator {
    rng: ChaCha8Rng,
    dictionary: Vec<Vec<u8>>,
}

impl Mutator {
    /// A mutator whose choices follow from `seed` alone.
    pub fn new(seed: u64, dictionary: &[String]) -> Mutator {
        Mutator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            dictionary: dictionary.iter().map(|t| t.as_bytes().to_vec()).collect(),
        }
    }

    /// An index below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.rng.gen_range(0..n)
        }
    }

    /// `base` changed by one to four mutations; `other` is the splice partner.
    pub fn mutate(&mut self, base: &[u8], other: &[u8]) -> Vec<u8> {
        let mut data = base.to_vec();
        let rounds = 1 + self.below(4);
        for _ in 0..rounds {
            self.mutate_once(&mut data, other);
        }
        data.truncate(MAX_INPUT);
        data
    }

    fn mutate_once(&mut self, data: &mut Vec<u8>, other: &[u8]) {
        let at = self.below(data.len() + 1);
        match self.below(8) {
            0 if !data.is_empty() => {
                let i = self.below(data.len());
                let bit = self.below(8);
                if let Some(b) = data.get_mut(i) {
                    *b ^= 1 << bit;
                }
            }
            1 if !data.is_empty() => {
                let i = self.below(data.len());
                let value = self.interesting_byte();
                if let Some(b) = data.get_mut(i) {
                    *b = value;
                }
            }
            2 | 3 if !self.dictionary.is_empty() => {
                let i = self.below(self.dictionary.len());
                let token = self.dictionary.get(i).cloned().unwrap_or_default();
                data.splice(at..at, token);
            }
            4 if !data.is_empty() => {
                let len = 1 + self.below(data.len().min(16));
                let end = (at + len).min(data.len());
                data.drain(at.min(end)..end);
            }
            5 if !data.is_empty() => {
                let start = self.below(data.len());
                let len = 1 + self.below((data.len() - start).min(32));
                let chunk = data.get(start..start + len).map(<[u8]>::to_vec);
                if let Some(chunk) = chunk {
                    data.splice(at..at, chunk);
                }
            }
            6 if !other.is_empty() => {
                let cut = self.below(other.len());
                data.truncate(at);
                data.extend_from_slice(other.get(cut..).unwrap_or_default());
            }
            _ => {
                let value = self.interesting_byte();
                data.insert(at, value);
            }
        }
    }

    fn interesting_byte(&mut self) -> u8 {
        const BYTES: &[u8] = b"\0\t\n\r \"(),:;=?@\\*%{}[]-+.0159aAzZ\x7f\x80\xc3\xff";
        BYTES.get(self.below(BYTES.len())).copied().unwrap_or(0)
    }
}

/// A panic the loop caught.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParserFinding {
    /// The input that panicked.
    pub input: Vec<u8>,
    /// The panic message (an oracle's sentence, or the panic of a bug).
    pub message: String,
}

/// What one target's share of the loop did.
#[derive(Clone, Debug)]
pub struct Campaign {
    /// The target name.
    pub target: &'static str,
    /// Inputs run.
    pub execs: u64,
    /// Wall time spent.
    pub elapsed: Duration,
    /// Distinct findings (by message), first input kept.
    pub findings: Vec<ParserFinding>,
}

impl Campaign {
    /// Inputs per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.execs as f64 / secs
        } else {
            0.0
        }
    }
}

/// The most distinct findings kept per target: one bug usually panics on many inputs.
pub const MAX_FINDINGS: usize = 8;

/// Runs `target` on its seeds and their mutations for `budget`. `seeds` must hold at least
/// one input (an empty input is used otherwise). Panics are caught; the caller silences the
/// panic hook if it wants a quiet terminal.
pub fn run_campaign(
    target: &TargetInfo,
    seeds: &[Vec<u8>],
    budget: Duration,
    seed: u64,
) -> Campaign {
    let empty = [Vec::new()];
    let seeds = if seeds.is_empty() { &empty[..] } else { seeds };
    let dictionary = super::dictionaries::tokens(target.name);
    let mut mutator = Mutator::new(seed, &dictionary);
    let mut campaign = Campaign {
        target: target.name,
        execs: 0,
        elapsed: Duration::ZERO,
        findings: Vec::new(),
    };
    let started = Instant::now();
    // Every seed runs once unchanged first: a seed that panics is a finding too.
    let mut queue = seeds.iter().cloned();
    while started.elapsed() < budget {
        let input = match queue.next() {
            Some(seed) => seed,
            None => {
                let base = seeds
                    .get(mutator.below(seeds.len()))
                    .map_or(&[][..], Vec::as_slice);
                let other = seeds
                    .get(mutator.below(seeds.len()))
                    .map_or(&[][..], Vec::as_slice);
                mutator.mutate(base, other)
            }
        };
        campaign.execs += 1;
        let run = target.run;
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| run(&input))) {
            let message = panic_message(payload.as_ref());
            let known = campaign.findings.iter().any(|f| f.message == message);
            if !known && campaign.findings.len() < MAX_FINDINGS {
                campaign.findings.push(ParserFinding { input, message });
            }
        }
    }
    campaign.elapsed = started.elapsed();
    campaign
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_follow_the_seed() {
        let dictionary = vec!["sig".to_string(), "=".to_string()];
        let mut a = Mutator::new(7, &dictionary);
        let mut b = Mutator::new(7, &dictionary);
        for _ in 0..200 {
            assert_eq!(
                a.mutate(b"sig=jwt", b"other"),
                b.mutate(b"sig=jwt", b"other")
            );
        }
    }

    #[test]
    fn mutations_stay_bounded() {
        let mut m = Mutator::new(1, &["x".repeat(100)]);
        let mut data = vec![b'a'; 10];
        for _ in 0..2000 {
            data = m.mutate(&data, &data);
            assert!(data.len() <= MAX_INPUT);
        }
    }

    fn panics_on_bang(data: &[u8]) {
        assert!(!data.contains(&b'!'), "found a bang");
    }

    #[test]
    fn a_panic_is_a_finding_and_the_loop_goes_on() {
        let target = TargetInfo {
            name: "test",
            run: panics_on_bang,
            about: "test",
        };
        let previous = panic::take_hook();
        panic::set_hook(Box::new(|_| {}));
        let campaign = run_campaign(
            &target,
            &[b"ok".to_vec(), b"!".to_vec()],
            Duration::from_millis(50),
            3,
        );
        panic::set_hook(previous);
        assert!(campaign.execs > 2);
        assert_eq!(campaign.findings.len(), 1);
        assert_eq!(campaign.findings[0].message, "found a bang");
    }
}
