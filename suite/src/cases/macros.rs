//! The declaration macro shared by the case modules: one line of data per case, with the body
//! written as an expression over the case context.

/// Declares cases whose body is an expression over the context (usually a call to a helper
/// of [`super::verification`] with the deviation and the verdict as arguments):
/// `"id" => "Sends …", "REQ-ID", Level, roles, profiles, needs, |ctx| body;`.
macro_rules! cases {
    ($( $id:literal => $title:literal, $req:literal, $level:ident, $roles:expr, $profiles:expr,
        $needs:expr, |$ctx:ident| $body:expr; )*) => {
        &[ $( $crate::case::Case {
            meta: $crate::case::CaseMeta::new(
                $crate::case::CaseId::from_static($id),
                $title,
                $crate::index::ReqId::from_static($req),
                $crate::case::Level::$level,
                $roles,
                $profiles,
            )
            .with_needs($needs),
            run: {
                fn body<'a>(
                    $ctx: &'a $crate::context::CaseContext,
                    _run: &'a $crate::case::CaseRun,
                ) -> $crate::case::CaseFuture<'a> {
                    Box::pin($body)
                }
                body
            },
        }, )* ]
    };
}
