//! A small HTML tokenizer that follows the template's text to know where each
//! hole stands: dynamics in `<script>`/`<style>` content, in a tag name
//! (`<{t}>`) and in attribute-name position (`<div {attrs}>`) are refused,
//! because escaping cannot make them safe there; a dynamic written as an
//! unquoted attribute value (`class={c}`) gets quotes.

use crate::lex::{location, quote_piece, Error, Piece, Tag, TagKind};

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Element content.
    Data,
    /// Inside a start or end tag, among attributes. `after_eq`: the last
    /// significant character was `=` (an attribute value comes next).
    /// `raw`: the tag is `<script` or `<style`, whose content is raw text.
    InTag {
        after_eq: bool,
        raw: Option<&'static str>,
    },
    /// Inside a quoted attribute value.
    Quoted {
        quote: char,
        raw: Option<&'static str>,
    },
    /// Inside an unquoted attribute value (`href=/a/b`).
    Unquoted { raw: Option<&'static str> },
    /// Right after a `<` that ends a literal piece: a tag name may follow.
    TagOpen,
    /// Inside `<!-- … -->`.
    Comment,
    /// Inside the content of `<script>` or `<style>`.
    RawText(&'static str),
}

struct Tracker {
    state: State,
}

impl Tracker {
    /// Advances over literal text.
    fn feed(&mut self, text: &str) {
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            self.state = match std::mem::replace(&mut self.state, State::Data) {
                State::Data => {
                    if b[i..].starts_with(b"<!--") {
                        i += 4;
                        self.state = State::Comment;
                        continue;
                    } else if c == b'<' && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic()) {
                        let name_end = b[i + 1..]
                            .iter()
                            .position(|n| !(n.is_ascii_alphanumeric() || *n == b'-'))
                            .map_or(b.len(), |p| i + 1 + p);
                        let name = &text[i + 1..name_end];
                        let raw = raw_name(name);
                        i = name_end;
                        self.state = State::InTag {
                            after_eq: false,
                            raw,
                        };
                        continue;
                    } else if c == b'<' && i + 1 == b.len() {
                        State::TagOpen
                    } else if c == b'<'
                        && matches!(b.get(i + 1), Some(b'/') | Some(b'!') | Some(b'?'))
                    {
                        State::InTag {
                            after_eq: false,
                            raw: None,
                        }
                    } else {
                        State::Data
                    }
                }
                // Unreachable in practice: any hole after a piece-ending `<` is refused.
                State::TagOpen => State::InTag {
                    after_eq: false,
                    raw: None,
                },
                State::InTag { after_eq, raw } => match c {
                    b'>' => raw.map_or(State::Data, State::RawText),
                    b'"' | b'\'' => State::Quoted {
                        quote: c as char,
                        raw,
                    },
                    b'=' => State::InTag {
                        after_eq: true,
                        raw,
                    },
                    c if c.is_ascii_whitespace() => State::InTag { after_eq, raw },
                    _ if after_eq => State::Unquoted { raw },
                    _ => State::InTag {
                        after_eq: false,
                        raw,
                    },
                },
                State::Unquoted { raw } => match c {
                    b'>' => raw.map_or(State::Data, State::RawText),
                    c if c.is_ascii_whitespace() => State::InTag {
                        after_eq: false,
                        raw,
                    },
                    _ => State::Unquoted { raw },
                },
                State::Quoted { quote, raw } => {
                    if c as char == quote {
                        State::InTag {
                            after_eq: false,
                            raw,
                        }
                    } else {
                        State::Quoted { quote, raw }
                    }
                }
                State::Comment => {
                    if b[i..].starts_with(b"-->") {
                        i += 3;
                        self.state = State::Data;
                        continue;
                    }
                    State::Comment
                }
                State::RawText(name) => {
                    let rest = &b[i..];
                    if rest.len() >= 2 + name.len()
                        && rest[0] == b'<'
                        && rest[1] == b'/'
                        && rest[2..2 + name.len()].eq_ignore_ascii_case(name.as_bytes())
                    {
                        i += 2 + name.len();
                        self.state = State::InTag {
                            after_eq: false,
                            raw: None,
                        };
                        continue;
                    }
                    State::RawText(name)
                }
            };
            i += 1;
        }
    }
}

fn raw_name(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("script") {
        Some("script")
    } else if name.eq_ignore_ascii_case("style") {
        Some("style")
    } else {
        None
    }
}

