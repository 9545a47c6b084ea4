//! Minimal JSON writing straight into a `String`: string escaping and values.

use serde_json::Value;

/// What a byte turns into inside a JSON string: 0 = itself, `b'u'` = `\u00XX`,
/// anything else = a two-character escape `\<that byte>`.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` as a quoted JSON string.
///
/// `"` and `\` are backslash-escaped, control characters (U+0000–U+001F) use
/// their short form (`\n`, `\t`, …) or `\u00XX`; everything else, including
/// non-ASCII text, is copied unchanged (JSON is UTF-8).
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc = ESCAPE[b as usize];
        if esc == 0 {
            continue;
        }
        // Every escaped byte is ASCII, so `i` is a char boundary.
        out.push_str(&s[start..i]);
        out.push('\\');
        if esc == b'u' {
            out.push_str("u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push(esc as char);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends a JSON value (compact).
pub(crate) fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, x);
            }
            out.push('}');
        }
    }
}

/// `"0":` … `"9":`, four bytes each.
const SMALL_KEYS: &str = r#""0":"1":"2":"3":"4":"5":"6":"7":"8":"9":"#;

/// `00` … `99`, two bytes each.
const DIGIT_PAIRS: &str = concat!(
    "00010203040506070809",
    "10111213141516171819",
    "20212223242526272829",
    "30313233343536373839",
    "40414243444546474849",
    "50515253545556575859",
    "60616263646566676869",
    "70717273747576777879",
    "80818283848586878889",
    "90919293949596979899",
);

/// Appends a non-negative integer.
pub(crate) fn write_usize(out: &mut String, n: usize) {
    if n < 100 {
        let s = if n < 10 {
            &DIGIT_PAIRS[2 * n + 1..2 * n + 2]
        } else {
            &DIGIT_PAIRS[2 * n..2 * n + 2]
        };
        out.push_str(s);
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    while n >= 100 {
        let pair = 2 * (n % 100);
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS.as_bytes()[pair..pair + 2]);
    }
    if n >= 10 {
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS.as_bytes()[2 * n..2 * n + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Appends `"n":` (an object key that is an index).
pub(crate) fn write_index_key(out: &mut String, n: usize) {
    if n < 10 {
        out.push_str(&SMALL_KEYS[4 * n..4 * n + 4]);
        return;
    }
    out.push('"');
    write_usize(out, n);
    out.push_str("\":");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> String {
        let mut out = String::new();
        write_str(&mut out, x);
        out
    }

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        assert_eq!(s(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(s("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(s("\u{0}\u{1f}\u{7f}"), "\"\\u0000\\u001f\u{7f}\"");
    }

    #[test]
    fn passes_non_ascii_through() {
        assert_eq!(s("héllo → 😀 \u{2028}"), "\"héllo → 😀 \u{2028}\"");
    }

    #[test]
    fn round_trips_through_serde_json() {
        let all: String = (0u32..0x300)
            .filter_map(char::from_u32)
            .chain("😀\u{2029}".chars())
            .collect();
        let back: String = serde_json::from_str(&s(&all)).unwrap();
        assert_eq!(back, all);
    }

    #[test]
    fn writes_values_and_integers() {
        let v = serde_json::json!({"a": [1, -2.5, null, true, "x\"y"], "b": {}});
        let mut out = String::new();
        write_value(&mut out, &v);
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), v);
        let mut out = String::new();
        for n in (0..12_000).chain([99_999, 100_000, 1 << 40, usize::MAX - 1, usize::MAX]) {
            out.clear();
            write_usize(&mut out, n);
            assert_eq!(out, n.to_string());
            out.clear();
            write_index_key(&mut out, n);
            assert_eq!(out, format!("\"{n}\":"));
        }
    }
}
