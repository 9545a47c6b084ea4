//! Conversions from Rust values to template dynamics.

use super::{escape_html, Comprehension, Dynamic, Html, Rendered};

/// A value that can fill a template hole. Strings and displayable values are
/// escaped; [`Rendered`] nests; [`Raw`] opts out of escaping.
///
/// `html!` calls this on every `{expr}`.
pub trait ToDynamic {
    /// The dynamic this value renders as.
    fn to_dynamic(&self) -> Dynamic;
}

/// Trusted HTML inserted without escaping: `{Raw("<b>ok</b>")}`.
///
/// Never wrap user input in `Raw`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw<T: AsRef<str>>(pub T);

impl<T: AsRef<str>> ToDynamic for Raw<T> {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(Html::raw(self.0.as_ref()))
    }
}

impl ToDynamic for Html {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(self.clone())
    }
}

impl ToDynamic for str {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(Html::from_escaped(escape_html(self).into_owned()))
    }
}

impl ToDynamic for String {
    fn to_dynamic(&self) -> Dynamic {
        self.as_str().to_dynamic()
    }
}

impl ToDynamic for std::borrow::Cow<'_, str> {
    fn to_dynamic(&self) -> Dynamic {
        self.as_ref().to_dynamic()
    }
}

impl ToDynamic for char {
    fn to_dynamic(&self) -> Dynamic {
        let mut buf = [0u8; 4];
        (*self.encode_utf8(&mut buf)).to_dynamic()
    }
}

impl ToDynamic for bool {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Text(Html::from_escaped(if *self { "true" } else { "false" }.to_owned()))
    }
}

macro_rules! number_to_dynamic {
    ($($t:ty),*) => {$(
        impl ToDynamic for $t {
            fn to_dynamic(&self) -> Dynamic {
                // Numbers never contain characters that need escaping.
                Dynamic::Text(Html::from_escaped(self.to_string()))
            }
        }
    )*};
}
number_to_dynamic!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl ToDynamic for Rendered {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::Nested(self.clone())
    }
}

impl ToDynamic for Comprehension {
    fn to_dynamic(&self) -> Dynamic {
        Dynamic::List(self.clone())
    }
}

impl ToDynamic for Dynamic {
    fn to_dynamic(&self) -> Dynamic {
        self.clone()
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
}

impl<T: ToDynamic + ?Sized> ToDynamic for &T {
    fn to_dynamic(&self) -> Dynamic {
        (**self).to_dynamic()
    }
}

impl<T: ToDynamic + ?Sized> ToDynamic for Box<T> {
    fn to_dynamic(&self) -> Dynamic {
        (**self).to_dynamic()
    }
}

impl<T: ToDynamic + ?Sized> ToDynamic for std::sync::Arc<T> {
    fn to_dynamic(&self) -> Dynamic {
        (**self).to_dynamic()
    }
}