/// Checks where every hole stands; returns the pieces with quotes added around
/// dynamics used as unquoted attribute values.
pub(crate) fn check(src: &str, pieces: Vec<Piece>) -> Result<Vec<Piece>, Error> {
    let mut t = Tracker { state: State::Data };
    // The state at the opening of each enclosing block: every branch starts there.
    let mut stack: Vec<State> = Vec::new();
    let mut out = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match &piece {
            Piece::Text(text) => t.feed(text),
            Piece::Tag(tag) => {
                if tag.kind.opens_hole() {
                    if let State::RawText(name) = t.state {
                        return Err(Error(format!(
                            "`{}` at {} is inside <{name}>…</{name}>: dynamics in script and style \
                             content are refused for safety (escaping cannot make them safe there). \
                             Pass data through an attribute (e.g. `data-value=\"{{…}}\"` read by a hook) \
                             instead, and write `{{{{` / `}}}}` for literal braces in <{name}>",
                            quote_piece(&tag.source),
                            location(src, tag.pos),
                        )));
                    }
                    if t.state == State::TagOpen {
                        return Err(Error(format!(
                            "`{}` at {} is in a tag name: tag names must be literal (escaping \
                             cannot make a dynamic tag name safe)",
                            quote_piece(&tag.source),
                            location(src, tag.pos),
                        )));
                    }
                    if let (
                        State::InTag {
                            after_eq: false, ..
                        },
                        TagKind::Expr,
                    ) = (&t.state, &tag.kind)
                    {
                        return Err(Error(format!(
                            "`{}` at {} is in attribute-name position: a dynamic can only be \
                             element text or an attribute value (`name=\"{{…}}\"`); escaping cannot \
                             make attribute names safe. For an optional attribute write \
                             `{{#if cond}}name{{/if}}`",
                            quote_piece(&tag.source),
                            location(src, tag.pos),
                        )));
                    }
                    if let State::Unquoted { .. } = t.state {
                        return Err(Error(format!(
                            "`{}` at {} is inside an unquoted attribute value; put the value in \
                             quotes (`attr=\"…{}\"`): escaping only protects quoted values",
                            quote_piece(&tag.source),
                            location(src, tag.pos),
                            quote_piece(&tag.source),
                        )));
                    }
                    if let State::InTag { after_eq: true, .. } = t.state {
                        if tag.kind != TagKind::Expr {
                            return Err(Error(format!(
                                "`{}` at {} is an unquoted attribute value; put the block in quotes: \
                                 `attr=\"{}…\"`",
                                quote_piece(&tag.source),
                                location(src, tag.pos),
                                quote_piece(&tag.source),
                            )));
                        }
                        // `name={expr}` → one hole rendering the whole attribute
                        // (` name="…"`, ` name` or nothing), as HEEx does.
                        let Piece::Tag(tag) = piece else {
                            unreachable!("checked above: a tag")
                        };
                        let name = match out.last_mut() {
                            Some(Piece::Text(text)) => take_attribute_name(text),
                            _ => None,
                        };
                        let Some(name) = name else {
                            return Err(Error(format!(
                                "`{}` at {}: the attribute it is the value of has no literal name",
                                quote_piece(&tag.source),
                                location(src, tag.pos),
                            )));
                        };
                        out.push(Piece::Tag(Tag {
                            body: format!(
                                "::liveview_core::__private::attr({name:?}, &({}))",
                                tag.body
                            ),
                            ..tag
                        }));
                        t.state = State::InTag {
                            after_eq: false,
                            raw: t.raw(),
                        };
                        continue;
                    }
                }
                match tag.kind {
                    TagKind::If | TagKind::For | TagKind::Match => stack.push(t.state.clone()),
                    TagKind::ElseIf | TagKind::Else | TagKind::Case => {
                        if let Some(s) = stack.last() {
                            t.state = s.clone();
                        }
                    }
                    TagKind::EndIf | TagKind::EndFor | TagKind::EndMatch => {
                        stack.pop();
                    }
                    TagKind::Expr => {}
                }
            }
        }
        out.push(piece);
    }
    Ok(out)
}

/// Removes ` name=` (with any spaces around `=`) from the end of `text`
/// and returns `name`; `None` when `text` does not end that way.
fn take_attribute_name(text: &mut String) -> Option<String> {
    let before_eq = text.trim_end().strip_suffix('=')?.trim_end();
    let start = before_eq
        .rfind(|c: char| c.is_whitespace())
        .map(|i| i + before_eq[i..].chars().next().map_or(1, char::len_utf8))?;
    let name = &before_eq[start..];
    if name.is_empty() || name.contains(['"', '\'', '<', '>', '/', '=']) {
        return None;
    }
    let name = name.to_owned();
    // Drop the name and the whitespace before it: the hole writes ` name…`.
    let keep = before_eq[..start].trim_end().len();
    text.truncate(keep);
    Some(name)
}

