//! Properties of the RFC 9421 layer on hostile input: parsers never panic, whatever parses
//! serializes back to something that parses to the same value, and the signature base is
//! total (a value or an error, never a panic) over odd messages.

use aauth_harness::httpsig::base::{signature_base, FieldTypes, Message};
use aauth_harness::httpsig::component::ComponentId;
use aauth_harness::message::Request;
use aauth_harness::wire::signature::Signatures;
use aauth_harness::wire::signature_input::SignatureInput;
use proptest::prelude::*;

fn sf_ish() -> impl Strategy<Value = String> {
    // Biased towards structured-field syntax so that many inputs get deep into the parser.
    proptest::collection::vec(
        prop_oneof![
            Just("sig=".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("\"@method\"".to_string()),
            Just("\"@query-param\";name=\"a\"".to_string()),
            Just("\"content-digest\";sf".to_string()),
            Just("\"x\";key=\"k\";req".to_string()),
            Just(";created=1618884473".to_string()),
            Just(";expires=-5".to_string()),
            Just(";alg=\"ed25519\"".to_string()),
            Just(";keyid=\"k\"".to_string()),
            Just(";foo=?0".to_string()),
            Just(":AAAA:".to_string()),
            Just(", ".to_string()),
            Just(" ".to_string()),
            "[ -~]{0,6}",
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn signature_input_parse_is_total_and_round_trips(s in sf_ish()) {
        if let Ok(parsed) = SignatureInput::parse(&s) {
            let again = SignatureInput::parse(&parsed.serialize()).expect("serialization parses");
            prop_assert_eq!(again, parsed);
        }
    }

    #[test]
    fn signature_parse_is_total_and_round_trips(s in sf_ish()) {
        if let Ok(parsed) = Signatures::parse(&s) {
            let again = Signatures::parse(&parsed.serialize()).expect("serialization parses");
            prop_assert_eq!(again, parsed);
        }
    }

    #[test]
    fn component_id_parse_is_total(s in "\\PC{0,24}") {
        if let Ok(id) = ComponentId::parse(&s) {
            prop_assert_eq!(ComponentId::parse(&id.serialize()).expect("reparses"), id);
        }
    }

    #[test]
    fn signature_base_is_total_over_odd_messages(
        input in sf_ish(),
        authority in "[A-Za-z0-9\\[\\]:.]{0,20}",
        path in "[ -~]{0,16}",
        query in proptest::option::of("[ -~]{0,24}"),
        header in "[ -~\\r\\n\\t]{0,24}",
    ) {
        let mut r = Request::new("GET", "https", &authority, "/");
        r.path = path;
        r.query = query;
        r.headers = vec![("Content-Digest".into(), header.clone()), ("X".into(), header)];
        if let Ok(parsed) = SignatureInput::parse(&input) {
            for (_, params) in parsed.iter() {
                if let Ok(base) = signature_base(Message::Request(&r), params, &FieldTypes::aauth()) {
                    prop_assert!(base.as_str().ends_with(&params.serialize()));
                }
            }
        }
    }
}
