//! [`Html`]: an escaped fragment, stored inline when it is short.

use std::fmt;
use std::hash::{Hash, Hasher};

use super::escape::{escape_into, replacement};

/// Fragments up to this many bytes are stored inline, without a heap allocation
/// (every 64-bit integer, most labels and class names).
const INLINE: usize = 30;

/// `00` … `99`, two bytes each.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `m` into `buf`, ending just before `end`,
/// two at a time; where they start.
#[inline(always)]
fn write_digits_before(buf: &mut [u8], end: usize, mut m: u64) -> usize {
    let mut at = end;
    while m >= 100 {
        let pair = (m % 100) as usize * 2;
        m /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if m >= 10 {
        let pair = m as usize * 2;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        buf[at] = b'0' + m as u8;
    }
    at
}

/// The index of the first byte at or after `from` that escaping replaces
/// (`& < > " '`), or `bytes.len()`. Eight bytes are tested at a time.
#[inline]
fn next_special(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    /// Whether some byte of `w` is `c`.
    #[inline]
    fn has(w: u64, c: u8) -> bool {
        let x = w ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGH != 0
    }
    let mut i = from;
    while let Some(word) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_ne_bytes(w);
        if has(w, b'&') || has(w, b'<') || has(w, b'>') || has(w, b'"') || has(w, b'\'') {
            break;
        }
        i += 8;
    }
    while i < bytes.len() && EXTRA[usize::from(bytes[i])] == 0 {
        i += 1;
    }
    i
}

/// How many bytes escaping adds for each byte value.
const EXTRA: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'&' as usize] = 4; // &amp;
    t[b'<' as usize] = 3; // &lt;
    t[b'>' as usize] = 3; // &gt;
    t[b'"' as usize] = 5; // &quot;
    t[b'\'' as usize] = 4; // &#39;
    t
};

/// An escaped HTML fragment: the content of a text dynamic.
///
/// It can only be built by escaping ([`Html::escape`]) or by an explicit raw
/// opt-in ([`Html::raw`]), so every string that reaches the wire has been
/// through one of the two.
///
/// Short fragments (up to 30 bytes) live inline: rendering a number or a short
/// label does not allocate.
#[derive(Clone)]
pub struct Html(Repr);

#[derive(Clone)]
enum Repr {
    /// `buf[..len]` is valid UTF-8 and `buf[len..]` is all zeros (so that two
    /// inline fragments are equal exactly when their `len` and `buf` are).
    Inline {
        len: u8,
        buf: [u8; INLINE],
    },
    Heap(String),
}

impl Html {
    /// The empty fragment.
    pub const fn empty() -> Html {
        Html(Repr::Inline {
            len: 0,
            buf: [0; INLINE],
        })
    }

