//! URLs, params, sessions and flash.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A URL as the view sees it: path and query (scheme and host are dropped).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Url {
    path: String,
    query: String,
}

/// Why a string is not a usable URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlError(pub String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URL: {}", self.0)
    }
}
impl std::error::Error for UrlError {}

impl Url {
    /// Parses an absolute URL (`http://host:port/path?query#frag`) or an
    /// absolute path (`/path?query`).
    ///
    /// ```
    /// use liveview_core::Url;
    /// let u = Url::parse("http://localhost:4000/nav?page=2#top").unwrap();
    /// assert_eq!(u.path(), "/nav");
    /// assert_eq!(u.query(), "page=2");
    /// assert_eq!(u.to_string(), "/nav?page=2");
    /// ```
    pub fn parse(s: &str) -> Result<Url, UrlError> {
        let rest = if let Some(after_scheme) = s
            .strip_prefix("http://")
            .or_else(|| s.strip_prefix("https://"))
        {
            match after_scheme.find('/') {
                Some(i) => &after_scheme[i..],
                None => "/",
            }
        } else if s.starts_with('/') && !s.starts_with("//") {
            s
        } else {
            return Err(UrlError(s.chars().take(200).collect()));
        };
        let rest = rest.split('#').next().unwrap_or("");
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, q),
            None => (rest, ""),
        };
        Ok(Url {
            path: path.to_owned(),
            query: query.to_owned(),
        })
    }

    /// The path, always starting with `/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string, without `?`.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The decoded query parameters (the last value wins for repeated names).
    pub fn query_params(&self) -> Params {
        let mut p = Params::default();
        for (k, v) in crate::event::form::parse_pairs(&self.query) {
            p.insert(k, v);
        }
        p
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.query.is_empty() {
            f.write_str(&self.path)
        } else {
            write!(f, "{}?{}", self.path, self.query)
        }
    }
}

/// Query and path parameters, as strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A parameter parsed into `T`; `None` when missing or unparsable.
    ///
    /// ```
    /// use liveview_core::Params;
    /// let p: Params = [("n", "10")].into_iter().collect();
    /// assert_eq!(p.parse::<usize>("n"), Some(10));
    /// assert_eq!(p.parse::<usize>("m"), None);
    /// ```
    pub fn parse<T: FromStr>(&self, name: &str) -> Option<T> {
        self.get(name).and_then(|v| v.parse().ok())
    }

    /// Sets a parameter.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    /// Iterates over the parameters in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Params {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Params {
        Params(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// The session a page was rendered with: signed into the page, verified on join.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Session(BTreeMap<String, Value>);

impl Session {
    /// A session value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Sets a session value.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        self.0.insert(key.into(), value);
    }

    /// Iterates over the session's entries.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Flash messages by kind (`info`, `error`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Flash(BTreeMap<String, String>);

impl Flash {
    /// The message of one kind.
    pub fn get(&self, kind: &str) -> Option<&str> {
        self.0.get(kind).map(String::as_str)
    }

    /// Sets the message of one kind.
    pub fn put(&mut self, kind: impl Into<String>, message: impl Into<String>) {
        self.0.insert(kind.into(), message.into());
    }

    /// Clears one kind, or every kind with `None`.
    pub fn clear(&mut self, kind: Option<&str>) {
        match kind {
            Some(k) => {
                self.0.remove(k);
            }
            None => self.0.clear(),
        }
    }

    /// Whether there is no message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over (kind, message).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
