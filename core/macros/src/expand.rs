//! Code generation: one `static Statics` per template, and an expression that
//! builds the `Rendered` tree.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Expr;

use crate::tree::{Hole, Template};

/// FNV-1a, 64 bits: stable across builds and platforms.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
}

/// The fingerprint of a template: its parts, and the shape of its holes (the
/// kind of each hole and the fingerprints of the templates nested in it), so
/// that two templates with equal fingerprints are interchangeable.
pub(crate) fn fingerprint(t: &Template) -> u64 {
    let mut h = Fnv::new();
    h.u64(t.parts.len() as u64);
    for p in &t.parts {
        h.u64(p.len() as u64);
        h.bytes(p.as_bytes());
    }
    for hole in &t.holes {
        match hole {
            Hole::Expr(_) => h.bytes(b"e"),
            Hole::If {
                branches,
                otherwise,
            } => {
                h.bytes(b"i");
                h.u64(branches.len() as u64);
                for (_, b) in branches {
                    h.u64(fingerprint(b));
                }
                h.u64(
                    otherwise
                        .as_ref()
                        .map_or_else(|| fingerprint(&Template::empty()), fingerprint),
                );
            }
            Hole::For { key, body, .. } => {
                h.bytes(if key.is_some() { b"k" } else { b"f" });
                h.u64(fingerprint(body));
            }
            Hole::Match { arms, .. } => {
                h.bytes(b"m");
                h.u64(arms.len() as u64);
                for a in arms {
                    h.u64(fingerprint(&a.body));
                }
            }
        }
    }
    h.0
}

/// Generates the expansion of a whole template.
///
/// `span` (the literal's) is given to the conversion of each `{expr}`, so that
/// a type error in a hole points at the template.
pub(crate) fn expand(t: &Template, span: Span) -> TokenStream {
    let mut g = Gen {
        statics: Vec::new(),
        span,
    };
    let body = g.rendered(t);
    let statics = &g.statics;
    quote!({
        #(#statics)*
        #body
    })
}

struct Gen {
    /// `static` items, one per template.
    statics: Vec<TokenStream>,
    /// The template literal's span.
    span: Span,
}

