#![no_main]
use aauth_harness::fuzzing::{target::AauthAccess, Input};

libfuzzer_sys::fuzz_target!(|input: Input<AauthAccess>| input.run());
