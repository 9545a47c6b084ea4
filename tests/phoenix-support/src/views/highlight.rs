//! A small syntax highlighter for Elixir with HEEx sigils, emitting the
//! token classes of the Makeup highlighter the suite's colocated view uses
//! (`nt` for tag names, `na` for module and tag attributes, `kd`, `k`,
//! `nc`, `ss`, `s`, `c1`, `mi`, `o`, `p`), as `<span>`s of escaped text.

use liveview_core::template::escape_into;

/// Appends `text` wrapped in a span of class `class`.
fn span(out: &mut String, class: &str, text: &str) {
    out.push_str("<span class=\"");
    out.push_str(class);
    out.push_str("\">");
    escape_into(text, out);
    out.push_str("</span>");
}

const DECLARATIONS: &[&str] = &["defmodule", "def", "defp", "defmacro", "defstruct"];
const KEYWORDS: &[&str] = &[
    "do", "end", "fn", "case", "cond", "if", "else", "when", "with", "use", "alias", "import",
    "require", "raise", "for", "in", "and", "or", "not", "nil", "true", "false",
];

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The length in bytes of the identifier at the start of `s` (with a
/// trailing `?` or `!`).
fn ident_len(s: &str) -> usize {
    let mut n = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
    if s[n..].starts_with(['?', '!']) {
        n += 1;
    }
    n
}

/// The length of a string literal at the start of `s` (`"…"` or a `"""`
/// heredoc), escapes followed.
fn string_len(s: &str) -> usize {
    let (open, close) = if s.starts_with("\"\"\"") {
        (3, "\"\"\"")
    } else {
        (1, "\"")
    };
    let mut i = open;
    while i < s.len() {
        if s[i..].starts_with('\\') {
            i += 2;
            continue;
        }
        if s[i..].starts_with(close) {
            return i + close.len();
        }
        i += s[i..].chars().next().map_or(1, char::len_utf8);
    }
    s.len()
}

/// Elixir source as highlighted HTML.
pub fn elixir(code: &str) -> String {
    let mut out = String::with_capacity(code.len() * 3);
    elixir_into(code, &mut out);
    out
}

fn elixir_into(code: &str, out: &mut String) {
    let mut rest = code;
    let mut prev_ident = false;
    while let Some(c) = rest.chars().next() {
        let taken = if c.is_whitespace() {
            let n = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            escape_into(&rest[..n], out);
            n
        } else if c == '#' {
            let n = rest.find('\n').unwrap_or(rest.len());
            span(out, "c1", &rest[..n]);
            n
        } else if let Some(body) = rest.strip_prefix("~H\"\"\"") {
            // A HEEx sigil: its content is HEEx.
            let end = body.find("\"\"\"").unwrap_or(body.len());
            span(out, "sx", "~H\"\"\"");
            heex_into(&body[..end], out);
            if end < body.len() {
                span(out, "sx", "\"\"\"");
                5 + end + 3
            } else {
                5 + end
            }
        } else if c == '"' {
            let n = string_len(rest);
            span(out, "s", &rest[..n]);
            n
        } else if c == '@' && rest[1..].starts_with(|c: char| c.is_alphabetic() || c == '_') {
            let n = 1 + ident_len(&rest[1..]);
            span(out, "na", &rest[..n]);
            n
        } else if c == ':'
            && !prev_ident
            && rest[1..].starts_with(|c: char| c.is_alphabetic() || c == '_')
        {
            let n = 1 + ident_len(&rest[1..]);
            span(out, "ss", &rest[..n]);
            n
        } else if c.is_ascii_digit() {
            let n = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '_'))
                .unwrap_or(rest.len());
            span(out, "mi", &rest[..n]);
            n
        } else if c.is_alphabetic() || c == '_' {
            let n = ident_len(rest);
            let word = &rest[..n];
            // `name:` in a keyword list is an atom.
            let class = if rest[n..].starts_with(": ") {
                "ss"
            } else if DECLARATIONS.contains(&word) {
                "kd"
            } else if KEYWORDS.contains(&word) {
                "k"
            } else if c.is_uppercase() {
                "nc"
            } else {
                "n"
            };
            let n = if class == "ss" { n + 1 } else { n };
            span(out, class, &rest[..n]);
            n
        } else if "()[]{},.%".contains(c) {
            span(out, "p", &rest[..1]);
            1
        } else {
            let n = c.len_utf8();
            span(out, "o", &rest[..n]);
            n
        };
        prev_ident = c.is_alphanumeric() || c == '_' || c == ')' || c == ']';
        rest = &rest[taken..];
    }
}