impl Gen {
    /// Declares the statics of `t`; returns their name.
    fn statics(&mut self, t: &Template) -> Ident {
        let name = format_ident!("__LV_STATICS_{}", self.statics.len());
        let parts = &t.parts;
        let fp = fingerprint(t);
        self.statics.push(quote!(
            static #name: ::liveview_core::__private::Statics =
                ::liveview_core::__private::Statics::new(&[#(#parts),*], #fp);
        ));
        name
    }

    /// The dynamics of `t`'s holes, as a `Vec` expression.
    fn dynamics(&mut self, t: &Template) -> TokenStream {
        if t.holes.is_empty() {
            return quote!(::std::vec::Vec::new());
        }
        let items: Vec<TokenStream> = t.holes.iter().map(|h| self.hole(h)).collect();
        quote!(::std::vec![#(#items),*])
    }

    /// The dynamics of `t` as an array (list entries are pushed without a `Vec` of their own).
    fn dynamics_array(&mut self, t: &Template) -> TokenStream {
        let items: Vec<TokenStream> = t.holes.iter().map(|h| self.hole(h)).collect();
        quote!([#(#items),*])
    }

    /// An expression of type `Rendered` for `t`.
    fn rendered(&mut self, t: &Template) -> TokenStream {
        let s = self.statics(t);
        let d = self.dynamics(t);
        quote!(::liveview_core::__private::Rendered::new(&#s, #d))
    }

    fn hole(&mut self, h: &Hole) -> TokenStream {
        match h {
            Hole::Expr(e) => self.expr(e),
            Hole::If {
                branches,
                otherwise,
            } => {
                let mut arms = Vec::new();
                for (cond, body) in branches {
                    let r = self.rendered(body);
                    arms.push(quote!(if #cond { #r }));
                }
                let other = match otherwise {
                    Some(t) => self.rendered(t),
                    None => self.rendered(&Template::empty()),
                };
                quote!(::liveview_core::__private::Dynamic::Nested(#(#arms else)* { #other }))
            }
            Hole::Match { scrutinee, arms } => {
                let arms: Vec<TokenStream> = arms
                    .iter()
                    .map(|a| {
                        let pat = &a.pat;
                        let guard = a.guard.as_ref().map(|g| quote!(if #g));
                        let r = self.rendered(&a.body);
                        quote!(#pat #guard => #r,)
                    })
                    .collect();
                quote!(::liveview_core::__private::Dynamic::Nested(match #scrutinee { #(#arms)* }))
            }
            Hole::For {
                pat,
                iter,
                key,
                body,
            } => {
                let s = self.statics(body);
                let it = Ident::new("__lv_iter", Span::mixed_site());
                let list = Ident::new("__lv_list", Span::mixed_site());
                let key = match key {
                    Some(k) => {
                        quote!(::core::option::Option::Some(::liveview_core::__private::EntryKey::from(#k)))
                    }
                    None => quote!(::core::option::Option::None),
                };
                let entry = match self.reusable_entry(body, &list, &key) {
                    Some(entry) => entry,
                    None => {
                        let d = self.dynamics_array(body);
                        quote!(#list.push_entry(#key, #d);)
                    }
                };
                quote!(::liveview_core::__private::Dynamic::List({
                    let (mut #list, #it) =
                        ::liveview_core::__private::ListSource::into_list(#iter, &#s);
                    for #pat in #it {
                        #entry
                    }
                    #list.finish()
                }))
            }
        }
    }

    /// The body of a `{#for}` whose holes are all `{expr}`: each value is
    /// evaluated once, in order (after the key); when the view is rendered
    /// again and the previous entry at this index has the same key and
    /// dynamics the values render to (`ToDynamic::same_as`), that entry is
    /// reused without building any dynamic; otherwise the entry is built from
    /// the same values. `None` for bodies with nested blocks.
    fn reusable_entry(
        &mut self,
        body: &Template,
        list: &Ident,
        key: &TokenStream,
    ) -> Option<TokenStream> {
        let exprs: Vec<&Expr> = body
            .holes
            .iter()
            .map(|h| match h {
                Hole::Expr(e) => Some(e),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let key_var = Ident::new("__lv_key", Span::mixed_site());
        let prev = Ident::new("__lv_prev", Span::mixed_site());
        let mut lets = Vec::new();
        let mut same = Vec::new();
        let mut build = Vec::new();
        for (i, e) in exprs.into_iter().enumerate() {
            let v = format_ident!("__lv_value_{}", i, span = Span::mixed_site());
            if produces_temporary(e) {
                lets.push(quote_spanned!(self.span=> let #v = #e;));
                same.push(quote_spanned!(self.span=> ::liveview_core::__private::ToDynamic::same_as(&#v, &#prev[#i])));
                build.push(quote_spanned!(self.span=> ::liveview_core::__private::ToDynamic::into_dynamic(#v)));
            } else {
                lets.push(quote_spanned!(self.span=> let #v = &(#e);));
                same.push(quote_spanned!(self.span=> ::liveview_core::__private::ToDynamic::same_as(#v, &#prev[#i])));
                build.push(quote_spanned!(self.span=> ::liveview_core::__private::ToDynamic::to_dynamic(#v)));
            }
        }
        let same = if same.is_empty() {
            quote!(true)
        } else {
            quote!(#(#same)&&*)
        };
        Some(quote!(
            let #key_var = #key;
            #(#lets)*
            if !#list.reuse_entry(&#key_var, |#prev: &[::liveview_core::__private::Dynamic]| #same) {
                #list.push_entry(#key_var, [#(#build),*]);
            }
        ))
    }

    /// `{expr}`: places (paths, fields, indexing, derefs) are borrowed, never
    /// moved; calls and macros produce temporaries, which are consumed
    /// (`ToDynamic::into_dynamic`) so that an owned `Rendered` or `String` is
    /// moved into the tree instead of cloned.
    fn expr(&mut self, e: &Expr) -> TokenStream {
        if produces_temporary(e) {
            quote_spanned!(self.span=> ::liveview_core::__private::ToDynamic::into_dynamic(#e))
        } else {
            quote_spanned!(self.span=> ::liveview_core::__private::ToDynamic::to_dynamic(&(#e)))
        }
    }
}

fn produces_temporary(e: &Expr) -> bool {
    match e {
        Expr::Call(_) | Expr::MethodCall(_) | Expr::Macro(_) => true,
        Expr::Paren(p) => produces_temporary(&p.expr),
        Expr::Group(g) => produces_temporary(&g.expr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex;
    use crate::tree::build;

    fn fp(src: &str) -> u64 {
        fingerprint(&build(src, lex(src).unwrap(), Span::call_site()).unwrap())
    }

    #[test]
    fn fnv_matches_the_reference_values() {
        let mut h = Fnv::new();
        h.bytes(b"");
        assert_eq!(h.0, 0xcbf29ce484222325);
        let mut h = Fnv::new();
        h.bytes(b"a");
        assert_eq!(h.0, 0xaf63dc4c8601ec8c);
        let mut h = Fnv::new();
        h.bytes(b"foobar");
        assert_eq!(h.0, 0x85944171f73967e8);
    }

    #[test]
    fn fingerprints_follow_statics_and_shape() {
        assert_eq!(fp("<p>{a}</p>"), fp("<p>{b.c}</p>"));
        assert_ne!(fp("<p>{a}</p>"), fp("<p>{a}</b>"));
        // Part boundaries matter, not only the concatenated text.
        assert_ne!(fp("ab{x}c"), fp("a{x}bc"));
        assert_ne!(fp("{a}"), fp("{#if a}{/if}"));
        assert_ne!(fp("{#if a}x{/if}"), fp("{#if a}y{/if}"));
        assert_ne!(
            fp("{#for x in y}{x}{/for}"),
            fp("{#for x in y; key = x}{x}{/for}")
        );
        assert_ne!(
            fp("{#match a}{:case 1}x{/match}"),
            fp("{#match a}{:case 1}y{/match}")
        );
    }

    #[test]
    fn expansion_borrows_places_and_moves_temporaries() {
        let src = "{self.name}{f(x)}{a[0]}{m!()}";
        let t = build(src, lex(src).unwrap(), Span::call_site()).unwrap();
        let out = expand(&t, Span::call_site()).to_string();
        assert!(
            out.contains("ToDynamic :: to_dynamic (& (self . name))"),
            "{out}"
        );
        assert!(out.contains("ToDynamic :: to_dynamic (& (a [0]))"), "{out}");
        assert!(out.contains("ToDynamic :: into_dynamic (f (x))"), "{out}");
        assert!(out.contains("ToDynamic :: into_dynamic (m ! ())"), "{out}");
    }

    #[test]
    fn list_entries_of_plain_values_can_be_reused() {
        let expand_src = |src: &str| {
            let t = build(src, lex(src).unwrap(), Span::call_site()).unwrap();
            expand(&t, Span::call_site()).to_string()
        };
        let out = expand_src("{#for (i, v) in rows; key = i}<p>{i}{f(v)}</p>{/for}");
        assert!(out.contains("reuse_entry"), "{out}");
        assert!(out.contains("ToDynamic :: same_as"), "{out}");
        // A temporary is evaluated once, compared by reference, then moved in.
        assert!(
            out.contains("ToDynamic :: into_dynamic (__lv_value_1)"),
            "{out}"
        );
        assert!(
            out.contains("ToDynamic :: to_dynamic (__lv_value_0)"),
            "{out}"
        );
        // Bodies with nested blocks are built, then compared as a whole.
        let nested = expand_src("{#for v in rows}<p>{#if v}x{/if}</p>{/for}");
        assert!(!nested.contains("reuse_entry"), "{nested}");
        assert!(nested.contains("push_entry"), "{nested}");
    }
}
