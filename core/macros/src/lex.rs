//! Splitting the template text into literal text and `{…}` tags.

use std::fmt;

/// A compile error found in the template text, reported at the literal's span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a `{…}` tag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagKind {
    /// `{expr}`
    Expr,
    /// `{#if cond}`
    If,
    /// `{:else if cond}`
    ElseIf,
    /// `{:else}`
    Else,
    /// `{/if}`
    EndIf,
    /// `{#for pat in iter}`
    For,
    /// `{/for}`
    EndFor,
    /// `{#match expr}`
    Match,
    /// `{:case pat}`
    Case,
    /// `{/match}`
    EndMatch,
}

impl TagKind {
    /// Whether this tag fills a hole of the template it stands in.
    pub(crate) fn opens_hole(self) -> bool {
        matches!(
            self,
            TagKind::Expr | TagKind::If | TagKind::For | TagKind::Match
        )
    }
}

/// One `{…}` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    pub kind: TagKind,
    /// The Rust source after the keyword (`cond`, `pat in iter`, the expression…), trimmed.
    pub body: String,
    /// Byte offset of the opening `{` in the template.
    pub pos: usize,
    /// The tag as written, `{…}`.
    pub source: String,
}

/// A piece of the template, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal HTML (with `{{`/`}}` already unescaped).
    Text(String),
    /// A `{…}` tag.
    Tag(Tag),
}

/// Where `pos` is in `src`, as "line L, column C" (1-based, columns in characters).
pub(crate) fn location(src: &str, pos: usize) -> String {
    let before = &src[..pos.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {col}")
}

/// Shortens a piece of source for an error message.
pub(crate) fn quote_piece(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Splits `src` into text and tags.
pub(crate) fn lex(src: &str) -> Result<Vec<Piece>, Error> {
    let bytes = src.as_bytes();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let mut run = 0; // start of the current run of plain text
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                text.push_str(&src[run..i]);
                text.push('{');
                i += 2;
                run = i;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                text.push_str(&src[run..i]);
                text.push('}');
                i += 2;
                run = i;
            }
            b'}' => {
                return Err(Error(format!(
                    "unmatched `}}` at {} of the template; write `}}}}` for a literal brace",
                    location(src, i)
                )));
            }
            b'{' => {
                text.push_str(&src[run..i]);
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                let end = match find_close(src, i + 1) {
                    Some(end) => end,
                    None => {
                        return Err(Error(format!(
                            "unclosed `{{` at {}: `{}` has no matching `}}` (write `{{{{` for a literal brace)",
                            location(src, i),
                            quote_piece(&src[i..])
                        )))
                    }
                };
                let source = &src[i..=end];
                pieces.push(Piece::Tag(classify(&src[i + 1..end], source, i, src)?));
                i = end + 1;
                run = i;
            }
            _ => i += 1,
        }
    }
    text.push_str(&src[run..]);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Strips `word` from the start of `s` if it is followed by the end or whitespace.
fn keyword<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(word)?;
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        Some(rest.trim())
    } else {
        None
    }
}