impl Tracker {
    fn raw(&self) -> Option<&'static str> {
        match self.state {
            State::InTag { raw, .. } | State::Quoted { raw, .. } | State::Unquoted { raw } => raw,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex;

    fn run(src: &str) -> Result<Vec<Piece>, Error> {
        check(src, lex(src)?)
    }

    fn text_of(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Tag(t) => t.source.clone(),
            })
            .collect()
    }

    #[test]
    fn refuses_dynamics_in_script_and_style() {
        for src in [
            "<script>var x = {x};</script>",
            "<SCRIPT type=\"module\">{x}</SCRIPT>",
            "<style>{x}</style>",
            "<Style media=\"all\">a {{ color: {c} }}</Style>",
            "<script>{#if a}1{/if}</script>",
            "<script>{#for a in b}1{/for}</script>",
        ] {
            let e = run(src).unwrap_err().0;
            assert!(e.contains("refused for safety"), "{src}: {e}");
        }
    }

    #[test]
    fn allows_dynamics_around_script_and_in_its_attributes() {
        assert!(run("<script nonce=\"{n}\">var a = 1;</script><p>{x}</p>").is_ok());
        assert!(run("<style>p {{ color: red }}</style>{x}").is_ok());
        assert!(run("<scripts>{x}</scripts>").is_ok());
        assert!(run("<p>{x}</p><script></script >{y}").is_ok());
        assert!(run("<!-- <script> -->{x}").is_ok());
        assert!(run("<div title=\"<script>\">{x}</div>").is_ok());
        assert!(run("é<p>ü{x}</p>→<!-- ü -->{y}").is_ok());
        assert!(run("<p>ü</p><script>é{x}</script>").is_err());
    }

    #[test]
    fn unquoted_attribute_holes_take_the_attribute_name() {
        let body = |src: &str| {
            run(src)
                .unwrap()
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Tag(t) => Some(t.body),
                    Piece::Text(_) => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            text_of(&run("<input value={v} disabled>").unwrap()),
            "<input{v} disabled>"
        );
        assert_eq!(
            body("<input value={v} disabled>"),
            [r#"::liveview_core::__private::attr("value", &(v))"#]
        );
        assert_eq!(
            text_of(&run("<a href = {u}>{t}</a>").unwrap()),
            "<a{u}>{t}</a>"
        );
        assert_eq!(
            text_of(&run("<a href=\"{u}\" x='{y}'>a={t}</a>").unwrap()),
            "<a href=\"{u}\" x='{y}'>a={t}</a>"
        );
        assert_eq!(
            text_of(&run("<a href=/x\n  data-id={i}>").unwrap()),
            "<a href=/x{i}>"
        );
        assert_eq!(
            body("<a href=/x\n  data-id={i}>"),
            [r#"::liveview_core::__private::attr("data-id", &(i))"#]
        );
        let e = run("<a href=/t/{id}>").unwrap_err().0;
        assert!(e.contains("inside an unquoted attribute value"), "{e}");
        let e = run("<a class={#if a}x{/if}>").unwrap_err().0;
        assert!(e.contains("unquoted attribute value"), "{e}");
    }

    #[test]
    fn refuses_dynamics_in_tag_names_and_attribute_names() {
        for src in [
            "<{t}>x</div>",
            "<p>a</p><{t} id=\"x\">",
            "<{#if a}{t}{/if}>",
        ] {
            let e = run(src).unwrap_err().0;
            assert!(e.contains("in a tag name"), "{src}: {e}");
        }
        for src in [
            "<div {attrs}>x</div>",
            "<div class=\"a\" {attrs}>",
            "<div class=\"a\"{attrs}>",
            "<input value={v} {attrs}>",
            "<div data-{name}=\"1\">",
            "<div {name}=\"1\">",
            "</div {x}>",
            "</{t}>",
            "<div {#if a}{attrs}{/if}>",
            "<script {attrs}></script>",
        ] {
            let e = run(src).unwrap_err().0;
            assert!(e.contains("attribute-name position"), "{src}: {e}");
        }
    }

    #[test]
    fn allows_blocks_of_literal_attributes_and_tag_names() {
        assert!(run("<input {#if c}checked{/if} value=\"{v}\">").is_ok());
        assert!(run("<option {#if s}selected{:else}data-x=\"{y}\"{/if}>").is_ok());
        // Tag names are literal, even through a block.
        assert!(run("<{#if a}b{:else}i{/if}>{x}</p>").is_err());
        assert!(run("a < {x} and {y} > b").is_ok());
        assert!(
            run("a <{#if a}script{/if}>{x}").is_err(),
            "a script opened in a branch"
        );
    }

    #[test]
    fn branches_start_from_the_state_at_the_block() {
        // The first branch opens a script tag; the else branch does not inherit it.
        assert!(run("{#if a}<script>{:else}{x}{/if}").is_ok());
        assert!(run("{#match a}{:case 1}<style>{:case _}{x}{/match}").is_ok());
    }
}
