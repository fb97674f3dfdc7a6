//! Every exchange the harness takes part in, in the order it happened.
//!
//! A failing case must show the messages that led to the verdict, and in a multi-party flow
//! it must show which party said what. So the client, the hosted issuers and the proxy all
//! write into one [`Transcript`], naming both ends of each exchange with party names such as
//! `"harness agent"`, `"resource under test"` or `"ap.harness.test"`.
//!
//! Invariants:
//! - A transcript is a cheap handle: clones share the same record, and it can be written from
//!   any thread or task.
//! - It is bounded. Bodies are cut to [`TranscriptLimits::max_body_bytes`] (the exchange says
//!   so), and once [`TranscriptLimits::max_exchanges`] entries are held, later ones are counted
//!   but not stored, so a flood from a hostile peer cannot exhaust memory.
//! - Sequence numbers are assigned at recording time, start at 1 and never repeat, so a case
//!   can take a [`Transcript::mark`] before its stimulus and read only its own exchanges back.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::message::{Request, Response};

/// How much a transcript keeps. The defaults suit a full suite run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TranscriptLimits {
    /// Bodies longer than this are cut; the exchange records the original length.
    pub max_body_bytes: usize,
    /// Entries beyond this are counted in [`Transcript::dropped`] but not kept.
    pub max_exchanges: usize,
}

impl Default for TranscriptLimits {
    fn default() -> Self {
        TranscriptLimits {
            max_body_bytes: 16 * 1024,
            max_exchanges: 20_000,
        }
    }
}

/// One request, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// Position in the transcript, from 1.
    pub seq: u64,
    /// Party that sent the request.
    pub from: String,
    /// Party the request was addressed to.
    pub to: String,
    /// The request as put on the wire (body possibly cut, see `request_body_len`).
    pub request: Request,
    /// The response, when one arrived (body possibly cut, see `response_body_len`).
    pub response: Option<Response>,
    /// Why no usable response arrived (timeout, refused, garbage), when that happened.
    pub error: Option<String>,
    /// Wall time from sending to the end of the response or the error.
    pub elapsed_ms: u64,
    /// Free text a case or host adds, such as "refused: not a hosted name".
    pub note: Option<String>,
    /// Length of the request body before cutting.
    pub request_body_len: usize,
    /// Length of the response body before cutting, when there was a response.
    pub response_body_len: Option<usize>,
}

impl Exchange {
    /// True when a body was cut to fit the transcript.
    pub fn truncated(&self) -> bool {
        self.request_body_len > self.request.body.len()
            || matches!((&self.response, self.response_body_len), (Some(r), Some(n)) if n > r.body.len())
    }
}

/// The record of one exchange before it gets its sequence number.
#[derive(Clone, Debug)]
pub struct ExchangeRecord<'a> {
    /// Party that sent the request.
    pub from: &'a str,
    /// Party the request was addressed to.
    pub to: &'a str,
    /// The request as sent.
    pub request: &'a Request,
    /// The response, or a description of what went wrong instead.
    pub result: Result<&'a Response, String>,
    /// Time the exchange took.
    pub elapsed: Duration,
    /// Optional remark.
    pub note: Option<String>,
}

#[derive(Debug, Default)]
struct Record {
    next_seq: u64,
    exchanges: Vec<Exchange>,
    dropped: u64,
}

/// A shared, bounded, append-only log of exchanges. Clones share one log.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    limits: TranscriptLimits,
    record: Arc<Mutex<Record>>,
}

impl Transcript {
    /// An empty transcript with default limits.
    pub fn new() -> Self {
        Transcript::default()
    }

