//! `application/x-www-form-urlencoded` decoding, with nested names.

/// Decodes a urlencoded string into (name, value) pairs, in order.
pub fn parse_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
}
