#![no_main]
use aauth_harness::fuzzing::{target::AcceptSignatureScheme, Input};

libfuzzer_sys::fuzz_target!(|input: Input<AcceptSignatureScheme>| input.run());
