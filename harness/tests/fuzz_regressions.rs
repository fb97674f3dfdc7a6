//! Every finding of the fuzzers in `fuzz/`, kept as a named regression test with its
//! provenance: the input bytes as libFuzzer minimised them (the test body is the snippet the
//! failing input's `Debug` printed), what broke and why, and where it was fixed. A test
//! here fails again if the bug comes back, without building the fuzz package.

use aauth_harness::fuzzing;

/// What broke: a JSON number written with many digits (an integer beyond `u64`, read as a
/// float) changed value after a round trip: `serde_json`'s default float parser is not
/// correctly rounded, so `2.2244444444444442e98` was read back as `...445e98`. The harness
/// re-sends JWKs, claims and documents "exactly as received", so numbers must survive.
/// Root cause and fix: enable `serde_json`'s `float_roundtrip` feature in the workspace
/// (correctly rounded parsing).
/// Found by: `cargo fuzz run jwk` (crash-4c3d591c4212b5f73deeb1238f4b7c0b48113361);
/// fixed in: the commit that added this test.
#[test]
fn jwk_aa5731a8fa8a() {
    fuzzing::jwk(b"{\"crv\":\"5519\",\"kty\":222444444444444444444444444444444444444444444444444444444444444444444444444444444444444444222222222}");
}
