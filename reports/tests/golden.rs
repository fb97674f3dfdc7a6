//! Golden tests: every renderer over the one sample report, snapshots committed.
//!
//! Review a changed snapshot by reading the `.snap.new` file insta writes (or run with
//! `INSTA_UPDATE=always` and read the diff in git); CI runs with `INSTA_UPDATE=no`.

mod common;

use aauth_reports::{html, json, junit, sarif, text, TextOptions};

#[test]
fn json_matches_the_snapshot() {
    insta::assert_snapshot!("report.json", json::render(&common::sample()).unwrap());
}

#[test]
fn junit_matches_the_snapshot() {
    insta::assert_snapshot!(
        "report.junit.xml",
        junit::render(&common::sample()).unwrap()
    );
}

#[test]
fn sarif_matches_the_snapshot() {
    insta::assert_snapshot!("report.sarif", sarif::render(&common::sample()).unwrap());
}

#[test]
fn html_matches_the_snapshot() {
    insta::assert_snapshot!("report.html", html::render(&common::sample()));
}

#[test]
fn text_matches_the_snapshot() {
    let options = TextOptions::default();
    insta::assert_snapshot!("report.txt", text::render(&common::sample(), &options));
}

#[test]
fn ascii_text_with_transcripts_matches_the_snapshot() {
    let options = TextOptions {
        ascii: true,
        transcripts: true,
        ..TextOptions::default()
    };
    insta::assert_snapshot!(
        "report.ascii.txt",
        text::render(&common::sample(), &options)
    );
}

#[test]
fn coloured_text_matches_the_snapshot() {
    let options = TextOptions {
        color: true,
        ..TextOptions::default()
    };
    insta::assert_snapshot!(
        "report.color.txt",
        text::render(&common::sample(), &options)
    );
}
