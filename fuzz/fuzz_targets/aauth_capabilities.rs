#![no_main]
use aauth_harness::fuzzing::{target::AauthCapabilities, Input};

libfuzzer_sys::fuzz_target!(|input: Input<AauthCapabilities>| input.run());
