//! The template tree: statics and holes, with the Rust pieces parsed by syn.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Pat, Token};

use crate::lex::{location, quote_piece, Error, Piece, Tag, TagKind};

/// One template: `parts.len() == holes.len() + 1`.
pub(crate) struct Template {
    pub parts: Vec<String>,
    pub holes: Vec<Hole>,
}

/// One hole of a template.
// Built once per hole at compile time: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Hole {
    /// `{expr}`
    Expr(Expr),
    /// `{#if c}…{:else if c2}…{:else}…{/if}`; `otherwise` is the `{:else}` branch.
    If {
        branches: Vec<(Expr, Template)>,
        otherwise: Option<Template>,
    },
    /// `{#for pat in iter; key = k}…{/for}`
    For {
        pat: Pat,
        iter: Expr,
        key: Option<Expr>,
        body: Template,
    },
    /// `{#match e}{:case P if g}…{/match}`
    Match { scrutinee: Expr, arms: Vec<Arm> },
}

/// One `{:case}` of a match.
pub(crate) struct Arm {
    pub pat: Pat,
    pub guard: Option<Expr>,
    pub body: Template,
}

impl Template {
    /// The empty template (statics `[""]`): what a missing `{:else}` renders.
    pub(crate) fn empty() -> Template {
        Template {
            parts: vec![String::new()],
            holes: Vec::new(),
        }
    }

    fn push_text(&mut self, text: &str) {
        self.parts
            .last_mut()
            .expect("a template always has a part")
            .push_str(text);
    }

    fn push_hole(&mut self, hole: Hole) {
        self.holes.push(hole);
        self.parts.push(String::new());
    }
}

/// Builds the tree from lexed pieces. `span` is given to every parsed Rust token.
pub(crate) fn build(src: &str, pieces: Vec<Piece>, span: Span) -> Result<Template, Error> {
    let mut b = Builder {
        src,
        pieces: pieces.into_iter().peekable(),
        span,
    };
    let (t, end) = b.template()?;
    match end {
        None => Ok(t),
        Some(tag) => Err(b.stray(&tag, None)),
    }
}

struct Builder<'a> {
    src: &'a str,
    pieces: std::iter::Peekable<std::vec::IntoIter<Piece>>,
    span: Span,
}

fn closer(kind: TagKind) -> &'static str {
    match kind {
        TagKind::If => "{/if}",
        TagKind::For => "{/for}",
        _ => "{/match}",
    }
}

