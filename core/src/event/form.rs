//! `application/x-www-form-urlencoded` decoding, with nested names.
//!
//! Field names follow the Rails/Plug convention the Phoenix server uses
//! (`Plug.Conn.Query.decode`):
//!
//! | name | decodes to |
//! | --- | --- |
//! | `name=x` | `{"name": "x"}` |
//! | `user[name]=x` | `{"user": {"name": "x"}}` |
//! | `user[tags][]=a&user[tags][]=b` | `{"user": {"tags": ["a", "b"]}}` |
//! | `users[][name]=a&users[][age]=1&users[][name]=b` | `{"users": [{"name": "a", "age": "1"}, {"name": "b"}]}` |
//!
//! * A repeated plain name keeps the **last** value (`a=1&a=2` → `"2"`); use
//!   `a[]` for lists.
//! * When two fields disagree on the shape (`a=1&a[b]=2`), the later one wins.
//! * A name whose brackets are malformed (`a[b`, `a[b]c`, `[a]`) is kept as one flat key.
//! * Values are percent-decoded and `+` is a space.
//!
//! Bounds (inputs come from the network): at most [`MAX_FORM_BYTES`] bytes,
//! [`MAX_FORM_FIELDS`] fields and [`MAX_DEPTH`] name segments; beyond them
//! decoding fails with a [`FormError`] instead of allocating without limit.
//!
//! ```
//! use liveview_core::event::form::decode_nested;
//! use serde_json::json;
//! let v = decode_nested("user%5Bname%5D=Grace+Hopper&user[tags][]=a&user[tags][]=b").unwrap();
//! assert_eq!(serde_json::Value::Object(v), json!({"user": {"name": "Grace Hopper", "tags": ["a", "b"]}}));
//! ```

use serde_json::{Map, Value};
use std::fmt;

/// Largest urlencoded form accepted by [`decode_nested`], in bytes.
pub const MAX_FORM_BYTES: usize = 1 << 20;
/// Most `name=value` pairs accepted by [`decode_nested`].
pub const MAX_FORM_FIELDS: usize = 10_000;
/// Most segments in one field name (`a[b][c]` has three).
pub const MAX_DEPTH: usize = 32;

/// Why a form could not be decoded. The message never repeats field values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError(pub String);

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for FormError {}

