//! Conversions from Rust values to template dynamics.

use super::escape::replacement;
use super::{Comprehension, Dynamic, Html, Rendered};

/// A value that can fill a template hole. Strings and displayable values are
/// escaped; [`Rendered`] nests; [`Raw`] opts out of escaping.
///
/// `html!` calls this on every `{expr}`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot fill an `html!` hole: it does not implement `ToDynamic`",
    label = "this value is used in a template",
    note = "render it as text (`.to_string()`, a `Display` field), nest a template (`html!`), \
            or implement `liveview_core::ToDynamic` for it"
)]
pub trait ToDynamic {
    /// The dynamic this value renders as.
    fn to_dynamic(&self) -> Dynamic;

    /// Consumes the value into the dynamic it renders as.
    ///
    /// `html!` calls this instead of [`to_dynamic`](ToDynamic::to_dynamic) on
    /// temporaries (`{helper()}`, `{format!(…)}`), so types that own their
    /// content (`String`, `Rendered`, `Html`…) override it to move rather than copy.
    #[inline]
    fn into_dynamic(self) -> Dynamic
    where
        Self: Sized,
    {
        self.to_dynamic()
    }

    /// Whether this value renders as `prev`, i.e. `self.to_dynamic() == *prev`.
    ///
    /// `html!` asks this of each hole of a list entry when the view is
    /// rendered again ([`render_reusing`](crate::template::render_reusing)), to
    /// reuse the previous entry when nothing in it changed. The default builds
    /// the dynamic and compares; strings, numbers and the other built-in
    /// impls compare without building it. An override must give exactly the
    /// answer of the default.
    #[inline]
    fn same_as(&self, prev: &Dynamic) -> bool {
        self.to_dynamic() == *prev
    }
}

/// The text of a text dynamic.
#[inline]
fn text_of(d: &Dynamic) -> Option<&Html> {
    match d {
        Dynamic::Text(h) => Some(h),
        _ => None,
    }
}

/// Trusted HTML inserted without escaping: `{Raw("<b>ok</b>")}`.
///
/// Never wrap user input in `Raw`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw<T: AsRef<str>>(pub T);

impl<T: AsRef<str>> ToDynamic for Raw<T> {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(Html::from_escaped_str(self.0.as_ref()))
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        text_of(prev).is_some_and(|h| h.as_str() == self.0.as_ref())
    }
}

impl ToDynamic for Html {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(self.clone())
    }

    fn into_dynamic(self) -> Dynamic {
        Dynamic::Text(self)
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        text_of(prev).is_some_and(|h| h == self)
    }
}

impl ToDynamic for str {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(Html::escape(self))
    }

    #[inline]
    fn same_as(&self, prev: &Dynamic) -> bool {
        text_of(prev).is_some_and(|h| h.is_escape_of(self))
    }
}

impl ToDynamic for String {
    fn to_dynamic(&self) -> Dynamic {
        self.as_str().to_dynamic()
    }

    #[inline]
    fn same_as(&self, prev: &Dynamic) -> bool {
        self.as_str().same_as(prev)
    }

    /// Reuses the string's buffer when it has nothing to escape.
    fn into_dynamic(self) -> Dynamic {
        if self.bytes().any(|b| replacement(b).is_some()) {
            Dynamic::Text(Html::escape(&self))
        } else {
            Dynamic::Text(Html::from_escaped(self))
        }
    }
}

impl ToDynamic for std::borrow::Cow<'_, str> {
    fn to_dynamic(&self) -> Dynamic {
        self.as_ref().to_dynamic()
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        self.as_ref().same_as(prev)
    }
}

impl ToDynamic for char {
    fn to_dynamic(&self) -> Dynamic {
        let mut buf = [0u8; 4];
        (*self.encode_utf8(&mut buf)).to_dynamic()
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        let mut buf = [0u8; 4];
        (*self.encode_utf8(&mut buf)).same_as(prev)
    }
}

impl ToDynamic for bool {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(Html::from_escaped_str(if *self { "true" } else { "false" }))
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        text_of(prev).is_some_and(|h| h.as_str() == if *self { "true" } else { "false" })
    }
}

// Numbers never contain characters that need escaping, and 64-bit ones are
// written inline in the `Html` without allocating.
macro_rules! signed_to_dynamic {
    ($($t:ty),*) => {$(
        impl ToDynamic for $t {
            #[inline]
            fn to_dynamic(&self) -> Dynamic {
                Dynamic::Text(Html::from_int(*self < 0, (*self as i128).unsigned_abs()))
            }
        }
    )*};
}
signed_to_dynamic!(i128);