impl Builder<'_> {
    /// Reads a template up to (not including) a branch or closing tag, which is returned.
    fn template(&mut self) -> Result<(Template, Option<Tag>), Error> {
        let mut t = Template::empty();
        while let Some(piece) = self.pieces.next() {
            let tag = match piece {
                Piece::Text(s) => {
                    t.push_text(&s);
                    continue;
                }
                Piece::Tag(tag) => tag,
            };
            let hole = match tag.kind {
                TagKind::Expr => Hole::Expr(self.expr(&tag, &tag.body)?),
                TagKind::If => self.if_block(tag)?,
                TagKind::For => self.for_block(tag)?,
                TagKind::Match => self.match_block(tag)?,
                _ => return Ok((t, Some(tag))),
            };
            t.push_hole(hole);
        }
        Ok((t, None))
    }

    fn at(&self, tag: &Tag) -> String {
        format!(
            "`{}` at {}",
            quote_piece(&tag.source),
            location(self.src, tag.pos)
        )
    }

    /// The error for a branch/closing tag that does not belong where it stands.
    fn stray(&self, tag: &Tag, open: Option<&Tag>) -> Error {
        let inside = match open {
            Some(o) => format!(
                " (the innermost open block is {}, closed by `{}`)",
                self.at(o),
                closer(o.kind)
            ),
            None => " (no block is open)".to_owned(),
        };
        let what = match tag.kind {
            TagKind::Else | TagKind::ElseIf => "is not inside an `{#if}`",
            TagKind::Case => "is not directly inside a `{#match}`",
            TagKind::EndIf => "closes no `{#if}`",
            TagKind::EndFor => "closes no `{#for}`",
            _ => "closes no `{#match}`",
        };
        Error(format!("{} {what}{inside}", self.at(tag)))
    }

    fn unclosed(&self, open: &Tag) -> Error {
        Error(format!(
            "unclosed {}: add a matching `{}`",
            self.at(open),
            closer(open.kind)
        ))
    }

    fn if_block(&mut self, open: Tag) -> Result<Hole, Error> {
        let mut branches = Vec::new();
        let mut cond = self.expr(&open, &open.body)?;
        loop {
            let (body, end) = self.template()?;
            let end = end.ok_or_else(|| self.unclosed(&open))?;
            match end.kind {
                TagKind::ElseIf => {
                    branches.push((cond, body));
                    cond = self.expr(&end, &end.body)?;
                }
                TagKind::Else => {
                    branches.push((cond, body));
                    let (otherwise, end2) = self.template()?;
                    let end2 = end2.ok_or_else(|| self.unclosed(&open))?;
                    return match end2.kind {
                        TagKind::EndIf => Ok(Hole::If { branches, otherwise: Some(otherwise) }),
                        TagKind::Else | TagKind::ElseIf => Err(Error(format!(
                            "{} comes after the `{{:else}}` of {}; `{{:else}}` must be the last branch",
                            self.at(&end2),
                            self.at(&open)
                        ))),
                        _ => Err(self.stray(&end2, Some(&open))),
                    };
                }
                TagKind::EndIf => {
                    branches.push((cond, body));
                    return Ok(Hole::If {
                        branches,
                        otherwise: None,
                    });
                }
                _ => return Err(self.stray(&end, Some(&open))),
            }
        }
    }

    fn for_block(&mut self, open: Tag) -> Result<Hole, Error> {
        let tokens = self.tokens(&open, &open.body)?;
        let parser = |input: ParseStream| {
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![in]>()?;
            let iter: Expr = input.parse()?;
            let key = if input.parse::<Option<Token![;]>>()?.is_some() {
                let kw: syn::Ident = input.parse()?;
                if kw != "key" {
                    return Err(syn::Error::new(
                        kw.span(),
                        "expected `key = expr` after `;`",
                    ));
                }
                input.parse::<Token![=]>()?;
                Some(input.parse::<Expr>()?)
            } else {
                None
            };
            Ok((pat, iter, key))
        };
        let (pat, iter, key) = parser.parse2(tokens).map_err(|e| {
            Error(format!(
                "cannot parse {} as `{{#for pat in iter}}` or `{{#for pat in iter; key = expr}}`: {e}",
                self.at(&open)
            ))
        })?;
        let (body, end) = self.template()?;
        let end = end.ok_or_else(|| self.unclosed(&open))?;
        if end.kind != TagKind::EndFor {
            return Err(self.stray(&end, Some(&open)));
        }
        Ok(Hole::For {
            pat,
            iter,
            key,
            body,
        })
    }

    fn match_block(&mut self, open: Tag) -> Result<Hole, Error> {
        let scrutinee = self.expr(&open, &open.body)?;
        // Only whitespace may stand between `{#match}` and its first `{:case}`.
        let mut next = loop {
            match self.pieces.next() {
                Some(Piece::Text(s)) if s.trim().is_empty() => continue,
                Some(Piece::Text(s)) => {
                    return Err(Error(format!(
                        "text `{}` after {} comes before any `{{:case}}`; only whitespace may stand there",
                        quote_piece(s.trim()),
                        self.at(&open)
                    )))
                }
                Some(Piece::Tag(t)) if t.kind == TagKind::Case => break t,
                Some(Piece::Tag(t)) if t.kind == TagKind::EndMatch => {
                    return Err(Error(format!("{} has no `{{:case}}`", self.at(&open))))
                }
                Some(Piece::Tag(t)) => {
                    return Err(Error(format!(
                        "{} after {} comes before any `{{:case}}`",
                        self.at(&t),
                        self.at(&open)
                    )))
                }
                None => return Err(self.unclosed(&open)),
            }
        };
        let mut arms = Vec::new();
        loop {
            let tokens = self.tokens(&next, &next.body)?;
            let parser = |input: ParseStream| {
                let pat = Pat::parse_multi_with_leading_vert(input)?;
                let guard = if input.parse::<Option<Token![if]>>()?.is_some() {
                    Some(input.parse::<Expr>()?)
                } else {
                    None
                };
                Ok((pat, guard))
            };
            let (pat, guard) = parser.parse2(tokens).map_err(|e| {
                Error(format!(
                    "cannot parse {} as `{{:case Pat}}` or `{{:case Pat if guard}}`: {e}",
                    self.at(&next)
                ))
            })?;
            let (body, end) = self.template()?;
            arms.push(Arm { pat, guard, body });
            let end = end.ok_or_else(|| self.unclosed(&open))?;
            match end.kind {
                TagKind::Case => next = end,
                TagKind::EndMatch => return Ok(Hole::Match { scrutinee, arms }),
                _ => return Err(self.stray(&end, Some(&open))),
            }
        }
    }

    /// Lexes Rust source into tokens carrying the literal's span.
    fn tokens(&self, tag: &Tag, code: &str) -> Result<TokenStream, Error> {
        let ts: TokenStream = code
            .parse()
            .map_err(|e| Error(format!("cannot read {} as Rust tokens: {e}", self.at(tag))))?;
        Ok(respan(ts, self.span))
    }

    fn expr(&self, tag: &Tag, code: &str) -> Result<Expr, Error> {
        let ts = self.tokens(tag, code)?;
        syn::parse2::<Expr>(ts).map_err(|e| {
            Error(format!(
                "cannot parse `{}` in {} as a Rust expression: {e}",
                quote_piece(code),
                self.at(tag)
            ))
        })
    }
}

