//! The oracles the fuzzing functions share: the differential check against `sfv` for
//! Structured Field headers, and the views that say how much of a field a typed model
//! promises to keep.
//!
//! Every check here panics with a sentence naming the field and the two values that
//! disagree, because a panic is how libFuzzer notices a finding. Nothing here is called on
//! input our parser refused: the differential only asks "when we accept, does a second
//! implementation agree that the text is that Structured Field, and does our output mean
//! the same thing?".

use crate::wire::sf;
use sfv::FieldType as _;

/// Which Structured Field type a header is (RFC 9651 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SfKind {
    /// A Dictionary (`Signature-Input`, `Signature-Key`, ...).
    Dictionary,
    /// A List (`Accept-Signature-Alg`, `AAuth-Capabilities`, ...).
    List,
}

/// How much of the received field a typed model keeps, so that the comparison of
/// "sfv's reading of the input" with "sfv's reading of our re-serialization" asks exactly
/// what the model promises and nothing more. Each header's choice is documented where it is
/// used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Everything, in order: members, items, parameters and their order.
    Exact,
    /// Everything, but member and parameter order is not kept: the model writes its own
    /// canonical order (for example `requirement` first, known parameters before unknown).
    Unordered,
    /// Member values only: parameters on dictionary members are ignored by the model.
    WithoutMemberParams,
}

/// A Dictionary as sfv reads it (RFC 9651), or `None` when sfv refuses it.
pub fn sfv_dictionary(input: &[u8]) -> Option<sfv::Dictionary> {
    sfv::Parser::new(input).parse::<sfv::Dictionary>().ok()
}

/// A List as sfv reads it (RFC 9651), or `None` when sfv refuses it.
pub fn sfv_list(input: &[u8]) -> Option<sfv::List> {
    sfv::Parser::new(input).parse::<sfv::List>().ok()
}

/// The differential oracle for a Structured Field header.
///
/// Our typed parser accepted `input` and serialized it as `ours`. Then sfv must parse
/// `input` as `kind` (we never accept what the reference refuses), must parse `ours` too,
/// and the two values, seen through `view`, must serialize identically.
pub fn agrees_with_sfv(field: &str, kind: SfKind, input: &[u8], ours: &str, view: View) {
    let (theirs, reread) = match kind {
        SfKind::Dictionary => {
            let theirs = sfv_dictionary(input).unwrap_or_else(|| {
                panic!(
                    "{field}: our parser accepted {:?}, which sfv refuses as a Dictionary",
                    String::from_utf8_lossy(input)
                )
            });
            let reread = sfv_dictionary(ours.as_bytes()).unwrap_or_else(|| {
                panic!("{field}: sfv refuses our serialization {ours:?} as a Dictionary")
            });
            (
                sf::serialize_dictionary(&dictionary_view(theirs, view)),
                sf::serialize_dictionary(&dictionary_view(reread, view)),
            )
        }
        SfKind::List => {
            let theirs = sfv_list(input).unwrap_or_else(|| {
                panic!(
                    "{field}: our parser accepted {:?}, which sfv refuses as a List",
                    String::from_utf8_lossy(input)
                )
            });
            let reread = sfv_list(ours.as_bytes()).unwrap_or_else(|| {
                panic!("{field}: sfv refuses our serialization {ours:?} as a List")
            });
            (
                sf::serialize_list(&list_view(theirs, view)),
                sf::serialize_list(&list_view(reread, view)),
            )
        }
    };
    assert_eq!(
        reread,
        theirs,
        "{field}: our serialization means something else than the input {:?} ({view:?} view)",
        String::from_utf8_lossy(input)
    );
}