/// Decodes a urlencoded string into (name, value) pairs, in order.
pub fn parse_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// Splits a field name into its path: `user[tags][]` → `["user", "tags", ""]`
/// (an empty segment means "append to a list").
///
/// A malformed name is one flat segment. Fails when the name has more than
/// [`MAX_DEPTH`] segments.
///
/// ```
/// use liveview_core::event::form::split_name;
/// assert_eq!(split_name("user[tags][]").unwrap(), vec!["user", "tags", ""]);
/// assert_eq!(split_name("a[b").unwrap(), vec!["a[b"]);
/// ```
pub fn split_name(name: &str) -> Result<Vec<&str>, FormError> {
    let Some(open) = name.find('[') else {
        return Ok(vec![name]);
    };
    if open == 0 {
        return Ok(vec![name]);
    }
    let mut segments = vec![&name[..open]];
    let mut rest = &name[open..];
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return Ok(vec![name]);
        };
        let Some(close) = inner.find(']') else {
            return Ok(vec![name]);
        };
        let segment = &inner[..close];
        if segment.contains('[') {
            return Ok(vec![name]);
        }
        segments.push(segment);
        if segments.len() > MAX_DEPTH {
            return Err(FormError(format!(
                "a field name is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        rest = &inner[close + 1..];
    }
    Ok(segments)
}

/// Decodes a urlencoded form into nested maps and lists (see the module docs).
pub fn decode_nested(query: &str) -> Result<Map<String, Value>, FormError> {
    if query.len() > MAX_FORM_BYTES {
        return Err(FormError(format!(
            "the form is {} bytes long, more than the limit of {MAX_FORM_BYTES}",
            query.len()
        )));
    }
    let mut root = Map::new();
    for (count, (name, value)) in form_urlencoded::parse(query.as_bytes()).enumerate() {
        if count >= MAX_FORM_FIELDS {
            return Err(FormError(format!(
                "the form has more than {MAX_FORM_FIELDS} fields"
            )));
        }
        let path = split_name(&name)?;
        insert(&mut root, &path, value.into_owned());
    }
    Ok(root)
}

/// Inserts `value` at `path` (as returned by [`split_name`]) in a decoded form.
pub fn insert(root: &mut Map<String, Value>, path: &[&str], value: String) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let slot = root.entry(*first).or_insert(Value::Null);
    assign(slot, rest, value);
}

fn assign(node: &mut Value, path: &[&str], value: String) {
    match path.split_first() {
        None => *node = Value::String(value),
        Some((&"", rest)) => {
            if !node.is_array() {
                *node = Value::Array(Vec::new());
            }
            let Value::Array(items) = node else { return };
            match rest.first() {
                None => items.push(Value::String(value)),
                Some(next) => {
                    // `a[][b]=1&a[][c]=2&a[][b]=3` → [{b:1, c:2}, {b:3}]: keep filling the
                    // last map until a name repeats.
                    let reuse = matches!(items.last(), Some(Value::Object(m)) if !next.is_empty() && !m.contains_key(*next));
                    if !reuse {
                        items.push(Value::Null);
                    }
                    if let Some(last) = items.last_mut() {
                        assign(last, rest, value);
                    }
                }
            }
        }
        Some((key, rest)) => {
            if !node.is_object() {
                *node = Value::Object(Map::new());
            }
            let Value::Object(map) = node else { return };
            let slot = map.entry(*key).or_insert(Value::Null);
            assign(slot, rest, value);
        }
    }
}

/// Phoenix's `used_input?`: whether the user has touched `field` of a
/// submitted form (`params` is the form's map, e.g. `user` of
/// `user[name]=…`). The client sends an untouched field with a companion
/// `_unused_<field>` (empty) so that a view shows errors only on the fields
/// the user has interacted with; a field missing from the params is unused
/// too.
///
/// ```
/// use liveview_core::event::form::{decode_nested, used_input};
/// let form = decode_nested("f[name]=&f[_unused_name]=&f[age]=3").unwrap();
/// let f = form["f"].as_object().unwrap();
/// assert!(!used_input(f, "name"));
/// assert!(used_input(f, "age"));
/// assert!(!used_input(f, "email"));
/// ```
pub fn used_input(params: &Map<String, Value>, field: &str) -> bool {
    params.contains_key(field) && !params.contains_key(&format!("_unused_{field}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(q: &str) -> Value {
        Value::Object(decode_nested(q).unwrap())
    }

    #[test]
    fn flat_and_nested_names() {
        assert_eq!(d("a=1&b=2"), json!({"a": "1", "b": "2"}));
        assert_eq!(
            d("user%5Bname%5D=Grace"),
            json!({"user": {"name": "Grace"}})
        );
        assert_eq!(
            d("user[name]=x&user[tags][]=a&user[tags][]=b"),
            json!({"user": {"name": "x", "tags": ["a", "b"]}})
        );
        assert_eq!(
            d("a[b][c][d]=deep"),
            json!({"a": {"b": {"c": {"d": "deep"}}}})
        );
    }

    #[test]
    fn empty_input_and_empty_values() {
        assert_eq!(d(""), json!({}));
        assert_eq!(d("a="), json!({"a": ""}));
        assert_eq!(d("a"), json!({"a": ""}));
        assert_eq!(d("&&a=1&&"), json!({"a": "1"}));
    }

    #[test]
    fn percent_decoding_and_plus() {
        assert_eq!(d("q=a+b%20c%2Bd%26e%3Df"), json!({"q": "a b c+d&e=f"}));
        assert_eq!(d("n%C3%A4me=%E2%9C%93"), json!({"näme": "✓"}));
        // Invalid escapes are kept literally, invalid UTF-8 is replaced, never an error.
        assert_eq!(d("a=%zz%4"), json!({"a": "%zz%4"}));
        assert_eq!(d("a=%FF"), json!({"a": "\u{FFFD}"}));
    }

    #[test]
    fn repeated_keys_last_wins_lists_append() {
        assert_eq!(d("a=1&a=2"), json!({"a": "2"}));
        assert_eq!(d("a[]=1&a[]=2&a[]=1"), json!({"a": ["1", "2", "1"]}));
        assert_eq!(d("a[x]=1&a[x]=2"), json!({"a": {"x": "2"}}));
    }

    #[test]
    fn lists_of_maps() {
        assert_eq!(
            d("u[][name]=a&u[][age]=1&u[][name]=b"),
            json!({"u": [{"name": "a", "age": "1"}, {"name": "b"}]})
        );
        assert_eq!(d("m[][]=a&m[][]=b"), json!({"m": [["a"], ["b"]]}));
    }

    #[test]
    fn shape_conflicts_later_wins() {
        assert_eq!(d("a=1&a[b]=2"), json!({"a": {"b": "2"}}));
        assert_eq!(d("a[b]=2&a=1"), json!({"a": "1"}));
        assert_eq!(d("a[]=1&a[b]=2"), json!({"a": {"b": "2"}}));
        assert_eq!(d("a[b]=1&a[]=2"), json!({"a": ["2"]}));
    }

    #[test]
    fn malformed_names_are_flat() {
        assert_eq!(d("a[b=1"), json!({"a[b": "1"}));
        assert_eq!(d("a[b]c=1"), json!({"a[b]c": "1"}));
        assert_eq!(d("[a]=1"), json!({"[a]": "1"}));
        assert_eq!(d("a[b[c]]=1"), json!({"a[b[c]]": "1"}));
        assert_eq!(d("a]=1"), json!({"a]": "1"}));
    }

    #[test]
    fn unused_and_csrf_fields_are_kept() {
        assert_eq!(
            d("_csrf_token=abc&user[_unused_name]=&user[name]=&_unused_note=&note=2"),
            json!({"_csrf_token": "abc", "user": {"_unused_name": "", "name": ""}, "_unused_note": "", "note": "2"})
        );
    }

    #[test]
    fn depth_is_bounded() {
        let ok = format!("a{}=1", "[x]".repeat(MAX_DEPTH - 1));
        assert!(decode_nested(&ok).is_ok());
        let deep = format!("a{}=1", "[x]".repeat(MAX_DEPTH));
        let err = decode_nested(&deep).unwrap_err();
        assert!(err.0.contains("deeper than 32"), "{err}");
        let very_deep = format!("a{}=1", "[]".repeat(100_000));
        assert!(decode_nested(&very_deep).is_err());
    }

    #[test]
    fn size_and_field_count_are_bounded() {
        let long = format!("a={}", "x".repeat(MAX_FORM_BYTES));
        let err = decode_nested(&long).unwrap_err();
        assert!(err.0.contains("bytes long"), "{err}");
        assert!(!err.0.contains("xxx"));
        let many = "a[]=1&".repeat(MAX_FORM_FIELDS + 1);
        let err = decode_nested(&many).unwrap_err();
        assert!(err.0.contains("more than 10000 fields"), "{err}");
        let exactly = "a[]=1&".repeat(MAX_FORM_FIELDS);
        assert_eq!(
            decode_nested(&exactly).unwrap()["a"]
                .as_array()
                .unwrap()
                .len(),
            MAX_FORM_FIELDS
        );
    }

    #[test]
    fn split_name_cases() {
        assert_eq!(split_name("a").unwrap(), vec!["a"]);
        assert_eq!(split_name("a[]").unwrap(), vec!["a", ""]);
        assert_eq!(split_name("a[b][]").unwrap(), vec!["a", "b", ""]);
        assert_eq!(split_name("").unwrap(), vec![""]);
        assert_eq!(split_name("undefined").unwrap(), vec!["undefined"]);
    }
}
