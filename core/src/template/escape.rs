//! HTML escaping for text and attribute values.

use std::borrow::Cow;

pub(super) fn replacement(b: u8) -> Option<&'static str> {
    match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    }
}

/// Escapes `& < > " '`, borrowing when there is nothing to escape.
///
/// The result is safe both as element text and inside a quoted attribute value.
///
/// ```
/// use liveview_core::template::escape_html;
/// assert_eq!(escape_html("a < b"), "a &lt; b");
/// assert!(matches!(escape_html("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn escape_html(text: &str) -> Cow<'_, str> {
    match text.bytes().position(|b| replacement(b).is_some()) {
        None => Cow::Borrowed(text),
        Some(first) => {
            let mut out = String::with_capacity(text.len() + 16);
            out.push_str(&text[..first]);
            escape_into(&text[first..], &mut out);
            Cow::Owned(out)
        }
    }
}

/// Appends `text`, escaped, to `out`.
pub fn escape_into(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(rep) = replacement(b) {
            out.push_str(&text[start..i]);
            out.push_str(rep);
            start = i + 1;
        }
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn keeps_unicode() {
        assert_eq!(escape_html("héllo → <ü>"), "héllo → &lt;ü&gt;");
    }
}