/// `dict` as `view` sees it.
pub fn dictionary_view(dict: sfv::Dictionary, view: View) -> sfv::Dictionary {
    match view {
        View::Exact => dict,
        View::Unordered => {
            let mut members: Vec<(sfv::Key, sfv::ListEntry)> = dict
                .into_iter()
                .map(|(k, v)| (k, sorted_entry(v)))
                .collect();
            members.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            members.into_iter().collect()
        }
        View::WithoutMemberParams => dict
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    sfv::ListEntry::Item(i) => sfv::ListEntry::Item(sfv::Item::new(i.bare_item)),
                    sfv::ListEntry::InnerList(l) => {
                        sfv::ListEntry::InnerList(sfv::InnerList::new(l.items))
                    }
                };
                (k, v)
            })
            .collect(),
    }
}

fn list_view(list: sfv::List, view: View) -> sfv::List {
    match view {
        View::Exact => list,
        // A List keeps its member order in every model; only parameters can be re-ordered.
        View::Unordered => list.into_iter().map(sorted_entry).collect(),
        View::WithoutMemberParams => list
            .into_iter()
            .map(|v| match v {
                sfv::ListEntry::Item(i) => sfv::ListEntry::Item(sfv::Item::new(i.bare_item)),
                sfv::ListEntry::InnerList(l) => {
                    sfv::ListEntry::InnerList(sfv::InnerList::new(l.items))
                }
            })
            .collect(),
    }
}

fn sorted_params(params: sfv::Parameters) -> sfv::Parameters {
    let mut p: Vec<(sfv::Key, sfv::BareItem)> = params.into_iter().collect();
    p.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    p.into_iter().collect()
}

fn sorted_entry(entry: sfv::ListEntry) -> sfv::ListEntry {
    match entry {
        sfv::ListEntry::Item(i) => {
            sfv::ListEntry::Item(sfv::Item::with_params(i.bare_item, sorted_params(i.params)))
        }
        sfv::ListEntry::InnerList(l) => sfv::ListEntry::InnerList(sfv::InnerList::with_params(
            l.items
                .into_iter()
                .map(|i| sfv::Item::with_params(i.bare_item, sorted_params(i.params)))
                .collect(),
            sorted_params(l.params),
        )),
    }
}

/// Asserts that serializing a re-parsed value gives the same text again (serialization is a
/// fixed point after one round), naming the field.
pub fn fixed_point(field: &str, first: &str, second: &str) {
    assert_eq!(
        second, first,
        "{field}: serialization is not a fixed point after one round"
    );
}

/// The canonical text of one sfv Item, for messages.
pub fn item_text(item: &sfv::Item) -> String {
    item.serialize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_view_accepts_identical_meaning_and_normalised_whitespace() {
        agrees_with_sfv(
            "X",
            SfKind::Dictionary,
            b"a=1 ,  b=(\"x\" \"y\");p",
            "a=1, b=(\"x\" \"y\");p",
            View::Exact,
        );
        agrees_with_sfv("X", SfKind::List, b"t1,t2;q", "t1, t2;q", View::Exact);
    }

    #[test]
    #[should_panic(expected = "means something else")]
    fn exact_view_notices_reordered_members() {
        agrees_with_sfv(
            "X",
            SfKind::Dictionary,
            b"a=1, b=2",
            "b=2, a=1",
            View::Exact,
        );
    }

    #[test]
    fn unordered_view_ignores_member_and_parameter_order_only() {
        agrees_with_sfv(
            "X",
            SfKind::Dictionary,
            b"a=1;y;x, b=2",
            "b=2, a=1;x;y",
            View::Unordered,
        );
    }

    #[test]
    #[should_panic(expected = "sfv refuses as a Dictionary")]
    fn accepting_what_sfv_refuses_is_a_finding() {
        agrees_with_sfv("X", SfKind::Dictionary, b"A=1", "a=1", View::Exact);
    }

    #[test]
    fn member_params_view_drops_only_member_parameters() {
        agrees_with_sfv(
            "X",
            SfKind::Dictionary,
            b"s=:AQI=:;p=1",
            "s=:AQI=:",
            View::WithoutMemberParams,
        );
    }
}
