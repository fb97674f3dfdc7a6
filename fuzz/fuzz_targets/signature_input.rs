#![no_main]
use aauth_harness::fuzzing::{target::SignatureInput, Input};

libfuzzer_sys::fuzz_target!(|input: Input<SignatureInput>| input.run());
