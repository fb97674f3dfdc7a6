//! Missions as the reference PS keeps them: the exact blob bytes `s256` was computed over,
//! the owning agent, the state (active or terminated, with a reason), `expires_at`, and the
//! log of accepted updates.
//!
//! Missions are stored under the pair (owning agent, `s256`). Looking one up for an agent
//! is therefore a single map probe that finds nothing both for a mission that does not
//! exist and for another agent's mission: the two cases take the same path, which is what
//! the non-disclosure rule asks for (no "found it, but not yours" branch to time).

use std::collections::HashMap;

use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::jose::b64;
use crate::wire::problem::TerminationReason;

/// Whether a mission can still be acted on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MissionStatus {
    /// In progress.
    Active,
    /// Permanently ended, with the reason recorded beside (not inside) the blob.
    Terminated(TerminationReason),
}

/// One approved mission.
#[derive(Clone, Debug, PartialEq)]
pub struct Mission {
    /// base64url SHA-256 of `blob`.
    pub s256: String,
    /// The exact bytes persisted and returned as `mission`.
    pub blob: Vec<u8>,
    /// The agent that proposed it.
    pub owner: String,
    /// The person who approved it.
    pub person: String,
    /// The resources approved in the proposal.
    pub resources: Vec<String>,
    /// Unix time after which it counts as terminated (`expired`).
    pub expires_at: Option<i64>,
    /// Current state.
    pub status: MissionStatus,
    /// `s256` of every accepted update, in order.
    pub updates: Vec<String>,
}

impl Mission {
    /// Ends the mission if its `expires_at` has passed, then reports its state.
    pub fn status_at(&mut self, now: i64) -> &MissionStatus {
        if self.status == MissionStatus::Active && self.expires_at.is_some_and(|t| now >= t) {
            self.status = MissionStatus::Terminated(TerminationReason::EXPIRED);
        }
        &self.status
    }

    /// Terminate for `reason` (a terminated mission never becomes active again).
    pub fn terminate(&mut self, reason: TerminationReason) {
        if self.status == MissionStatus::Active {
            self.status = MissionStatus::Terminated(reason);
        }
    }
}

/// The PS's missions.
#[derive(Debug, Default)]
pub struct MissionStore {
    owned: HashMap<(String, String), Mission>,
    owner_of: HashMap<String, String>,
}

impl MissionStore {
    /// Keep a newly approved mission.
    pub fn insert(&mut self, mission: Mission) {
        self.owner_of
            .insert(mission.s256.clone(), mission.owner.clone());
        self.owned
            .insert((mission.owner.clone(), mission.s256.clone()), mission);
    }

    /// The mission `s256` if `owner` owns it; `None` alike for unknown and foreign.
    pub fn owned_by(&mut self, owner: &str, s256: &str) -> Option<&mut Mission> {
        self.owned.get_mut(&(owner.to_string(), s256.to_string()))
    }

    /// The mission `s256` whoever owns it (resource tokens name missions without naming
    /// the agent, and the `ps-mission-oracle` flaw looks missions up this way).
    pub fn any(&mut self, s256: &str) -> Option<&mut Mission> {
        let owner = self.owner_of.get(s256)?.clone();
        self.owned.get_mut(&(owner, s256.to_string()))
    }
}

/// base64url SHA-256 of `bytes`: a mission's or an update's `s256`.
pub fn s256(bytes: &[u8]) -> String {
    b64::encode(sha2::Sha256::digest(bytes))
}

/// What goes into a new mission blob.
#[derive(Clone, Debug, PartialEq)]
pub struct BlobInput<'a> {
    /// The PS identifier.
    pub approver: &'a str,
    /// The proposing agent's identifier.
    pub agent: &'a str,
    /// Approval time (Unix seconds).
    pub approved_at: i64,
    /// Expiry (Unix seconds), if the PS sets one.
    pub expires_at: Option<i64>,
    /// The approved description.
    pub description: &'a str,
    /// Approved tools as proposed (`[{name, description}]`).
    pub tools: Option<&'a Value>,
    /// Approved resources (-11 only).
    pub resources: &'a [String],
    /// -10 puts the PS's capabilities inside the blob.
    pub capabilities: Option<&'a [String]>,
}

/// The mission blob bytes, members in the order the drafts list them.
pub fn blob_bytes(input: &BlobInput<'_>) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("approver".into(), input.approver.into());
    m.insert("agent".into(), input.agent.into());
    m.insert("approved_at".into(), iso8601(input.approved_at).into());
    if let Some(t) = input.expires_at {
        m.insert("expires_at".into(), iso8601(t).into());
    }
    m.insert("description".into(), input.description.into());
    if let Some(tools) = input.tools {
        m.insert("approved_tools".into(), tools.clone());
    }
    if !input.resources.is_empty() {
        m.insert(
            "approved_resources".into(),
            Value::Array(input.resources.iter().cloned().map(Value::String).collect()),
        );
    }
    if let Some(caps) = input.capabilities {
        m.insert(
            "capabilities".into(),
            Value::Array(caps.iter().cloned().map(Value::String).collect()),
        );
    }
    Value::Object(m).to_string().into_bytes()
}

/// `YYYY-MM-DDThh:mm:ssZ` for a Unix time (proleptic Gregorian, UTC).
pub fn iso8601(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_730_217_600), "2024-10-29T16:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn foreign_and_unknown_missions_look_alike() {
        let mut store = MissionStore::default();
        store.insert(Mission {
            s256: "m".into(),
            blob: vec![],
            owner: "a".into(),
            person: "p".into(),
            resources: vec![],
            expires_at: Some(10),
            status: MissionStatus::Active,
            updates: vec![],
        });
        assert!(store.owned_by("a", "m").is_some());
        assert!(store.owned_by("b", "m").is_none());
        assert!(store.owned_by("a", "n").is_none());
        let m = store.any("m").expect("found");
        assert_eq!(m.status_at(5), &MissionStatus::Active);
        assert_eq!(
            m.status_at(10),
            &MissionStatus::Terminated(TerminationReason::EXPIRED)
        );
        m.terminate(TerminationReason::COMPLETED);
        assert_eq!(
            m.status,
            MissionStatus::Terminated(TerminationReason::EXPIRED)
        );
    }

    #[test]
    fn blob_hash_covers_the_exact_bytes() {
        let bytes = blob_bytes(&BlobInput {
            approver: "https://ps.example",
            agent: "aauth:a@ap.example",
            approved_at: 0,
            expires_at: None,
            description: "d",
            tools: None,
            resources: &[],
            capabilities: None,
        });
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"approver":"https://ps.example","agent":"aauth:a@ap.example","approved_at":"1970-01-01T00:00:00Z","description":"d"}"#
        );
        assert_eq!(s256(&bytes).len(), 43);
    }
}
