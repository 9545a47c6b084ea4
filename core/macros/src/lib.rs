//! The `html!` template macro of liveview.
//!
//! Use it through `liveview_core::html`; the documentation of the syntax is on
//! [`html!`](macro@html).
#![warn(missing_docs)]

mod context;
mod expand;
mod lex;
mod tree;

use proc_macro::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::LitStr;

/// Compiles an HTML template into a `liveview_core::Rendered` tree.
///
/// The template is **one string literal** (raw strings are handy for HTML:
/// `r#"…"#`). It is split at compile time into *statics* — the literal HTML
/// between holes, stored once in a `static` with a 64-bit fingerprint — and
/// *dynamics*, the values of the holes computed on every render. The diff sent
/// to the browser carries only the dynamics that changed.
///
/// # Expressions: `{expr}`
///
/// Any Rust expression in braces fills a hole. It is converted with
/// `ToDynamic`: strings, `char`s and other text are HTML-escaped
/// (`& < > " '`), numbers and `bool`s are written as they are, `None` renders
/// nothing, `Raw(…)` and `Html` are inserted verbatim, and a `Rendered` (another
/// `html!`) nests.
///
/// Places (`{name}`, `{self.title}`, `{row.cells[0]}`) are **borrowed**
/// (`ToDynamic::to_dynamic(&(expr))`), never moved, so `{self.name}` works on a
/// `String` field behind `&self`. Calls, method calls and macro calls produce
/// temporaries, which are consumed (`ToDynamic::into_dynamic(expr)`): an owned
/// `Rendered` or `String` returned by a helper is moved into the tree rather
/// than copied. Short text (up to 30 bytes, every 64-bit number) is stored
/// without a heap allocation.
///
/// ```
/// use liveview_core::{html, Raw};
///
/// struct Page { title: String, count: u32 }
/// impl Page {
///     fn render(&self) -> liveview_core::Rendered {
///         html!(r#"<h1 title="{self.title}">{self.title}</h1><p>{self.count * 2} {Raw("<b>!</b>")}</p>"#)
///     }
/// }
/// let page = Page { title: "Tom & \"Jerry\"".into(), count: 21 };
/// assert_eq!(
///     page.render().to_html(),
///     r#"<h1 title="Tom &amp; &quot;Jerry&quot;">Tom &amp; &quot;Jerry&quot;</h1><p>42 <b>!</b></p>"#
/// );
/// ```
///
/// An expression used as a whole unquoted attribute value (`<input value={v}>`)
/// renders the whole attribute, as in HEEx: text and numbers give
/// ` value="…"` (escaped and quoted), `true` gives the bare name (` checked`),
/// and `false` or `None` leave the attribute out; see
/// [`AttrValue`](../liveview_core/template/trait.AttrValue.html). A quoted hole
/// (`value="{v}"`) is text, as anywhere else. A hole in the middle of an
/// unquoted value (`href=/u/{id}`) is a compile error asking for quotes.
///
/// ```
/// use liveview_core::html;
/// let (done, note): (bool, Option<&str>) = (false, None);
/// let r = html!("<input type=checkbox checked={done} title={note} value={7}>");
/// assert_eq!(r.to_html(), r#"<input type=checkbox value="7">"#);
/// ```
///
/// # Conditionals: `{#if}` … `{:else if}` … `{:else}` … `{/if}`
///
/// The whole chain is **one** hole holding a nested template: each branch is a
/// template of its own, with its own statics and fingerprint. Without an
/// `{:else}`, a false condition renders an empty template. `{#if let Pat = expr}`
/// binds like Rust's `if let`.
///
/// ```
/// use liveview_core::html;
///
/// fn badge(unread: u32, user: Option<&str>) -> String {
///     html!(r#"{#if unread == 0}none{:else if unread < 10}<b>{unread}</b>{:else}lots{/if}{#if let Some(u) = user} for {u}{/if}"#)
///         .to_html()
/// }
/// assert_eq!(badge(0, None), "none");
/// assert_eq!(badge(3, Some("ada")), "<b>3</b> for ada");
/// assert_eq!(badge(12, None), "lots");
/// ```
///
/// # Lists: `{#for pat in iter}` … `{/for}`
///
/// The loop is **one** hole holding a comprehension: the body is a template
/// rendered once per item, all entries sharing its statics. Add `; key = expr`
/// to key the entries (integers or strings, anything `EntryKey: From`; write
/// `key = &item.slug` to borrow a `String`), so the client keeps per-item DOM
/// state across reorders and the diff sends only the entries that changed.
/// `if`s and `match`es inside the body become nested templates of each entry.
/// The loop follows Rust's `for`: iterate over `&self.items` to borrow a field.
///
/// ```
/// use liveview_core::html;
///
/// struct Todo { id: u64, text: String, done: bool }
/// let todos = vec![
///     Todo { id: 7, text: "milk".into(), done: true },
///     Todo { id: 9, text: "<eggs>".into(), done: false },
/// ];
/// let list = html!(r#"<ul>{#for t in &todos; key = t.id}<li id="todo-{t.id}">{#if t.done}<s>{t.text}</s>{:else}{t.text}{/if}</li>{/for}</ul>"#);
/// assert_eq!(
///     list.to_html(),
///     r#"<ul><li id="todo-7"><s>milk</s></li><li id="todo-9">&lt;eggs&gt;</li></ul>"#
/// );
/// ```
///
/// # Matches: `{#match expr}` `{:case Pat}` … `{:case Pat if guard}` … `{/match}`
///
/// Like Rust's `match` (it must be exhaustive; end with `{:case _}` when
/// needed). One hole; each case is a nested template. Only whitespace may
/// stand between `{#match …}` and the first `{:case …}`.
///
/// ```
/// use liveview_core::html;
///
/// enum Status { Online, Away(u32), Offline }
/// fn status(s: &Status) -> String {
///     html!(r#"<i>{#match s} {:case Status::Online}online{:case Status::Away(m) if *m > 60}gone{:case Status::Away(m)}away {m} min{:case Status::Offline}offline{/match}</i>"#)
///         .to_html()
/// }
/// assert_eq!(status(&Status::Online), "<i>online</i>");
/// assert_eq!(status(&Status::Away(5)), "<i>away 5 min</i>");
/// assert_eq!(status(&Status::Away(90)), "<i>gone</i>");
/// assert_eq!(status(&Status::Offline), "<i>offline</i>");
/// ```
///
/// # Literal braces: `{{` and `}}`
///
/// Outside holes, `{{` is a literal `{` and `}}` a literal `}`; a lone `}` is an
/// error. Inside a hole, braces and string or char literals of the Rust code are
/// followed, so `{format!("{}!", name)}` and `{items.iter().map(|i| { i.len() }).sum::<usize>()}`
/// work; a block expression needs a space after the opening brace: `{ {…} }`.
///
/// ```
/// use liveview_core::html;
/// let n = 1;
/// assert_eq!(html!("{{n}} is {n}").to_html(), "{n} is 1");
/// ```
///
/// # Statics and fingerprints
///
/// Every template — the top level, each branch, each loop body, each case — is
/// a `static Statics` holding its literal parts and a fingerprint: the 64-bit
/// FNV-1a hash of the parts and of the shape of the holes (which are
/// expressions, conditionals, lists, and the fingerprints of their nested
/// templates). It depends on nothing but the template text, so it is the same
/// on every build, and two templates with equal fingerprints are
/// interchangeable.
///
/// ```
/// use liveview_core::html;
/// let on = true;
/// let r = html!("<p>{#if on}yes {1}{:else}no{/if}</p>");
/// assert_eq!(r.statics().parts(), &["<p>", "</p>"]);
/// let liveview_core::Dynamic::Nested(branch) = &r.dynamics()[0] else { unreachable!() };
/// assert_eq!(branch.statics().parts(), &["yes ", ""]);
/// ```
///
/// # Compile errors
///
/// Mistakes are reported at compile time, pointing at the literal and quoting
/// the offending piece with its line and column in the template: an unclosed
/// `{`, an unmatched `}`, unbalanced blocks (`{#if}` without `{/if}`, a stray
/// `{/for}` or `{:else}`, `{:case}` outside `{#match}`), Rust that does not
/// parse, and a hole inside an unquoted attribute value. Dynamics inside the content of `<script>` or `<style>` (any case) are
/// **refused for safety**: HTML escaping does not make a value safe inside
/// JavaScript or CSS. Pass data through an attribute instead, and write `{{`/`}}`
/// for the braces of scripts and style sheets.
///
/// ```compile_fail
/// use liveview_core::html;
/// let x = 1;
/// let _ = html!("<script>var x = {x};</script>");
/// ```
///
/// ```compile_fail
/// use liveview_core::html;
/// let _ = html!("{#if true}<p>yes</p>");
/// ```
#[proc_macro]
pub fn html(input: TokenStream) -> TokenStream {
    let Input(lit) = syn::parse_macro_input!(input as Input);
    match compile(&lit.value(), lit.span()) {
        Ok(ts) => ts.into(),
        Err(e) => syn::Error::new(lit.span(), format!("html!: {e}"))
            .to_compile_error()
            .into(),
    }
}