fn classify(inner: &str, source: &str, pos: usize, src: &str) -> Result<Tag, Error> {
    let trimmed = inner.trim();
    let tag = |kind, body: &str| Tag {
        kind,
        body: body.to_owned(),
        pos,
        source: source.to_owned(),
    };
    let bad = |what: &str| {
        Err(Error(format!(
            "{what} `{}` at {}",
            quote_piece(source),
            location(src, pos)
        )))
    };
    let need_body = |kind, body: &str, what: &str| {
        if body.is_empty() {
            Err(Error(format!(
                "`{}` at {} needs {what}",
                quote_piece(source),
                location(src, pos)
            )))
        } else {
            Ok(tag(kind, body))
        }
    };
    let no_body = |kind, body: &str| {
        if body.is_empty() {
            Ok(tag(kind, ""))
        } else {
            bad("unexpected text after the keyword in")
        }
    };
    if let Some(rest) = trimmed.strip_prefix('#') {
        if let Some(b) = keyword(rest, "if") {
            return need_body(
                TagKind::If,
                b,
                "a condition: `{#if cond}` or `{#if let Pat = expr}`",
            );
        }
        if let Some(b) = keyword(rest, "for") {
            return need_body(TagKind::For, b, "a loop head: `{#for pat in iter}`");
        }
        if let Some(b) = keyword(rest, "match") {
            return need_body(TagKind::Match, b, "an expression: `{#match expr}`");
        }
        return bad("unknown block (expected `{#if …}`, `{#for …}` or `{#match …}`):");
    }
    if let Some(rest) = trimmed.strip_prefix('/') {
        return match rest.trim() {
            "if" => Ok(tag(TagKind::EndIf, "")),
            "for" => Ok(tag(TagKind::EndFor, "")),
            "match" => Ok(tag(TagKind::EndMatch, "")),
            _ => bad("unknown closing tag (expected `{/if}`, `{/for}` or `{/match}`):"),
        };
    }
    if trimmed.starts_with(':') && !trimmed.starts_with("::") {
        let rest = &trimmed[1..];
        if let Some(b) = keyword(rest, "else") {
            if b.is_empty() {
                return no_body(TagKind::Else, b);
            }
            if let Some(cond) = keyword(b, "if") {
                return need_body(TagKind::ElseIf, cond, "a condition: `{:else if cond}`");
            }
            return bad("expected `{:else}` or `{:else if cond}`, found");
        }
        if let Some(b) = keyword(rest, "case") {
            return need_body(
                TagKind::Case,
                b,
                "a pattern: `{:case Pat}` or `{:case Pat if guard}`",
            );
        }
        return bad("unknown branch (expected `{:else}`, `{:else if …}` or `{:case …}`):");
    }
    if trimmed.is_empty() {
        return bad("empty expression");
    }
    Ok(tag(TagKind::Expr, trimmed))
}

