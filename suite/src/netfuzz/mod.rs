//! The network fuzzer (`aauth-conform fuzz target`): the valid baseline request of the role
//! under test, mutated and sent again and again, with oracles that never accuse a correct
//! implementation.
//!
//! - [`mutation`]: what is changed (catalogue defects, refused agent-token defects, changes
//!   made before re-signing, signature headers garbled after signing) and what the target may
//!   answer;
//! - [`session`]: the loop, the oracle and the liveness check;
//! - [`finding`]: a finding, its JSON record and the curl line that sends it again.
//!
//! Oracles, from the design: a server error is always a finding; silence is a finding (and
//! if the valid request then goes unanswered too, the target is down and the session stops);
//! a 2xx or 3xx is a finding only for a mutation every reading of the spec refuses. Which
//! refusal code is right is the conformance cases' business, not the fuzzer's.

pub mod finding;
pub mod mutation;
pub mod session;