/// The macro's input: one string literal, optionally followed by a comma.
struct Input(LitStr);

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Input> {
        let lit = input.parse::<LitStr>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "html! expects one string literal, e.g. html!(r#\"<p>{name}</p>\"#)",
            )
        })?;
        if !lit.suffix().is_empty() {
            return Err(syn::Error::new(
                lit.span(),
                "html!: the template literal cannot have a suffix",
            ));
        }
        let _ = input.parse::<Option<syn::Token![,]>>()?;
        if !input.is_empty() {
            return Err(input.error("html! expects one string literal and nothing after it"));
        }
        Ok(Input(lit))
    }
}

fn compile(src: &str, span: proc_macro2::Span) -> Result<proc_macro2::TokenStream, lex::Error> {
    let pieces = lex::lex(src)?;
    let pieces = context::check(src, pieces)?;
    let template = tree::build(src, pieces, span)?;
    Ok(expand::expand(&template, span))
}

#[cfg(test)]
mod tests {
    use super::compile;
    use proc_macro2::Span;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any text either compiles or gives an error: never a panic.
        #[test]
        fn arbitrary_templates_never_panic(src in r#"([<>/{}#:a-z "'=é\n]|\{#if |\{:else|\{/if\}|\{#for x in |\{#match |\{:case |<script>|</style>){0,40}"#) {
            let _ = compile(&src, Span::call_site());
        }

        /// Text without braces is one static part, equal to the text.
        #[test]
        fn brace_free_text_is_one_static(src in "[^{}]{0,60}") {
            let pieces = crate::context::check(&src, crate::lex::lex(&src).unwrap()).unwrap();
            let t = crate::tree::build(&src, pieces, Span::call_site()).unwrap();
            prop_assert_eq!(t.parts, vec![src.clone()]);
            prop_assert!(t.holes.is_empty());
        }
    }
}
