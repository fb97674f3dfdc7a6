#![no_main]
use aauth_harness::fuzzing::{target::JwtClaims, Input};

libfuzzer_sys::fuzz_target!(|input: Input<JwtClaims>| input.run());
