#![no_main]
use aauth_harness::fuzzing::{target::SignatureKey, Input};

libfuzzer_sys::fuzz_target!(|input: Input<SignatureKey>| input.run());
