//! HTML escaping: the only way text from a report reaches the page.
//!
//! Every string in a report may come from the implementation under test (messages quote it,
//! transcripts are its bytes), so the page builder never writes report text except through
//! [`escape`]. The five characters that matter in text and in quoted attribute values are
//! replaced. Control characters (except tab, CR, LF) and bidirectional controls, which could
//! make a hostile header read as something else, are shown as visible `\u{..}` escapes, as the
//! terminal renderer shows them. The page's Content-Security-Policy is a second fence behind
//! this one.

use std::fmt::{self, Write as _};

/// Text that is safe to place in HTML content or a double-quoted attribute value.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                '\t' | '\n' | '\r' => f.write_char(c)?,
                c if c.is_control() || is_bidi_control(c) => {
                    write!(f, "\\u{{{:x}}}", u32::from(c))?;
                }
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// Characters that reorder the text around them when displayed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Escapes `text` for HTML content or a double-quoted attribute.
pub fn escape(text: &str) -> Escaped<'_> {
    Escaped(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_neutralised() {
        let text = escape("<script>alert('x')</script> & \"y\"\u{0}").to_string();
        assert_eq!(
            text,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;\\u{0}"
        );
    }

    #[test]
    fn controls_and_bidi_overrides_become_visible_escapes() {
        let text = escape("\u{1b}[2J\u{202e}gnp.exe").to_string();
        assert_eq!(text, "\\u{1b}[2J\\u{202e}gnp.exe");
    }
}
