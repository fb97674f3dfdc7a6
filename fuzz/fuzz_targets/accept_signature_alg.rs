#![no_main]
use aauth_harness::fuzzing::{target::AcceptSignatureAlg, Input};

libfuzzer_sys::fuzz_target!(|input: Input<AcceptSignatureAlg>| input.run());