    /// An empty transcript with the given limits.
    pub fn with_limits(limits: TranscriptLimits) -> Self {
        Transcript {
            limits,
            record: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Record> {
        // A panic elsewhere while holding the lock leaves a log that is still well formed.
        self.record.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append an exchange; returns its sequence number (assigned even when not stored).
    pub fn record(&self, entry: ExchangeRecord<'_>) -> u64 {
        let max = self.limits.max_body_bytes;
        let request_body_len = entry.request.body.len();
        let mut request = entry.request.clone();
        request.body = cut(&request.body, max);
        let (response, response_body_len, error) = match entry.result {
            Ok(r) => {
                let mut r = r.clone();
                let len = r.body.len();
                r.body = cut(&r.body, max);
                (Some(r), Some(len), None)
            }
            Err(e) => (None, None, Some(e)),
        };
        let elapsed_ms = u64::try_from(entry.elapsed.as_millis()).unwrap_or(u64::MAX);
        let mut record = self.lock();
        record.next_seq += 1;
        let seq = record.next_seq;
        if record.exchanges.len() >= self.limits.max_exchanges {
            record.dropped += 1;
            return seq;
        }
        record.exchanges.push(Exchange {
            seq,
            from: entry.from.to_string(),
            to: entry.to.to_string(),
            request,
            response,
            error,
            elapsed_ms,
            note: entry.note,
            request_body_len,
            response_body_len,
        });
        seq
    }

    /// Attach (or replace) the note of a stored exchange. Returns false when `seq` is unknown.
    pub fn annotate(&self, seq: u64, note: impl Into<String>) -> bool {
        let mut record = self.lock();
        match record.exchanges.iter_mut().find(|e| e.seq == seq) {
            Some(e) => {
                e.note = Some(note.into());
                true
            }
            None => false,
        }
    }

    /// The sequence number of the latest exchange (0 when empty): take it before a stimulus,
    /// then read [`Transcript::since`] to see only what followed.
    pub fn mark(&self) -> u64 {
        self.lock().next_seq
    }

    /// Copies of every stored exchange.
    pub fn snapshot(&self) -> Vec<Exchange> {
        self.lock().exchanges.clone()
    }

    /// Copies of the stored exchanges with a sequence number above `mark`.
    pub fn since(&self, mark: u64) -> Vec<Exchange> {
        self.lock()
            .exchanges
            .iter()
            .filter(|e| e.seq > mark)
            .cloned()
            .collect()
    }

    /// Number of stored exchanges.
    pub fn len(&self) -> usize {
        self.lock().exchanges.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Exchanges that arrived after the log was full and were not kept.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Forget everything stored (sequence numbers keep counting up).
    pub fn clear(&self) {
        let mut record = self.lock();
        record.exchanges.clear();
        record.dropped = 0;
    }
}

fn cut(body: &bytes::Bytes, max: usize) -> bytes::Bytes {
    if body.len() > max {
        body.slice(..max)
    } else {
        body.clone()
    }
}

/// Renders the exchange the way a report shows it: a heading with both parties, then the
/// request lines prefixed `>` and the response lines prefixed `<`.
impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "#{} {} -> {} ({} ms)",
            self.seq, self.from, self.to, self.elapsed_ms
        )?;
        let r = &self.request;
        writeln!(f, "> {} {} ({})", r.method, r.target(), r.target_uri())?;
        for (name, value) in &r.headers {
            writeln!(f, "> {name}: {value}")?;
        }
        write_body(f, ">", &r.body, self.request_body_len)?;
        match (&self.response, &self.error) {
            (Some(resp), _) => {
                writeln!(f, "< {}", resp.status)?;
                for (name, value) in &resp.headers {
                    writeln!(f, "< {name}: {value}")?;
                }
                write_body(
                    f,
                    "<",
                    &resp.body,
                    self.response_body_len.unwrap_or(resp.body.len()),
                )?;
            }
            (None, Some(e)) => writeln!(f, "! {e}")?,
            (None, None) => writeln!(f, "! no response")?,
        }
        if let Some(note) = &self.note {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

fn write_body(f: &mut fmt::Formatter<'_>, prefix: &str, body: &[u8], full: usize) -> fmt::Result {
    if body.is_empty() && full == 0 {
        return Ok(());
    }
    writeln!(f, "{prefix}")?;
    for line in String::from_utf8_lossy(body).lines() {
        writeln!(f, "{prefix} {line}")?;
    }
    if full > body.len() {
        writeln!(f, "{prefix} [... {} more bytes]", full - body.len())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(t: &Transcript, body: &'static [u8]) -> u64 {
        let req = Request::new("GET", "https", "ap.harness.test", "/x").with_body(body);
        let resp = Response::new(200).with_body(body);
        t.record(ExchangeRecord {
            from: "harness agent",
            to: "ap.harness.test",
            request: &req,
            result: Ok(&resp),
            elapsed: Duration::from_millis(3),
            note: None,
        })
    }

    #[test]
    fn clones_share_one_log_and_sequence_numbers_grow() {
        let t = Transcript::new();
        let u = t.clone();
        assert_eq!(exchange(&t, b""), 1);
        assert_eq!(exchange(&u, b""), 2);
        assert_eq!(t.len(), 2);
        let mark = t.mark();
        exchange(&u, b"");
        assert_eq!(t.since(mark).len(), 1);
    }

    #[test]
    fn long_bodies_are_cut_and_say_so() {
        let t = Transcript::with_limits(TranscriptLimits {
            max_body_bytes: 4,
            max_exchanges: 1,
        });
        exchange(&t, b"0123456789");
        let e = &t.snapshot()[0];
        assert_eq!(&e.request.body[..], b"0123");
        assert!(e.truncated());
        assert!(e.to_string().contains("[... 6 more bytes]"));
        exchange(&t, b"");
        assert_eq!(t.len(), 1);
        assert_eq!(t.dropped(), 1);
    }
}
