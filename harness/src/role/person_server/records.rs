//! What the reference PS remembers: the people agents act for, the directed identifiers it
//! derived for them, every person token it issued (kept past `exp`, because a resource
//! token may cite one that was valid when the resource issued it), the scopes each person
//! consented to per resource, and the `(iss, jti)` pairs revoked at it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sha2::Digest as _;

/// Who the agents act for: one default person, with per-agent exceptions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonDirectory {
    /// The person every agent acts for unless listed in `by_agent`.
    pub default_person: String,
    /// Agent identifier → person.
    pub by_agent: BTreeMap<String, String>,
    /// Person → tenant (OpenID Enterprise `tenant`), copied into person and auth tokens.
    pub tenants: BTreeMap<String, String>,
}

impl Default for PersonDirectory {
    fn default() -> Self {
        PersonDirectory {
            default_person: "person-1".into(),
            by_agent: BTreeMap::new(),
            tenants: BTreeMap::new(),
        }
    }
}

impl PersonDirectory {
    /// The person behind `agent`.
    pub fn person_for(&self, agent: &str) -> &str {
        self.by_agent
            .get(agent)
            .map(String::as_str)
            .unwrap_or(&self.default_person)
    }

    /// The person's tenant, if any.
    pub fn tenant_of(&self, person: &str) -> Option<&str> {
        self.tenants.get(person).map(String::as_str)
    }
}

/// The directed (pairwise) identifier of `person` at `resource`: the same for every agent
/// and key, different per resource, opaque (32 hex characters of a keyed SHA-256).
pub fn directed_sub(secret: &[u8; 32], person: &str, resource: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(secret);
    h.update(person.as_bytes());
    h.update([0]);
    h.update(resource.as_bytes());
    hex::encode(h.finalize().get(..16).unwrap_or_default())
}

/// One issued person token, as the PS must retain it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonTokenRecord {
    /// Token identifier (what resource tokens cite as `presented_jti`).
    pub jti: String,
    /// Always this PS.
    pub ps: String,
    /// Directed identifier issued.
    pub sub: String,
    /// Mission named, if any.
    pub mission_s256: Option<String>,
    /// Tenant stated, if any.
    pub tenant: Option<String>,
    /// Expiry of the token.
    pub exp: i64,
    /// The resource (`aud`).
    pub resource: String,
    /// The person it identifies.
    pub person: String,
}

/// The PS's memory. Lives behind one mutex in the PS.
#[derive(Debug, Default)]
pub struct Records {
    person_tokens: HashMap<String, PersonTokenRecord>,
    subjects: HashMap<String, String>,
    consents: HashMap<(String, String), BTreeSet<String>>,
    revoked: HashSet<(String, String)>,
    issued: HashSet<String>,
}

impl Records {
    /// Retain a person token record, and the subject it names.
    pub fn keep_person_token(&mut self, record: PersonTokenRecord) {
        self.subjects
            .insert(record.sub.clone(), record.person.clone());
        self.issued.insert(record.jti.clone());
        self.person_tokens.insert(record.jti.clone(), record);
    }

    /// The record for `presented_jti`, kept regardless of the token's `exp`.
    pub fn person_token(&self, jti: &str) -> Option<&PersonTokenRecord> {
        self.person_tokens.get(jti)
    }

    /// Remember that `sub` is this PS's identifier for `person`.
    pub fn keep_subject(&mut self, sub: &str, person: &str) {
        self.subjects.insert(sub.to_string(), person.to_string());
    }

    /// The person behind a directed identifier this PS issued.
    pub fn person_of(&self, sub: &str) -> Option<&str> {
        self.subjects.get(sub).map(String::as_str)
    }

    /// Record that `person` granted `scope` at `resource`; returns every scope granted
    /// there so far (space-separated, sorted).
    pub fn consent(&mut self, person: &str, resource: &str, scope: &str) -> String {
        let set = self
            .consents
            .entry((person.to_string(), resource.to_string()))
            .or_default();
        set.extend(
            scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        set.iter().cloned().collect::<Vec<_>>().join(" ")
    }

    /// Remember a token this PS issued (auth tokens), for revocation lookups.
    pub fn keep_issued(&mut self, jti: &str) {
        self.issued.insert(jti.to_string());
    }

    /// True when this PS issued a token with `jti`.
    pub fn issued(&self, jti: &str) -> bool {
        self.issued.contains(jti)
    }

    /// Mark `(iss, jti)` revoked; true when it was not already.
    pub fn revoke(&mut self, iss: &str, jti: &str) -> bool {
        self.revoked.insert((iss.to_string(), jti.to_string()))
    }

    /// True when `(iss, jti)` was revoked here.
    pub fn is_revoked(&self, iss: &str, jti: &str) -> bool {
        self.revoked.contains(&(iss.to_string(), jti.to_string()))
    }

    /// True when any issuer's token with `jti` was revoked here: the cross-issuer
    /// collision REV-002 forbids, kept for the `ps-revocation-keyed-by-jti` flaw.
    pub fn is_jti_revoked(&self, jti: &str) -> bool {
        self.revoked.iter().any(|(_, j)| j == jti)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directed_sub_is_pairwise_and_stable() {
        let s = [3; 32];
        let a = directed_sub(&s, "p", "https://r1.example");
        assert_eq!(a, directed_sub(&s, "p", "https://r1.example"));
        assert_ne!(a, directed_sub(&s, "p", "https://r2.example"));
        assert_ne!(a, directed_sub(&s, "q", "https://r1.example"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn consent_accumulates() {
        let mut r = Records::default();
        assert_eq!(r.consent("p", "r", "b a"), "a b");
        assert_eq!(r.consent("p", "r", "c"), "a b c");
        assert_eq!(r.consent("p", "other", "x"), "x");
    }

    #[test]
    fn jti_alone_matches_any_issuer() {
        let mut r = Records::default();
        r.revoke("https://ap.a", "j1");
        assert!(r.is_jti_revoked("j1"));
        assert!(!r.is_revoked("https://ap.b", "j1"));
        assert!(!r.is_jti_revoked("j2"));
    }

    #[test]
    fn revocation_is_keyed_by_issuer_and_jti() {
        let mut r = Records::default();
        assert!(r.revoke("https://a", "1"));
        assert!(!r.revoke("https://a", "1"));
        assert!(r.is_revoked("https://a", "1"));
        assert!(!r.is_revoked("https://b", "1"));
    }
}
