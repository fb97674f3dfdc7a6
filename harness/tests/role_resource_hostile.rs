//! Hostile input to the reference resource: whatever arrives, it answers (no panic), never
//! with a server error, and never serves a protected path without a credential it can verify.

use std::sync::Arc;

use aauth_harness::clock::Clock;
use aauth_harness::message::Request;
use aauth_harness::profile::Profile;
use aauth_harness::role::resource::{Resource, ResourceConfig};
use aauth_harness::verify::StaticKeys;
use proptest::prelude::*;

fn resource() -> Resource {
    Resource::new(
        ResourceConfig::new(
            "https://resource.harness.test",
            Profile::Aauth11,
            Clock::fixed(1_730_217_600),
            1,
        ),
        Arc::new(StaticKeys::new()),
    )
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Signature".to_string()),
        Just("Signature-Input".to_string()),
        Just("Signature-Key".to_string()),
        Just("Authorization".to_string()),
        Just("AAuth-Capabilities".to_string()),
        Just("Content-Type".to_string()),
        Just("Content-Digest".to_string()),
        "[a-z-]{1,12}",
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("sig=jwt;jwt=\"a.b.c\"".to_string()),
        Just("sig=(\"@method\" \"@authority\");created=1730217600".to_string()),
        Just("sig=:AAAA:".to_string()),
        Just("AAuth abc".to_string()),
        Just("AAuth a b".to_string()),
        Just("zz;p=1, interaction".to_string()),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_request_gets_a_non_server_error_answer(
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")],
        path in prop_oneof![
            Just("/api/data".to_string()),
            Just("/api/write".to_string()),
            Just("/api/whoami".to_string()),
            Just("/authorize".to_string()),
            Just("/revoke".to_string()),
            "/[a-z/]{0,12}",
        ],
        headers in proptest::collection::vec((header_name(), header_value()), 0..6),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut request = Request::new(method, "https", "resource.harness.test", &path);
        request.headers = headers;
        request.body = body.into();
        let response = runtime.block_on(resource().answer(request));
        prop_assert!(response.status < 500, "{}", response.status);
        let protected = ["/api/data", "/api/write", "/authorize", "/revoke"];
        if protected.contains(&path.as_str()) {
            prop_assert!(!(200..300).contains(&response.status), "{}", response.status);
        }
    }
}
