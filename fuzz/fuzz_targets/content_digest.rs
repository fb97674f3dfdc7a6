#![no_main]
use aauth_harness::fuzzing::{target::ContentDigest, Input};

libfuzzer_sys::fuzz_target!(|input: Input<ContentDigest>| input.run());
