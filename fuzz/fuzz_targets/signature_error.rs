#![no_main]
use aauth_harness::fuzzing::{target::SignatureError, Input};

libfuzzer_sys::fuzz_target!(|input: Input<SignatureError>| input.run());