    /// Escapes `text` (`& < > " '`) for use as text or as an attribute value.
    ///
    /// ```
    /// use liveview_core::Html;
    /// assert_eq!(Html::escape("<b>\"Tom\" & 'Jerry'</b>").as_str(),
    ///            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;");
    /// ```
    pub fn escape(text: &str) -> Html {
        let extra: usize = text
            .bytes()
            .map(|b| usize::from(EXTRA[usize::from(b)]))
            .sum();
        if extra == 0 {
            return Html::from_escaped_str(text);
        }
        let len = text.len() + extra;
        if len > INLINE {
            let mut out = String::with_capacity(len);
            escape_into(text, &mut out);
            return Html(Repr::Heap(out));
        }
        let mut buf = [0u8; INLINE];
        let mut at = 0;
        let mut put = |piece: &[u8]| {
            buf[at..at + piece.len()].copy_from_slice(piece);
            at += piece.len();
        };
        let bytes = text.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if let Some(r) = replacement(b) {
                put(&bytes[start..i]);
                put(r.as_bytes());
                start = i + 1;
            }
        }
        put(&bytes[start..]);
        // Runs of the text cut only at ASCII bytes, and ASCII entities: valid UTF-8.
        Html(Repr::Inline {
            len: len as u8,
            buf,
        })
    }

    /// Whether this fragment is `text` escaped (`Html::escape(text) == self`),
    /// found without building the escaped text.
    pub(crate) fn is_escape_of(&self, text: &str) -> bool {
        let out = self.as_str().as_bytes();
        let src = text.as_bytes();
        // Runs of bytes that escape to themselves are compared whole.
        let (mut at, mut start) = (0, 0);
        loop {
            let i = next_special(src, start);
            let run = &src[start..i];
            match out.get(at..at + run.len()) {
                Some(o) if o == run => at += run.len(),
                _ => return false,
            }
            let Some(&b) = src.get(i) else {
                return at == out.len();
            };
            let r = replacement(b).unwrap_or_default().as_bytes();
            match out.get(at..at + r.len()) {
                Some(o) if o == r => at += r.len(),
                _ => return false,
            }
            start = i + 1;
        }
    }

    /// Whether this fragment is the decimal text of an integer
    /// (`Html::from_u64(negative, magnitude) == self`), found without writing it.
    #[inline]
    pub(crate) fn is_decimal(&self, negative: bool, magnitude: u64) -> bool {
        let mut digits = self.as_str().as_bytes();
        if negative {
            match digits.split_first() {
                Some((b'-', rest)) => digits = rest,
                _ => return false,
            }
        }
        // Compares the digits from the last one, each against the next lowest
        // digit of the magnitude; all digits and no more must be used up.
        let mut m = magnitude;
        let mut at = digits.len();
        loop {
            let Some(i) = at.checked_sub(1) else {
                return false;
            };
            at = i;
            if digits[at] != b'0' + (m % 10) as u8 {
                return false;
            }
            m /= 10;
            if m == 0 {
                return at == 0;
            }
        }
    }

    /// Trusted HTML, inserted verbatim. Never pass user input here.
    pub fn raw(html: impl Into<String>) -> Html {
        Html(Repr::Heap(html.into()))
    }

    /// The fragment as it goes into the page.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, buf } => {
                let bytes = &buf[..usize::from(*len)];
                debug_assert!(std::str::from_utf8(bytes).is_ok());
                // SAFETY: every constructor of `Repr::Inline` copies whole UTF-8
                // strings (and ASCII entities) into `buf[..len]`.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Heap(s) => s,
        }
    }

    /// Consumes the fragment into its string.
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Inline { .. } => self.as_str().to_owned(),
            Repr::Heap(s) => s,
        }
    }

    /// Appends an already escaped piece (used by renderers that escape into a buffer).
    pub(crate) fn from_escaped(s: String) -> Html {
        Html(Repr::Heap(s))
    }

    /// An already escaped (or trusted) piece, copied; inline when short.
    pub(crate) fn from_escaped_str(s: &str) -> Html {
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            Html(Repr::Inline {
                len: s.len() as u8,
                buf,
            })
        } else {
            Html(Repr::Heap(s.to_owned()))
        }
    }

    /// The decimal digits of a 64-bit integer, written straight into the
    /// inline buffer (the common case of `{number}` in a template).
    #[inline]
    pub(crate) fn from_u64(negative: bool, magnitude: u64) -> Html {
        // Small numbers (indexes, counts) are the common case: compare first.
        let digits = match magnitude {
            0..=9 => 1,
            10..=99 => 2,
            100..=999 => 3,
            1_000..=9_999 => 4,
            m => m.ilog10() as usize + 1,
        };
        let len = digits + usize::from(negative);
        // At most 20 digits and a sign: always inline. Bytes past `len` stay 0.
        let mut buf = [0u8; INLINE];
        write_digits_before(&mut buf, len, magnitude);
        if negative {
            buf[0] = b'-';
        }
        // ASCII digits and sign: valid UTF-8.
        Html(Repr::Inline {
            len: len as u8,
            buf,
        })
    }

    /// The decimal digits of an integer, without any allocation for 64-bit values.
    pub(crate) fn from_int(negative: bool, magnitude: u128) -> Html {
        if let Ok(m) = u64::try_from(magnitude) {
            return Html::from_u64(negative, m);
        }
        // Digits are written backwards into the end of a scratch buffer, two at a time.
        let mut digits = [0u8; 40];
        let mut at = digits.len();
        let mut m = magnitude;
        while m > u128::from(u64::MAX) {
            at -= 1;
            digits[at] = b'0' + (m % 10) as u8;
            m /= 10;
        }
        // 64-bit division from here on: much cheaper than 128-bit.
        at = write_digits_before(&mut digits, at, m as u64);
        if negative {
            at -= 1;
            digits[at] = b'-';
        }
        let len = digits.len() - at;
        if len <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..len].copy_from_slice(&digits[at..]);
            // ASCII digits and sign: valid UTF-8.
            Html(Repr::Inline {
                len: len as u8,
                buf,
            })
        } else {
            Html(Repr::Heap(
                digits[at..].iter().map(|&b| char::from(b)).collect(),
            ))
        }
    }

    /// The `Display` text of a value that never needs escaping (a float), inline when short.
    pub(crate) fn from_display_unescaped(v: &dyn fmt::Display) -> Html {
        let mut w = InlineWriter {
            len: 0,
            buf: [0; INLINE],
            spill: None,
        };
        // Writing to memory cannot fail.
        let _ = fmt::write(&mut w, format_args!("{v}"));
        match w.spill {
            Some(s) => Html(Repr::Heap(s)),
            None => Html(Repr::Inline {
                len: w.len as u8,
                buf: w.buf,
            }),
        }
    }
}

