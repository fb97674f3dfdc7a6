//! The HTTP messages the harness builds, signs, sends, receives and records.
//!
//! These are deliberately our own plain types rather than `http::Request`: a negative case
//! must be able to carry duplicate fields, odd casing, a `Host` that disagrees with the
//! connection, or a body that disagrees with its digest, and the transcript must show the
//! message exactly as it was put on the wire.

use bytes::Bytes;

/// One header field line as sent or received. Names keep their case; lookups ignore it.
pub type Field = (String, String);

/// An HTTP request, as built by a role or a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Method token, e.g. `GET`. Not validated, so defects can send odd methods.
    pub method: String,
    /// `http` or `https`: what `@scheme` and `@target-uri` are computed from.
    pub scheme: String,
    /// Host and optional port as the signer sees them (`@authority`), e.g. `resource.example`.
    pub authority: String,
    /// Absolute path, percent-encoded as sent, without the query (`@path`).
    pub path: String,
    /// Query without the leading `?`, if the target URI has one (`@query`).
    pub query: Option<String>,
    /// Header fields in order, duplicates allowed.
    pub headers: Vec<Field>,
    /// Request content.
    pub body: Bytes,
}

/// An HTTP response, as received from an implementation or produced by a reference role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header fields in order, duplicates allowed.
    pub headers: Vec<Field>,
    /// Response content.
    pub body: Bytes,
}

/// Case-insensitive access to an ordered list of header fields.
pub trait Fields {
    /// The fields, in order.
    fn fields(&self) -> &[Field];
    /// Mutable access to the fields.
    fn fields_mut(&mut self) -> &mut Vec<Field>;

    /// Every value of `name`, in order.
    fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields()
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The values of `name` joined the way RFC 9110 §5.3 combines repeated field lines
    /// (`", "`), or `None` when the field is absent.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.header_all(name).map(str::trim).collect();
        if values.is_empty() {
            None
        } else {
            Some(values.join(", "))
        }
    }

    /// True when at least one line of `name` is present.
    fn has_header(&self, name: &str) -> bool {
        self.header_all(name).next().is_some()
    }

    /// Replace every line of `name` with one line carrying `value`.
    fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.remove_header(name);
        self.fields_mut().push((name.to_string(), value.into()));
    }

    /// Add one more line of `name`, keeping existing ones.
    fn append_header(&mut self, name: &str, value: impl Into<String>) {
        self.fields_mut().push((name.to_string(), value.into()));
    }

    /// Remove every line of `name`.
    fn remove_header(&mut self, name: &str) {
        self.fields_mut()
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
}

impl Fields for Request {
    fn fields(&self) -> &[Field] {
        &self.headers
    }
    fn fields_mut(&mut self) -> &mut Vec<Field> {
        &mut self.headers
    }
}

impl Fields for Response {
    fn fields(&self) -> &[Field] {
        &self.headers
    }
    fn fields_mut(&mut self) -> &mut Vec<Field> {
        &mut self.headers
    }
}

impl Request {
    /// A request with no fields and no body. `target` is a path with an optional `?query`.
    pub fn new(method: &str, scheme: &str, authority: &str, target: &str) -> Self {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (target.to_string(), None),
        };
        Request {
            method: method.to_string(),
            scheme: scheme.to_string(),
            authority: authority.to_string(),
            path: if path.is_empty() {
                "/".to_string()
            } else {
                path
            },
            query,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Builder-style header addition.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.append_header(name, value);
        self
    }

    /// Builder-style body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Path plus `?query` when present: the request target of an origin-form request line.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{}", self.path, q),
            None => self.path.clone(),
        }
    }

    /// The full target URI (`@target-uri`).
    pub fn target_uri(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.target())
    }
}

impl Response {
    /// A response with a status and nothing else.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Builder-style header addition.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.append_header(name, value);
        self
    }

    /// Builder-style body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// A JSON response with the given content type.
    pub fn json(status: u16, content_type: &str, value: &serde_json::Value) -> Self {
        Response::new(status)
            .with_header("content-type", content_type)
            .with_body(value.to_string())
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