fn respan(ts: TokenStream, span: Span) -> TokenStream {
    ts.into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut n = Group::new(g.delimiter(), respan(g.stream(), span));
                n.set_span(span);
                TokenTree::Group(n)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex;
    use quote::ToTokens;

    fn parse(src: &str) -> Result<Template, Error> {
        build(src, lex(src)?, Span::call_site())
    }

    fn tokens(t: &impl ToTokens) -> String {
        t.to_token_stream().to_string()
    }

    #[test]
    fn top_level_parts_and_holes() {
        let t = parse("<p class=\"{cls}\">{a + 1}</p>").unwrap();
        assert_eq!(t.parts, vec!["<p class=\"", "\">", "</p>"]);
        assert_eq!(t.holes.len(), 2);
        assert!(matches!(&t.holes[1], Hole::Expr(e) if tokens(e) == "a + 1"));
        let t = parse("").unwrap();
        assert_eq!(t.parts, vec![""]);
        assert!(t.holes.is_empty());
    }

    #[test]
    fn if_chains() {
        let t = parse("a{#if x}1{:else if let Some(y) = z}2{y}{:else}3{/if}b").unwrap();
        assert_eq!(t.parts, vec!["a", "b"]);
        let Hole::If {
            branches,
            otherwise,
        } = &t.holes[0]
        else {
            panic!("not an if")
        };
        assert_eq!(branches.len(), 2);
        assert_eq!(tokens(&branches[1].0), "let Some (y) = z");
        assert_eq!(branches[1].1.parts, vec!["2", ""]);
        assert_eq!(otherwise.as_ref().unwrap().parts, vec!["3"]);
        let t = parse("{#if x}1{/if}").unwrap();
        assert!(matches!(
            &t.holes[0],
            Hole::If {
                otherwise: None,
                ..
            }
        ));
    }

    #[test]
    fn for_loops() {
        let t =
            parse("<ul>{#for (i, x) in xs.iter().enumerate(); key = x.id}<li>{i}</li>{/for}</ul>")
                .unwrap();
        let Hole::For {
            pat,
            iter,
            key,
            body,
        } = &t.holes[0]
        else {
            panic!("not a for")
        };
        assert_eq!(tokens(pat), "(i , x)");
        assert_eq!(tokens(iter), "xs . iter () . enumerate ()");
        assert_eq!(tokens(key.as_ref().unwrap()), "x . id");
        assert_eq!(body.parts, vec!["<li>", "</li>"]);
        let t = parse("{#for x in 0..3}{x}{/for}").unwrap();
        assert!(matches!(&t.holes[0], Hole::For { key: None, .. }));
    }

    #[test]
    fn matches_with_guards() {
        let t = parse("{#match v}\n  {:case Some(0) | None}zero{:case Some(n) if n > 9}big {n}{:case _}{/match}").unwrap();
        let Hole::Match { scrutinee, arms } = &t.holes[0] else {
            panic!("not a match")
        };
        assert_eq!(tokens(scrutinee), "v");
        assert_eq!(arms.len(), 3);
        assert_eq!(tokens(&arms[0].pat), "Some (0) | None");
        assert_eq!(tokens(arms[1].guard.as_ref().unwrap()), "n > 9");
        assert_eq!(arms[1].body.parts, vec!["big ", ""]);
        assert_eq!(arms[2].body.parts, vec![""]);
    }

    #[test]
    fn nesting() {
        let t = parse(
            "{#for r in rows}{#if r.on}<b>{r.n}</b>{/if}{#match r.k}{:case 1}one{/match}{/for}",
        )
        .unwrap();
        let Hole::For { body, .. } = &t.holes[0] else {
            panic!("not a for")
        };
        assert_eq!(body.holes.len(), 2);
        assert!(matches!(&body.holes[0], Hole::If { .. }));
        assert!(matches!(&body.holes[1], Hole::Match { .. }));
    }

    fn err(src: &str) -> String {
        match parse(src) {
            Ok(_) => panic!("{src} parsed"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn unbalanced_blocks() {
        let e = err("<p>{#if a}x</p>");
        assert!(
            e.contains("unclosed `{#if a}` at line 1, column 4") && e.contains("{/if}"),
            "{e}"
        );
        let e = err("{#for x in y}{#if x}{/for}");
        assert!(
            e.contains("`{/for}`")
                && e.contains("closes no `{#for}`")
                && e.contains("innermost open block is `{#if x}`"),
            "{e}"
        );
        let e = err("a{/if}");
        assert!(e.contains("closes no `{#if}` (no block is open)"), "{e}");
        let e = err("{:else}");
        assert!(
            e.contains("`{:else}`") && e.contains("is not inside an `{#if}`"),
            "{e}"
        );
        let e = err("{#for x in y}{:else}{/for}");
        assert!(e.contains("is not inside an `{#if}`"), "{e}");
        let e = err("{#if a}{:else}{:else}{/if}");
        assert!(e.contains("must be the last branch"), "{e}");
        let e = err("{#if a}{:case 1}{/if}");
        assert!(e.contains("is not directly inside a `{#match}`"), "{e}");
        let e = err("{#match a}{/match}");
        assert!(e.contains("has no `{:case}`"), "{e}");
        let e = err("{#match a} x {:case 1}{/match}");
        assert!(e.contains("text `x`"), "{e}");
        let e = err("{#match a}{:case 1}");
        assert!(e.contains("unclosed `{#match a}`"), "{e}");
        let e = err("{#for x in y}");
        assert!(e.contains("unclosed `{#for x in y}`"), "{e}");
    }

    #[test]
    fn bad_rust() {
        let e = err("<p>{a +}</p>");
        assert!(
            e.contains("cannot parse `a +`") && e.contains("as a Rust expression"),
            "{e}"
        );
        let e = err("{#for x of y}{/for}");
        assert!(e.contains("cannot parse `{#for x of y}`"), "{e}");
        let e = err("{#for x in y; id = x}{/for}");
        assert!(e.contains("expected `key = expr`"), "{e}");
        let e = err("{#match a}{:case 1 +}{/match}");
        assert!(e.contains("cannot parse `{:case 1 +}`"), "{e}");
        let e = err("{#if a b}{/if}");
        assert!(e.contains("cannot parse `a b`"), "{e}");
        let e = err("{ \"unterminated }");
        assert!(e.contains("unclosed `{`"), "{e}");
    }
}