/// A `fmt::Write` that fills an inline buffer, moving to a `String` when it overflows.
struct InlineWriter {
    len: usize,
    buf: [u8; INLINE],
    spill: Option<String>,
}

impl fmt::Write for InlineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(out) = &mut self.spill {
            out.push_str(s);
        } else if self.len + s.len() <= INLINE {
            self.buf[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
        } else {
            let mut out = String::with_capacity(self.len + s.len() + 16);
            // `buf[..len]` holds whole strings written before.
            out.push_str(std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default());
            out.push_str(s);
            self.spill = Some(out);
        }
        Ok(())
    }
}

impl Default for Html {
    fn default() -> Html {
        Html::empty()
    }
}

impl PartialEq for Html {
    /// Compares the text. Two inline fragments (numbers, short labels: most
    /// dynamics) are compared as fixed-size arrays, without a call to `memcmp`.
    #[inline]
    fn eq(&self, other: &Html) -> bool {
        match (&self.0, &other.0) {
            (Repr::Inline { len: a, buf: x }, Repr::Inline { len: b, buf: y }) => {
                // Four overlapping 8-byte words cover the 30 bytes.
                let word = |buf: &[u8; INLINE], at: usize| {
                    u64::from_ne_bytes([
                        buf[at],
                        buf[at + 1],
                        buf[at + 2],
                        buf[at + 3],
                        buf[at + 4],
                        buf[at + 5],
                        buf[at + 6],
                        buf[at + 7],
                    ])
                };
                a == b
                    && word(x, 0) == word(y, 0)
                    && (*a <= 8
                        || (word(x, 8) == word(y, 8)
                            && word(x, 16) == word(y, 16)
                            && word(x, INLINE - 8) == word(y, INLINE - 8)))
            }
            _ => self.as_str() == other.as_str(),
        }
    }
}
impl Eq for Html {}

impl Hash for Html {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::escape_html;
    use proptest::prelude::*;

    fn is_inline(h: &Html) -> bool {
        matches!(h.0, Repr::Inline { .. })
    }

    #[test]
    fn short_fragments_are_inline() {
        assert!(is_inline(&Html::empty()));
        assert!(is_inline(&Html::escape("a<b")));
        assert!(is_inline(&Html::escape(&"x".repeat(INLINE))));
        assert!(!is_inline(&Html::escape(&"x".repeat(INLINE + 1))));
        // Escaping can push a short text over the inline size.
        assert!(!is_inline(&Html::escape(&"<".repeat(8))));
        assert_eq!(Html::escape(&"<".repeat(8)).as_str(), "&lt;".repeat(8));
        assert!(is_inline(&Html::from_int(true, u64::MAX as u128)));
    }

    #[test]
    fn inline_padding_is_zero() {
        // Equality of inline fragments relies on it.
        for h in [
            Html::from_u64(true, 12345),
            Html::escape("a<b"),
            Html::from_escaped_str("xyz"),
            Html::from_display_unescaped(&2.5f32),
            Html::empty(),
        ] {
            let Repr::Inline { len, buf } = &h.0 else {
                panic!("{h:?} is not inline")
            };
            assert!(buf[usize::from(*len)..].iter().all(|&b| b == 0), "{h:?}");
        }
        assert_eq!(Html::from_u64(false, 7), Html::escape("7"));
        assert_ne!(Html::from_u64(false, 7), Html::escape("70"));
        assert_eq!(Html::from_u64(false, 7), Html::raw("7"));
    }