macro_rules! small_signed_to_dynamic {
    ($($t:ty),*) => {$(
        impl ToDynamic for $t {
            #[inline]
            fn to_dynamic(&self) -> Dynamic {
                Dynamic::Text(Html::from_u64(*self < 0, (*self as i64).unsigned_abs()))
            }

            #[inline]
            fn same_as(&self, prev: &Dynamic) -> bool {
                text_of(prev).is_some_and(|h| h.is_decimal(*self < 0, (*self as i64).unsigned_abs()))
            }
        }
    )*};
}
small_signed_to_dynamic!(i8, i16, i32, i64, isize);

macro_rules! unsigned_to_dynamic {
    ($($t:ty),*) => {$(
        impl ToDynamic for $t {
            #[inline]
            fn to_dynamic(&self) -> Dynamic {
                Dynamic::Text(Html::from_int(false, *self as u128))
            }
        }
    )*};
}
unsigned_to_dynamic!(u128);

macro_rules! small_unsigned_to_dynamic {
    ($($t:ty),*) => {$(
        impl ToDynamic for $t {
            #[inline]
            fn to_dynamic(&self) -> Dynamic {
                Dynamic::Text(Html::from_u64(false, *self as u64))
            }

            #[inline]
            fn same_as(&self, prev: &Dynamic) -> bool {
                text_of(prev).is_some_and(|h| h.is_decimal(false, *self as u64))
            }
        }
    )*};
}
small_unsigned_to_dynamic!(u8, u16, u32, u64, usize);

macro_rules! float_to_dynamic {
    ($($t:ty),*) => {$(
        impl ToDynamic for $t {
            fn to_dynamic(&self) -> Dynamic {
                Dynamic::Text(Html::from_display_unescaped(self))
            }
        }
    )*};
}
float_to_dynamic!(f32, f64);

impl ToDynamic for Rendered {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Nested(self.clone())
    }

    fn into_dynamic(self) -> Dynamic {
        Dynamic::Nested(self)
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        matches!(prev, Dynamic::Nested(r) if r == self)
    }
}

impl ToDynamic for Comprehension {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::List(self.clone())
    }

    fn into_dynamic(self) -> Dynamic {
        Dynamic::List(self)
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        matches!(prev, Dynamic::List(c) if c == self)
    }
}

impl ToDynamic for Dynamic {
    fn to_dynamic(&self) -> Dynamic {
        self.clone()
    }

    fn into_dynamic(self) -> Dynamic {
        self
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        self == prev
    }
}

/// `None` renders as nothing.
impl<T: ToDynamic> ToDynamic for Option<T> {
    fn to_dynamic(&self) -> Dynamic {
        match self {
            Some(v) => v.to_dynamic(),
            None => Dynamic::empty(),
        }
    }

    fn into_dynamic(self) -> Dynamic {
        match self {
            Some(v) => v.into_dynamic(),
            None => Dynamic::empty(),
        }
    }

    fn same_as(&self, prev: &Dynamic) -> bool {
        match self {
            Some(v) => v.same_as(prev),
            None => text_of(prev).is_some_and(|h| h.as_str().is_empty()),
        }
    }
}

impl<T: ToDynamic + ?Sized> ToDynamic for &T {
    fn to_dynamic(&self) -> Dynamic {
        (**self).to_dynamic()
    }

    #[inline]
    fn same_as(&self, prev: &Dynamic) -> bool {
        (**self).same_as(prev)
    }
}

impl<T: ToDynamic + ?Sized> ToDynamic for Box<T> {
    fn to_dynamic(&self) -> Dynamic {
        (**self).to_dynamic()
    }

    #[inline]
    fn same_as(&self, prev: &Dynamic) -> bool {
        (**self).same_as(prev)
    }
}

impl<T: ToDynamic + ?Sized> ToDynamic for std::sync::Arc<T> {
    fn to_dynamic(&self) -> Dynamic {
        (**self).to_dynamic()
    }

    #[inline]
    fn same_as(&self, prev: &Dynamic) -> bool {
        (**self).same_as(prev)
    }
}

impl<T: ToDynamic + ?Sized> ToDynamic for std::rc::Rc<T> {
    fn to_dynamic(&self) -> Dynamic {
        (**self).to_dynamic()
    }

