//! Self-tests of the suite's data: the requirement index, the anchors, the exclusions and every
//! registry (the default one and the self-test one). A failure here is a bug in `spec/` or in
//! a case module, never in an implementation under test.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns; a panic is a test failure

use std::collections::BTreeSet;

use aauth_harness::profile::Profile;
use aauth_suite::capability::{self, Capability};
use aauth_suite::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use aauth_suite::cases::selftest::{self, SelfTestContext};
use aauth_suite::coverage::coverage;
use aauth_suite::index::{self, Doc, ReqId, RequirementIndex, Testability, GROUPS};
use aauth_suite::outcome::Outcome;
use aauth_suite::registry::{default_registry, Registry};

fn index() -> &'static RequirementIndex {
    index::bundled().expect("the bundled index loads and its anchors resolve")
}

#[test]
fn the_bundled_index_covers_every_catalogue_group_with_unique_ids() {
    let index = index();
    assert_eq!(index.rows().len(), 202, "one entry per catalogue row");
    let ids: BTreeSet<_> = index.rows().iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), index.rows().len());
    for group in GROUPS {
        assert!(
            index.rows().iter().any(|r| r.id.group() == *group),
            "group {group} has rows"
        );
    }
    for row in index.rows() {
        assert_eq!(ReqId::parse(row.id.as_str()).as_ref(), Ok(&row.id));
        assert!(row.summary.chars().count() <= 100, "{}", row.id);
    }
}

#[test]
fn every_anchor_exists_in_the_bundled_anchor_list_under_its_section() {
    let anchors = index::bundled_anchors().unwrap();
    assert!(anchors.len() > 500);
    index().check_anchors(anchors).unwrap();
    let row = index().get(&ReqId::from_static("SIG-007")).unwrap();
    assert_eq!(row.spec.doc, Doc::Aauth11);
    assert_eq!(
        (row.spec.section.as_str(), row.spec.anchor.as_str()),
        ("13.8.4", "verification")
    );
}

#[test]
fn untestable_rows_carry_a_reason_and_are_excluded() {
    let exclusions = index::bundled_exclusions().unwrap();
    let nbb: Vec<_> = index()
        .rows()
        .iter()
        .filter(|r| r.testability == Testability::Nbb)
        .collect();
    assert_eq!(nbb.len(), 2);
    for row in nbb {
        assert!(row.untestable.as_deref().is_some_and(|r| !r.is_empty()));
        assert!(
            exclusions.reason(&row.id).is_some(),
            "{} is excluded",
            row.id
        );
    }
    for (id, _) in exclusions.iter() {
        assert!(index().get(id).is_some(), "exclusion {id} names a row");
    }
}

#[test]
fn the_default_registry_is_sound() {
    let problems = default_registry().check(index());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_selftest_registry_is_sound() {
    let registry = Registry::from_modules(&[selftest::CASES]);
    let problems = registry.check(index());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_capability_constant_is_listed_once() {
    let names: BTreeSet<_> = capability::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(names.len(), capability::ALL.len());
    for name in names {
        assert!(Capability::lookup(name).is_some());
    }
}

fn noop<'a>(_: &'a SelfTestContext, _: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(async { Outcome::Pass })
}

const BROKEN: &[Case<SelfTestContext>] = &[
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("broken.twice.same-id"),
            "Sends a request",
            ReqId::from_static("SIG-007"),
            Level::Must,
            roles::RESOURCE,
            profiles::ALL,
        ),
        run: noop,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("broken.twice.same-id"),
            "Sends a request",
            ReqId::from_static("SIG-022"),
            Level::Must,
            roles::RESOURCE,
            profiles::ONLY_11,
        ),
        run: noop,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("broken.profile.outside-row"),
            "",
            ReqId::from_static("SIG-003"),
            Level::Must,
            &[],
            profiles::FROM_10,
        )
        .with_needs(&[Capability::ES256, Capability::ES256]),
        run: noop,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("broken.requirement.unknown"),
            "Sends a request",
            ReqId::from_static("SIG-099"),
            Level::Must,
            roles::RESOURCE,
            profiles::ONLY_11,
        ),
        run: noop,
    },
];

#[test]
fn the_registry_check_catches_each_kind_of_mistake() {
    let problems: Vec<String> = Registry::from_modules(&[BROKEN])
        .check(index())
        .iter()
        .map(ToString::to_string)
        .collect();
    let expect = [
        "broken.twice.same-id: duplicate case id",
        "broken.twice.same-id: level must is not admitted by SIG-022 (should)",
        "broken.profile.outside-row: empty title",
        "broken.profile.outside-row: no roles listed",
        "broken.profile.outside-row: need es256 listed twice",
        "broken.profile.outside-row: profile aauth-10 is outside SIG-003's profiles",
        "broken.requirement.unknown: cites SIG-099 which is not in the index",
    ];
    for line in expect {
        assert!(
            problems.iter().any(|p| p == line),
            "missing {line:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
}

#[test]
fn expansion_writes_one_entry_per_role_and_profile() {
    let registry = Registry::from_modules(&[selftest::CASES]);
    let ids: Vec<String> = registry
        .expand()
        .iter()
        .filter(|e| e.id.case.as_str() == "selftest.outcome.pass")
        .map(|e| format!("{} {}", e.id, e.profile))
        .collect();
    assert_eq!(
        ids,
        [
            "selftest.outcome.pass@resource aauth-11",
            "selftest.outcome.pass@resource aauth-10",
            "selftest.outcome.pass@person-server aauth-11",
            "selftest.outcome.pass@person-server aauth-10",
            "selftest.outcome.pass@access-server aauth-11",
            "selftest.outcome.pass@access-server aauth-10",
        ]
    );
    assert!(registry
        .expand()
        .iter()
        .all(|e| e.profile != Profile::Legacy || e.case.meta.profiles.contains(&Profile::Legacy)));
}

#[test]
fn coverage_lists_rows_without_cases_per_group_minus_exclusions() {
    let index = index();
    let exclusions = index::bundled_exclusions().unwrap();
    let registry = Registry::from_modules(&[selftest::CASES]);
    let report = coverage(index, registry.metas(), exclusions);
    let sig = report.groups.iter().find(|g| g.group == "SIG").unwrap();
    assert_eq!(sig.total, 25);
    assert_eq!(
        sig.covered, 3,
        "SIG-019, SIG-022, SIG-023 are cited by the demo cases"
    );
    assert!(sig
        .missing
        .iter()
        .all(|r| !["SIG-019", "SIG-022", "SIG-023"].contains(&r.id.as_str())));
    let agt = report.groups.iter().find(|g| g.group == "AGT").unwrap();
    assert_eq!(agt.excluded.len(), 1);
    assert_eq!(report.missing_total(), 202 - 3 - 2);
    assert!(report.stale_exclusions.is_empty() && report.unknown_exclusions.is_empty());

    let default = default_registry();
    let full = coverage(index, default.metas(), exclusions);
    assert_eq!(
        full.missing_total()
            + full
                .groups
                .iter()
                .map(|g| g.covered + g.excluded.len())
                .sum::<usize>(),
        202
    );
}