/// Finds the `}` closing a tag whose body starts at `start`, skipping nested
/// braces and Rust string/char literals. Returns its byte index.
fn find_close(src: &str, start: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            b'"' => i = skip_string(b, i + 1)?,
            b'r' if !prev_is_ident(b, i) => {
                if let Some(end) = skip_raw_string(b, i + 1) {
                    i = end;
                }
            }
            b'\'' => {
                if let Some(end) = skip_char(src, i + 1) {
                    i = end;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn prev_is_ident(b: &[u8], i: usize) -> bool {
    // `br"…"` is a raw byte string: treat the `b` as not an identifier character.
    let mut j = i;
    if j > 0 && b[j - 1] == b'b' {
        j -= 1;
    }
    j > 0 && (b[j - 1].is_ascii_alphanumeric() || b[j - 1] == b'_' || b[j - 1] >= 0x80)
}

/// Skips a normal string body starting after its `"`; returns the index of the closing `"`.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// If `r` at `i - 1` starts a raw string (`r"…"`, `r#"…"#`), returns the index of its last character.
fn skip_raw_string(b: &[u8], mut i: usize) -> Option<usize> {
    let mut hashes = 0;
    while b.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    if b.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    while i < b.len() {
        if b[i] == b'"'
            && b.len() >= i + 1 + hashes
            && b[i + 1..i + 1 + hashes].iter().all(|&c| c == b'#')
        {
            return Some(i + hashes);
        }
        i += 1;
    }
    None
}

/// If `'` at `i - 1` starts a char literal, returns the index of its closing `'`;
/// `None` for a lifetime or label.
fn skip_char(src: &str, i: usize) -> Option<usize> {
    let rest = src.get(i..)?;
    let mut chars = rest.char_indices();
    match chars.next()? {
        (_, '\\') => {
            // An escape (`'\''`, `'\n'`, `'\u{7d}'`): skip the escaped character, then find the `'`.
            rest.get(2..)?.find('\'').map(|p| i + 2 + p)
        }
        (_, c) => {
            let after = c.len_utf8();
            (rest[after..].starts_with('\'')).then_some(i + after)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(src: &str) -> Vec<(TagKind, String)> {
        lex(src)
            .unwrap()
            .into_iter()
            .filter_map(|p| match p {
                Piece::Tag(t) => Some((t.kind, t.body)),
                Piece::Text(_) => None,
            })
            .collect()
    }

    fn texts(src: &str) -> Vec<String> {
        lex(src)
            .unwrap()
            .into_iter()
            .filter_map(|p| match p {
                Piece::Text(t) => Some(t),
                Piece::Tag(_) => None,
            })
            .collect()
    }

    #[test]
    fn splits_text_and_expressions() {
        let pieces = lex("<p>{a} and { b.c }</p>").unwrap();
        assert_eq!(pieces.len(), 5);
        assert_eq!(pieces[0], Piece::Text("<p>".into()));
        assert_eq!(
            tags("<p>{a} and { b.c }</p>"),
            vec![(TagKind::Expr, "a".into()), (TagKind::Expr, "b.c".into())]
        );
        assert_eq!(
            texts("<p>{a} and { b.c }</p>"),
            vec!["<p>", " and ", "</p>"]
        );
    }

    #[test]
    fn double_braces_are_literal() {
        assert_eq!(texts("a {{ b }} c"), vec!["a { b } c"]);
        assert_eq!(texts("{{{x}}}"), vec!["{", "}"]);
        assert_eq!(tags("{{{x}}}"), vec![(TagKind::Expr, "x".into())]);
    }

    #[test]
    fn nested_braces_and_literals_in_expressions() {
        assert_eq!(
            tags(r#"{ f(|x| { x + 1 }) }"#),
            vec![(TagKind::Expr, "f(|x| { x + 1 })".into())]
        );
        assert_eq!(
            tags(r#"{ "}".len() }"#),
            vec![(TagKind::Expr, r#""}".len()"#.into())]
        );
        assert_eq!(
            tags(r#"{ s.replace('}', "\"{") }"#),
            vec![(TagKind::Expr, r#"s.replace('}', "\"{")"#.into())]
        );
        assert_eq!(
            tags(r##"{ r#"}"#.len() }"##),
            vec![(TagKind::Expr, r##"r#"}"#.len()"##.into())]
        );
        assert_eq!(
            tags(r#"{ '\u{7d}' }"#),
            vec![(TagKind::Expr, r#"'\u{7d}'"#.into())]
        );
        assert_eq!(
            tags("{ x::<'a>() }"),
            vec![(TagKind::Expr, "x::<'a>()".into())]
        );
        assert_eq!(tags("{ 'é' }"), vec![(TagKind::Expr, "'é'".into())]);
        assert_eq!(
            tags(r"{ f('\'', '}') }"),
            vec![(TagKind::Expr, r"f('\'', '}')".into())]
        );
        assert_eq!(
            tags("{::std::f()}"),
            vec![(TagKind::Expr, "::std::f()".into())]
        );
    }

    #[test]
    fn control_flow_tags() {
        assert_eq!(
            tags("{#if a}{:else if b}{:else}{/if}{#for x in y; key = x}{/for}{#match m}{:case _ if g}{/match}"),
            vec![
                (TagKind::If, "a".into()),
                (TagKind::ElseIf, "b".into()),
                (TagKind::Else, "".into()),
                (TagKind::EndIf, "".into()),
                (TagKind::For, "x in y; key = x".into()),
                (TagKind::EndFor, "".into()),
                (TagKind::Match, "m".into()),
                (TagKind::Case, "_ if g".into()),
                (TagKind::EndMatch, "".into()),
            ]
        );
        assert_eq!(
            tags("{ #if  let Some(x) = y }"),
            vec![(TagKind::If, "let Some(x) = y".into())]
        );
    }

    #[test]
    fn errors_name_the_bad_piece() {
        let e = lex("<p>\n  {a.b(</p>").unwrap_err().0;
        assert!(
            e.contains("unclosed `{`") && e.contains("line 2, column 3") && e.contains("{a.b(</p>"),
            "{e}"
        );
        let e = lex("a } b").unwrap_err().0;
        assert!(e.contains("unmatched `}`") && e.contains("column 3"), "{e}");
        let e = lex("{}").unwrap_err().0;
        assert!(e.contains("empty expression"), "{e}");
        let e = lex("{#while x}").unwrap_err().0;
        assert!(
            e.contains("unknown block") && e.contains("{#while x}"),
            "{e}"
        );
        let e = lex("{/iff}").unwrap_err().0;
        assert!(e.contains("unknown closing tag"), "{e}");
        let e = lex("{#if}").unwrap_err().0;
        assert!(e.contains("needs a condition"), "{e}");
        let e = lex("{:else x}").unwrap_err().0;
        assert!(e.contains("expected `{:else}`"), "{e}");
        let e = lex("{:otherwise}").unwrap_err().0;
        assert!(e.contains("unknown branch"), "{e}");
        let e = lex("{/if x}").unwrap_err().0;
        assert!(e.contains("unknown closing tag"), "{e}");
    }

    #[test]
    fn location_counts_lines_and_chars() {
        assert_eq!(location("ab\ncé{", 6), "line 2, column 3");
        assert_eq!(location("{", 0), "line 1, column 1");
    }
}