    #[test]
    fn integers() {
        assert_eq!(Html::from_int(false, 0).as_str(), "0");
        assert_eq!(Html::from_int(true, 42).as_str(), "-42");
        assert_eq!(
            Html::from_int(false, u128::MAX).as_str(),
            u128::MAX.to_string()
        );
        assert_eq!(
            Html::from_int(true, 1u128 << 127).as_str(),
            i128::MIN.to_string()
        );
    }

    #[test]
    fn display_values_spill_when_long() {
        assert_eq!(Html::from_display_unescaped(&1.5f64).as_str(), "1.5");
        assert!(is_inline(&Html::from_display_unescaped(&1.5f64)));
        let big = Html::from_display_unescaped(&f64::MAX);
        assert_eq!(big.as_str(), f64::MAX.to_string());
        assert!(!is_inline(&big));
    }

    #[test]
    fn equality_and_hash_ignore_the_storage() {
        use std::collections::hash_map::DefaultHasher;
        let a = Html::escape("same");
        let b = Html::raw("same");
        assert!(is_inline(&a) && !is_inline(&b));
        assert_eq!(a, b);
        let h = |x: &Html| {
            let mut s = DefaultHasher::new();
            x.hash(&mut s);
            s.finish()
        };
        assert_eq!(h(&a), h(&b));
        assert_eq!(Html::default(), Html::raw(""));
        assert_eq!(a.clone().into_string(), "same");
        assert_eq!(format!("{a} {a:?}"), "same \"same\"");
    }

    #[test]
    fn extra_lengths_match_the_replacements() {
        for b in 0..=255u8 {
            let want = replacement(b).map_or(0, |r| r.len() - 1);
            assert_eq!(usize::from(EXTRA[usize::from(b)]), want, "byte {b}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn escape_matches_escape_html(s in "[a-zé<>&\"' →]{0,40}") {
            let (ours, reference) = (Html::escape(&s), escape_html(&s));
            prop_assert_eq!(ours.as_str(), reference.as_ref());
        }

        #[test]
        fn equality_is_text_equality(a in "[ab]{0,31}", b in "[ab]{0,31}") {
            let (x, y) = (Html::escape(&a), Html::escape(&b));
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x == Html::raw(b.clone()), a == b);
        }

        #[test]
        fn escape_comparison_matches_escaping(a in "[a<&\"'é]{0,12}", b in "[a<&\"'é]{0,12}") {
            let h = Html::escape(&a);
            prop_assert!(h.is_escape_of(&a));
            prop_assert_eq!(h.is_escape_of(&b), h == Html::escape(&b));
            prop_assert_eq!(Html::raw(a.clone()).is_escape_of(&b), Html::raw(a.clone()) == Html::escape(&b));
        }

        #[test]
        fn next_special_finds_the_first_special_byte(s in "[ab<&é\"']{0,40}", from in 0usize..41) {
            let from = from.min(s.len());
            let want = s.as_bytes()[from..]
                .iter()
                .position(|&b| replacement(b).is_some())
                .map_or(s.len(), |p| from + p);
            prop_assert_eq!(next_special(s.as_bytes(), from), want);
        }

        #[test]
        fn decimal_comparison_matches_writing(
            v in any::<i64>(),
            w in prop_oneof![any::<i64>(), -1000i64..1000],
            text in "-?[0-9]{0,21}",
        ) {
            let h = Html::from_u64(v < 0, v.unsigned_abs());
            prop_assert!(h.is_decimal(v < 0, v.unsigned_abs()));
            prop_assert_eq!(h.is_decimal(w < 0, w.unsigned_abs()), v == w);
            let t = Html::escape(&text);
            prop_assert_eq!(t.is_decimal(w < 0, w.unsigned_abs()), t == Html::from_u64(w < 0, w.unsigned_abs()));
            prop_assert_eq!(t.is_decimal(false, u64::MAX), text == u64::MAX.to_string());
        }

        #[test]
        fn integers_match_display(v in any::<i64>(), w in any::<u128>()) {
            let (a, b) = (Html::from_int(v < 0, i128::from(v).unsigned_abs()), Html::from_int(false, w));
            prop_assert_eq!(a.as_str(), v.to_string());
            prop_assert_eq!(b.as_str(), w.to_string());
            let c = Html::from_u64(v < 0, v.unsigned_abs());
            prop_assert_eq!(c.as_str(), v.to_string());
            prop_assert_eq!(&c, &Html::escape(&v.to_string()));
        }
    }
}
