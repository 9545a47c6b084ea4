//! Attribute holes: `name={expr}` renders the whole attribute, as HEEx does.
//!
//! A hole that is the whole, unquoted value of an attribute (`<input
//! checked={done} value={title}>`) does not render a value between quotes: it
//! renders the attribute itself, so that it can also leave it out.
//!
//! | value | renders |
//! | --- | --- |
//! | `true` | ` checked` |
//! | `false`, `None` | nothing |
//! | `Some(v)` | what `v` renders |
//! | text, numbers, [`Html`], [`JS`](crate::js::JS) | ` value="…"` (escaped) |
//!
//! `class` and `style` are kept even then, empty (`class=""`), as HEEx
//! renders them.
//!
//! A quoted hole (`value="{title}"`) is text as everywhere else: `false`
//! there is the text `false`. Use the unquoted form for boolean attributes
//! (`checked`, `disabled`, `readonly`, `selected`, `multiple`, `hidden`) and
//! for attributes that may be absent.
//!
//! ```
//! use liveview_core::html;
//! let (checked, title, note): (bool, &str, Option<&str>) = (false, "a \"b\"", None);
//! let r = html!("<input type=checkbox checked={checked} title={title} data-note={note} disabled={true}>");
//! assert_eq!(r.to_html(), r#"<input type=checkbox title="a &quot;b&quot;" disabled>"#);
//! ```

use super::escape::escape_into;
use super::Html;
use std::borrow::Cow;

/// A value that can be a whole attribute (`name={value}` in `html!`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of an `html!` attribute written `name={{…}}`",
    label = "used as a whole attribute value",
    note = "an unquoted `name={{…}}` takes text, numbers, bool, Option, Html or JS; \
            quote the hole (`name=\"{{…}}\"`) to render any other value as text"
)]
pub trait AttrValue {
    /// Appends this value's attribute to `out`: ` name="value"`, ` name`,
    /// or nothing. `name` is the literal name from the template.
    fn write_attr(&self, name: &str, out: &mut String);
}

/// ` name="escaped"`.
fn text_attr(name: &str, text: &str, out: &mut String) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(text, out);
    out.push('"');
}

/// The attribute `name={value}` renders (see the [module docs](self)).
/// `html!` calls this for every unquoted attribute hole.
pub fn attr<T: AttrValue + ?Sized>(name: &str, value: &T) -> Html {
    let mut out = String::new();
    value.write_attr(name, &mut out);
    if !out.ends_with('"') && matches!(name, "class" | "style") {
        // HEEx keeps these two, empty, for nil, false and true.
        out.clear();
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"\"");
    }
    Html::raw(out)
}

impl AttrValue for bool {
    fn write_attr(&self, name: &str, out: &mut String) {
        if *self {
            out.push(' ');
            out.push_str(name);
        }
    }
}

impl<T: AttrValue> AttrValue for Option<T> {
    fn write_attr(&self, name: &str, out: &mut String) {
        if let Some(v) = self {
            v.write_attr(name, out);
        }
    }
}

impl<T: AttrValue + ?Sized> AttrValue for &T {
    fn write_attr(&self, name: &str, out: &mut String) {
        (**self).write_attr(name, out);
    }
}

impl AttrValue for str {
    fn write_attr(&self, name: &str, out: &mut String) {
        text_attr(name, self, out);
    }
}

impl AttrValue for String {
    fn write_attr(&self, name: &str, out: &mut String) {
        text_attr(name, self, out);
    }
}

impl AttrValue for Cow<'_, str> {
    fn write_attr(&self, name: &str, out: &mut String) {
        text_attr(name, self, out);
    }
}

impl AttrValue for char {
    fn write_attr(&self, name: &str, out: &mut String) {
        text_attr(name, self.encode_utf8(&mut [0; 4]), out);
    }
}

/// Already escaped: written as is.
impl AttrValue for Html {
    fn write_attr(&self, name: &str, out: &mut String) {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        out.push_str(self.as_str());
        out.push('"');
    }
}

impl AttrValue for crate::js::JS {
    fn write_attr(&self, name: &str, out: &mut String) {
        text_attr(name, &self.to_json(), out);
    }
}

macro_rules! number_attrs {
    ($($t:ty),*) => {$(
        impl AttrValue for $t {
            fn write_attr(&self, name: &str, out: &mut String) {
                // Digits, signs and dots need no escaping.
                use std::fmt::Write;
                let _ = write!(out, " {name}=\"{self}\"");
            }
        }
    )*};
}
number_attrs!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_options_text_and_numbers() {
        assert_eq!(attr("checked", &true).as_str(), " checked");
        assert_eq!(attr("checked", &false).as_str(), "");
        assert_eq!(attr("x", &None::<&str>).as_str(), "");
        assert_eq!(attr("x", &Some("<a>")).as_str(), " x=\"&lt;a&gt;\"");
        assert_eq!(attr("x", &Some(true)).as_str(), " x");
        assert_eq!(attr("n", &-3i32).as_str(), " n=\"-3\"");
        assert_eq!(
            attr("t", &String::from("\"q\"")).as_str(),
            " t=\"&quot;q&quot;\""
        );
        assert_eq!(attr("h", &Html::raw("&amp;")).as_str(), " h=\"&amp;\"");
        assert_eq!(attr("c", &'&').as_str(), " c=\"&amp;\"");
        assert_eq!(attr("class", &None::<&str>).as_str(), " class=\"\"");
        assert_eq!(attr("style", &false).as_str(), " style=\"\"");
        assert_eq!(
            attr("style", &Some("color: red")).as_str(),
            " style=\"color: red\""
        );
        let js = crate::js::JS::new().push("go");
        assert_eq!(
            attr("phx-click", &js).as_str(),
            " phx-click=\"[[&quot;push&quot;,{&quot;event&quot;:&quot;go&quot;}]]\""
        );
    }
}
