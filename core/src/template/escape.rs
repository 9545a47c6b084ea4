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

    const NASTY: &str = r#"<script>alert("x")</script> & 'q' "#;
    const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; ";

    #[test]
    fn dynamics_are_escaped_in_text_and_every_kind_of_attribute_value() {
        let s = NASTY;
        let owned = NASTY.to_owned();
        let r = crate::html!(
            r#"<p title="{s}" data-a='{owned}' id={s}>{s}|{owned}|{'<'}|{Some("&")}</p>"#
        );
        assert_eq!(
            r.to_html(),
            format!(
                "<p title=\"{ESCAPED}\" data-a='{ESCAPED}' id=\"{ESCAPED}\">{ESCAPED}|{ESCAPED}|&lt;|&amp;</p>"
            )
        );
        // In the JSON the client gets (join render and diffs) as well.
        let json = crate::diff::full(&r, &Default::default());
        assert!(json.contains(ESCAPED), "{json}");
        assert!(!json.contains("<script>"), "{json}");
    }

    #[test]
    fn escaped_values_cannot_leave_their_attribute_or_open_a_tag() {
        for payload in [
            "\"",
            "'",
            "\" onmouseover=\"x",
            "' onmouseover='x",
            "><img src=x>",
            "&quot;",
        ] {
            let r = crate::html!(r#"<a href="{payload}" x='{payload}'>{payload}</a>"#);
            let out = r.to_html();
            // Exactly the template's own quotes and angle brackets remain.
            assert_eq!(out.matches('"').count(), 2, "{out}");
            assert_eq!(out.matches('\'').count(), 2, "{out}");
            assert_eq!(out.matches('<').count(), 2, "{out}");
            assert_eq!(out.matches('>').count(), 2, "{out}");
        }
    }

    #[test]
    fn raw_is_the_way_around_escaping() {
        use crate::template::Raw;
        let trusted = "<b>bold</b>";
        let r = crate::html!("<p>{Raw(trusted)}{trusted}</p>");
        assert_eq!(r.to_html(), "<p><b>bold</b>&lt;b&gt;bold&lt;/b&gt;</p>");
    }

    #[test]
    fn keeps_unicode() {
        assert_eq!(escape_html("héllo → <ü>"), "héllo → &lt;ü&gt;");
    }
}
