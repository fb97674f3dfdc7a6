#![no_main]
use aauth_harness::fuzzing::{target::SignatureBase, Input};

libfuzzer_sys::fuzz_target!(|input: Input<SignatureBase>| input.run());
