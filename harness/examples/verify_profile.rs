//! Runs one sign/verify benchmark operation N times, for instruction counting under
//! `valgrind --tool=callgrind`, which is reproducible on a loaded machine where wall time
//! is not.
//!
//! `verify_profile <ed25519|es256> <full|raw-http|raw-jwt> <iterations>`

use aauth_harness::bench::SignVerifyFixture;
use aauth_harness::jose::Alg;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let alg = match args.get(1).map(String::as_str) {
        Some("es256") => Alg::ES256,
        _ => Alg::ED25519,
    };
    let op = args.get(2).cloned().unwrap_or_else(|| "full".into());
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100);
    let fixture = SignVerifyFixture::new(&alg).map_err(|e| e.to_string())?;
    let mut ok = 0usize;
    for _ in 0..n {
        let passed = match op.as_str() {
            "full" => fixture.full_verify().is_ok(),
            "raw-http" => fixture.raw_verify_http(),
            "raw-jwt" => fixture.raw_verify_jwt(),
            "none" => true,
            other => return Err(format!("unknown operation {other}")),
        };
        ok += usize::from(std::hint::black_box(passed));
    }
    if ok != n {
        return Err(format!("{} of {n} runs failed", n - ok));
    }
    Ok(())
}