    #[inline]
    fn same_as(&self, prev: &Dynamic) -> bool {
        (**self).same_as(prev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html;
    use std::borrow::Cow;

    fn text(d: Dynamic) -> String {
        match d {
            Dynamic::Text(h) => h.into_string(),
            other => panic!("not text: {other:?}"),
        }
    }

    #[test]
    fn strings_are_escaped() {
        let s = r#"<a href="x">'&'</a>"#;
        let want = "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;";
        assert_eq!(text(s.to_dynamic()), want);
        assert_eq!(text(s.to_owned().to_dynamic()), want);
        assert_eq!(text(Cow::Borrowed(s).to_dynamic()), want);
        assert_eq!(text(Cow::<str>::Owned(s.to_owned()).to_dynamic()), want);
        assert_eq!(text(Box::<str>::from(s).to_dynamic()), want);
        assert_eq!(text(std::rc::Rc::<str>::from(s).to_dynamic()), want);
        assert_eq!(text(std::sync::Arc::<str>::from(s).to_dynamic()), want);
        assert_eq!(text('<'.to_dynamic()), "&lt;");
        assert_eq!(text('é'.to_dynamic()), "é");
        assert_eq!(text(s.to_owned().into_dynamic()), want);
        assert_eq!(text("plain".to_owned().into_dynamic()), "plain");
    }

    #[test]
    fn numbers_and_bools_are_written_plainly() {
        assert_eq!(text((-12i8).to_dynamic()), "-12");
        assert_eq!(text(u64::MAX.to_dynamic()), "18446744073709551615");
        assert_eq!(
            text(i128::MIN.to_dynamic()),
            "-170141183460469231731687303715884105728"
        );
        assert_eq!(text(7usize.to_dynamic()), "7");
        assert_eq!(text(i64::MIN.to_dynamic()), i64::MIN.to_string());
        assert_eq!(text(i8::MIN.to_dynamic()), "-128");
        assert_eq!(text(isize::MAX.to_dynamic()), isize::MAX.to_string());
        assert_eq!(text(0u8.to_dynamic()), "0");
        assert_eq!(text(u32::MAX.to_dynamic()), u32::MAX.to_string());
        assert_eq!(text(1.5f64.to_dynamic()), "1.5");
        assert_eq!(text(0.25f32.to_dynamic()), "0.25");
        assert_eq!(text(true.to_dynamic()), "true");
        assert_eq!(text(false.to_dynamic()), "false");
    }

    #[test]
    fn options_raw_html_and_trees() {
        assert_eq!(text(Some("<").to_dynamic()), "&lt;");
        assert_eq!(text(None::<&str>.to_dynamic()), "");
        assert_eq!(text(Raw("<b>ok</b>").to_dynamic()), "<b>ok</b>");
        assert_eq!(text(Raw(String::from("<i>")).to_dynamic()), "<i>");
        assert_eq!(text(Html::escape("<").to_dynamic()), "&lt;");
        let r = html!("<p>{1}</p>");
        assert_eq!(r.to_dynamic(), Dynamic::Nested(r.clone()));
        assert_eq!(r.clone().into_dynamic(), Dynamic::Nested(r.clone()));
        assert_eq!(Some(r.clone()).into_dynamic(), Dynamic::Nested(r.clone()));
        assert_eq!((None::<Rendered>).into_dynamic(), Dynamic::empty());
        assert_eq!(
            Html::raw("<x>").into_dynamic(),
            Dynamic::Text(Html::raw("<x>"))
        );
        assert_eq!(Dynamic::empty().into_dynamic(), Dynamic::empty());
        // Types without an override of `into_dynamic` go through `to_dynamic`.
        assert_eq!(text(42u8.into_dynamic()), "42");
    }

    fn check<T: ToDynamic + ?Sized>(v: &T, prevs: &[Dynamic]) {
        for p in prevs {
            assert_eq!(v.same_as(p), v.to_dynamic() == *p, "{p:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn same_as_agrees_with_to_dynamic(
            a in proptest::prelude::any::<i64>(),
            small in -300i64..300,
            s in "[a0<&é]{0,5}",
            t in "[a0<&é]{0,5}",
            flag in proptest::prelude::any::<bool>(),
            c in proptest::prelude::any::<char>(),
        ) {
            let prevs = vec![
                a.to_dynamic(),
                small.to_dynamic(),
                s.to_dynamic(),
                t.to_dynamic(),
                flag.to_dynamic(),
                Dynamic::empty(),
                (small as u8).to_dynamic(),
                c.to_dynamic(),
                Raw(s.clone()).to_dynamic(),
                html!("<p>{s}</p>").into_dynamic(),
                1.5f64.to_dynamic(),
            ];
            check(&a, &prevs);
            check(&small, &prevs);
            check(&(small as i8), &prevs);
            check(&(small as u8), &prevs);
            check(&(a as u64), &prevs);
            check(&(small as usize), &prevs);
            check(&(small as i128), &prevs);
            check(s.as_str(), &prevs);
            check(&t, &prevs);
            check(&Cow::Borrowed(t.as_str()), &prevs);
            check(&Some(&s), &prevs);
            check(&None::<String>, &prevs);
            check(&flag, &prevs);
            check(&c, &prevs);
            check(&Raw(&t), &prevs);
            check(&Html::escape(&t), &prevs);
            check(&html!("<p>{t}</p>"), &prevs);
            check(&&small, &prevs);
            check(&Box::new(a), &prevs);
            check(&std::sync::Arc::new(s.clone()), &prevs);
            check(&1.5f64, &prevs);
            check(&prevs[2], &prevs);
        }
    }
}
