//! What the reference resource remembers between requests: the grants it opened by issuing
//! resource tokens, the person tokens it verified, the session tokens it handed out, and
//! which `(iss, jti)` pairs it knows and has revoked.
//!
//! Every table is bounded ([`MAX_ENTRIES`]); the oldest entries go first, so a flood of
//! requests from an implementation under test costs memory once, not forever.

use std::collections::{BTreeSet, HashMap, VecDeque};

/// The most entries any one table keeps.
pub const MAX_ENTRIES: usize = 4096;

/// A resource token the resource issued: it names the issuer that may answer it with an
/// auth token (its `aud`) and the agent key it was bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The resource token's `jti`.
    pub jti: String,
    /// The PS or AS the resource token was addressed to.
    pub aud: String,
    /// The agent key thumbprint it was bound to.
    pub agent_jkt: String,
    /// Scopes asked for.
    pub scope: String,
    /// Until when an auth token answering it is believable (resource token `exp` plus the
    /// longest auth token lifetime).
    pub honoured_until: i64,
}

/// A person token the resource verified, so a later challenge to a request carrying an auth
/// token can still name it (`presented_jti`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRecord {
    /// The person token's `jti`.
    pub jti: String,
    /// `mission_s256`, copied into resource tokens.
    pub mission_s256: Option<String>,
    /// `tenant`, copied into resource tokens.
    pub tenant: Option<String>,
}

/// A session token handed out in `AAuth-Access`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The agent key it is bound to.
    pub agent_jkt: String,
    /// What it allows.
    pub scope: String,
    /// The `(iss, jti)` of the auth token it came from (revoking that ends the session).
    pub source: (String, String),
    /// Expiry (the auth token's).
    pub exp: i64,
}

/// The resource's memory. Guarded by one mutex in the role; never held across an await.
#[derive(Debug, Default)]
pub struct ResourceState {
    grants: VecDeque<Grant>,
    persons: HashMap<(String, String), PersonRecord>,
    person_order: VecDeque<(String, String)>,
    sessions: HashMap<String, Session>,
    session_order: VecDeque<String>,
    known: BTreeSet<(String, String)>,
    known_order: VecDeque<(String, String)>,
    revoked: BTreeSet<(String, String)>,
    resource_tokens: u64,
}

impl ResourceState {
    /// The next resource-token serial number.
    pub fn next_serial(&mut self) -> u64 {
        self.resource_tokens = self.resource_tokens.saturating_add(1);
        self.resource_tokens
    }

    /// Remember a grant.
    pub fn add_grant(&mut self, grant: Grant) {
        if self.grants.len() >= MAX_ENTRIES {
            self.grants.pop_front();
        }
        self.grants.push_back(grant);
    }

    /// True when a grant sent to `issuer` for the agent key `agent_jkt` is still honoured.
    pub fn granted_by(&self, issuer: &str, agent_jkt: &str, now: i64) -> bool {
        self.grants
            .iter()
            .any(|g| g.aud == issuer && g.agent_jkt == agent_jkt && g.honoured_until > now)
    }

    /// Every grant, oldest first.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter()
    }

    /// Remember the person token verified for `(ps, sub)`.
    pub fn record_person(&mut self, ps: &str, sub: &str, record: PersonRecord) {
        let key = (ps.to_string(), sub.to_string());
        if !self.persons.contains_key(&key) {
            if self.person_order.len() >= MAX_ENTRIES {
                if let Some(old) = self.person_order.pop_front() {
                    self.persons.remove(&old);
                }
            }
            self.person_order.push_back(key.clone());
        }
        self.persons.insert(key, record);
    }

    /// The person token last verified for `(ps, sub)`.
    pub fn person(&self, ps: &str, sub: &str) -> Option<&PersonRecord> {
        self.persons.get(&(ps.to_string(), sub.to_string()))
    }

    /// Remember a session token.
    pub fn add_session(&mut self, token: &str, session: Session) {
        if self.session_order.len() >= MAX_ENTRIES {
            if let Some(old) = self.session_order.pop_front() {
                self.sessions.remove(&old);
            }
        }
        self.session_order.push_back(token.to_string());
        self.sessions.insert(token.to_string(), session);
    }

    /// The live session for `token`, if any (expired and revoked ones are not live).
    pub fn session(&self, token: &str, now: i64) -> Option<&Session> {
        self.sessions
            .get(token)
            .filter(|s| s.exp > now && !self.revoked.contains(&s.source))
    }

    /// Remember that the resource has seen or issued the token `(iss, jti)`.
    pub fn know(&mut self, iss: &str, jti: &str) {
        let key = (iss.to_string(), jti.to_string());
        if self.known.contains(&key) {
            return;
        }
        if self.known_order.len() >= MAX_ENTRIES {
            if let Some(old) = self.known_order.pop_front() {
                self.known.remove(&old);
            }
        }
        self.known_order.push_back(key.clone());
        self.known.insert(key);
    }

    /// Revoke `(iss, jti)`: true when the pair was known (or already revoked).
    pub fn revoke(&mut self, iss: &str, jti: &str) -> bool {
        let key = (iss.to_string(), jti.to_string());
        if self.revoked.contains(&key) {
            return true;
        }
        if !self.known.contains(&key) {
            return false;
        }
        if self.revoked.len() >= MAX_ENTRIES {
            if let Some(first) = self.revoked.iter().next().cloned() {
                self.revoked.remove(&first);
            }
        }
        self.revoked.insert(key);
        true
    }

    /// True when `(iss, jti)` has been revoked.
    pub fn is_revoked(&self, iss: &str, jti: &str) -> bool {
        self.revoked.contains(&(iss.to_string(), jti.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_is_keyed_by_issuer_and_jti() {
        let mut s = ResourceState::default();
        s.know("https://ps.a", "j1");
        s.know("https://ps.b", "j1");
        assert!(!s.revoke("https://ps.c", "j1"));
        assert!(s.revoke("https://ps.a", "j1"));
        assert!(s.is_revoked("https://ps.a", "j1"));
        assert!(!s.is_revoked("https://ps.b", "j1"));
        assert!(s.revoke("https://ps.a", "j1"));
    }

    #[test]
    fn tables_stay_bounded() {
        let mut s = ResourceState::default();
        for i in 0..(MAX_ENTRIES + 10) {
            s.know("https://x", &i.to_string());
            s.add_session(
                &i.to_string(),
                Session {
                    agent_jkt: String::new(),
                    scope: String::new(),
                    source: (String::new(), String::new()),
                    exp: 10,
                },
            );
        }
        assert_eq!(s.known.len(), MAX_ENTRIES);
        assert_eq!(s.sessions.len(), MAX_ENTRIES);
        assert!(s.session("0", 0).is_none());
        assert!(s.session(&(MAX_ENTRIES + 9).to_string(), 0).is_some());
    }
}
