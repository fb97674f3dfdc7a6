//! The `AAUTH_HARNESS_ROUTES` format: what launchers parse must round-trip, and anything that
//! could point a target away from loopback or at a malformed identifier is refused with the
//! entry it came from.

use aauth_harness::host::routes::{loopback_origin, Routes, RoutesError};

#[test]
fn a_table_round_trips_through_its_text_form() {
    let text = "https://ap.harness.test=http://127.0.0.1:41234,https://ps.harness.test=http://127.0.0.1:41235";
    let routes = Routes::parse(text).expect("parse");
    assert_eq!(routes.len(), 2);
    assert_eq!(routes.to_string(), text);
    assert_eq!(
        routes.lookup("https://ps.harness.test").map(|a| a.port()),
        Some(41235)
    );
    assert_eq!(
        routes.lookup("ap.harness.test:443").map(|a| a.port()),
        Some(41234)
    );
    assert_eq!(routes.lookup("https://as.harness.test"), None);
}

#[test]
fn the_empty_string_is_the_empty_table() {
    assert!(Routes::parse("").expect("parse").is_empty());
    assert_eq!(Routes::new().to_string(), "");
}

#[test]
fn ipv6_loopback_origins_are_accepted_and_written_back_bracketed() {
    let routes = Routes::parse("https://ap.harness.test=http://[::1]:8080").expect("parse");
    assert_eq!(
        routes.to_string(),
        "https://ap.harness.test=http://[::1]:8080"
    );
}

fn entry_of(e: &RoutesError) -> Option<usize> {
    match e {
        RoutesError::BadIdentifier { entry, .. }
        | RoutesError::BadOrigin { entry, .. }
        | RoutesError::MissingSeparator { entry, .. }
        | RoutesError::Duplicate { entry, .. } => Some(*entry),
        _ => None,
    }
}

#[test]
fn malformed_entries_are_refused_with_their_position() {
    let good = "https://ap.harness.test=http://127.0.0.1:1";
    let cases = [
        "http://bad.harness.test=http://127.0.0.1:2",
        "https://Bad.harness.test=http://127.0.0.1:2",
        "https://bad.harness.test:8443=http://127.0.0.1:2",
        "https://bad.harness.test/path=http://127.0.0.1:2",
        "https://bad-.harness.test=http://127.0.0.1:2",
        "https://bad.harness.test=http://10.1.2.3:2",
        "https://bad.harness.test=http://example.com:2",
        "https://bad.harness.test=https://127.0.0.1:2",
        "https://bad.harness.test=http://127.0.0.1",
        "https://bad.harness.test=http://127.0.0.1:0",
        "https://bad.harness.test",
        good,
    ];
    for bad in cases {
        let text = format!("{good},{bad}");
        let err = Routes::parse(&text).expect_err(bad);
        assert_eq!(entry_of(&err), Some(1), "{bad}: {err}");
    }
}

#[test]
fn inserting_a_non_loopback_origin_is_refused() {
    let mut routes = Routes::new();
    let err = routes
        .insert(
            "https://ap.harness.test",
            "192.0.2.1:80".parse().expect("addr"),
        )
        .expect_err("must refuse");
    assert!(matches!(err, RoutesError::BadOrigin { .. }));
    assert!(loopback_origin("http://localhost:9").is_ok());
    assert!(loopback_origin("http://192.0.2.1:9").is_err());
}