/// HEEx markup as highlighted HTML: tags and attributes, strings, and
/// `{…}` expressions as Elixir.
fn heex_into(code: &str, out: &mut String) {
    let mut rest = code;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let slash = after.starts_with('/');
            let name_start = if slash { 2 } else { 1 };
            span(out, "p", &rest[..name_start]);
            let name_len = rest[name_start..]
                .find(|c: char| !(is_ident(c) || c == '-' || c == '.' || c == ':'))
                .unwrap_or(rest.len() - name_start);
            span(out, "nt", &rest[name_start..name_start + name_len]);
            rest = &rest[name_start + name_len..];
            // Attributes up to the end of the tag.
            while let Some(c) = rest.chars().next() {
                if c == '>' {
                    span(out, "p", ">");
                    rest = &rest[1..];
                    break;
                } else if rest.starts_with("/>") {
                    span(out, "p", "/>");
                    rest = &rest[2..];
                    break;
                } else if c.is_whitespace() {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                } else if c == '=' {
                    span(out, "o", "=");
                    rest = &rest[1..];
                } else if c == '"' {
                    let n = string_len(rest);
                    span(out, "s", &rest[..n]);
                    rest = &rest[n..];
                } else if c == '{' {
                    rest = expression(rest, out);
                } else {
                    let n = rest
                        .find(|c: char| c.is_whitespace() || "=>/{\"".contains(c))
                        .unwrap_or(rest.len())
                        .max(1);
                    span(out, "na", &rest[..n]);
                    rest = &rest[n..];
                }
            }
        } else if rest.starts_with('{') {
            rest = expression(rest, out);
        } else {
            let n = rest.find(['<', '{']).unwrap_or(rest.len());
            escape_into(&rest[..n], out);
            rest = &rest[n..];
        }
    }
}

/// Highlights the `{…}` expression at the start of `rest`; what follows it.
fn expression<'a>(rest: &'a str, out: &mut String) -> &'a str {
    let mut depth = 0usize;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    span(out, "p", "{");
    elixir_into(&rest[1..end], out);
    if end < rest.len() {
        span(out, "p", "}");
        &rest[end + 1..]
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_elixir_and_heex_tokens() {
        let html = elixir("def f(x), do: @a # hi");
        assert!(
            html.starts_with(r#"<span class="kd">def</span> <span class="n">f</span>"#),
            "{html}"
        );
        assert!(html.contains(r#"<span class="ss">do:</span>"#), "{html}");
        assert!(html.contains(r#"<span class="na">@a</span>"#), "{html}");
        assert!(html.contains(r##"<span class="c1"># hi</span>"##), "{html}");
        let html = elixir("~H\"\"\"\n<b class=\"x\">{@t}</b>\n\"\"\"");
        assert!(html.contains(r#"<span class="p">&lt;</span><span class="nt">b</span> <span class="na">class</span><span class="o">=</span><span class="s">&quot;x&quot;</span>"#), "{html}");
        assert!(
            html.contains(
                r#"<span class="p">{</span><span class="na">@t</span><span class="p">}</span>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="p">&lt;/</span><span class="nt">b</span>"#),
            "{html}"
        );
        // Text is escaped.
        assert_eq!(
            elixir("\"<\""),
            r#"<span class="s">&quot;&lt;&quot;</span>"#
        );
    }
}
