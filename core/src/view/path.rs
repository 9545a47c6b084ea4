//! Path patterns (`/users/:id`, `/files/*rest`) and their parameters.

use super::Params;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest(String),
}

/// A parsed route pattern: literal segments, `:name` parameters and a final `*rest`.
///
/// ```
/// use liveview_core::view::PathPattern;
/// let p = PathPattern::parse("/users/:id").unwrap();
/// assert_eq!(p.matches("/users/42").unwrap().get("id"), Some("42"));
/// assert!(p.matches("/posts/42").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PathPattern {
    source: String,
    segments: Vec<Segment>,
}

impl PathPattern {
    /// Parses a pattern, or says why it is invalid (no leading `/`,
    /// query/fragment, unnamed or repeated parameter, `*rest` not last).
    pub fn parse(pattern: &str) -> Result<PathPattern, RouteError> {
        Ok(PathPattern {
            source: pattern.to_owned(),
            segments: parse_pattern(pattern)?,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The path parameters when `path` (without query) matches.
    pub fn matches(&self, path: &str) -> Option<Params> {
        let mut params = Params::default();
        let mut parts = path.split('/').filter(|s| !s.is_empty());
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Literal(lit) => {
                    if percent_decode(parts.next()?) != *lit {
                        return None;
                    }
                }
                Segment::Param(name) => params.insert(name.clone(), percent_decode(parts.next()?)),
                Segment::Rest(name) => {
                    debug_assert_eq!(i, self.segments.len() - 1);
                    let rest: Vec<String> = parts.by_ref().map(percent_decode).collect();
                    params.insert(name.clone(), rest.join("/"));
                }
            }
        }
        if parts.next().is_some() {
            return None;
        }
        Some(params)
    }
}

/// Why a pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteError(pub String);

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid route pattern: {}", self.0)
    }
}
impl std::error::Error for RouteError {}

fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, RouteError> {
    if !pattern.starts_with('/') {
        return Err(RouteError(format!("{pattern:?} must start with '/'")));
    }
    if pattern.contains(['?', '#']) {
        return Err(RouteError(format!(
            "{pattern:?} must be a path without query or fragment"
        )));
    }
    let raw: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let mut segments = Vec::with_capacity(raw.len());
    for (i, s) in raw.iter().enumerate() {
        let seg = if let Some(name) = s.strip_prefix(':') {
            Segment::Param(name.to_owned())
        } else if let Some(name) = s.strip_prefix('*') {
            if i + 1 != raw.len() {
                return Err(RouteError(format!(
                    "{pattern:?}: '*{name}' must be the last segment"
                )));
            }
            Segment::Rest(name.to_owned())
        } else {
            Segment::Literal(percent_decode(s))
        };
        if let Segment::Param(n) | Segment::Rest(n) = &seg {
            if n.is_empty() {
                return Err(RouteError(format!("{pattern:?}: a parameter needs a name")));
            }
            if segments
                .iter()
                .any(|o| matches!(o, Segment::Param(m) | Segment::Rest(m) if m == n))
            {
                return Err(RouteError(format!(
                    "{pattern:?}: parameter {n:?} appears twice"
                )));
            }
        }
        segments.push(seg);
    }
    Ok(segments)
}

/// Decodes `%XX` escapes; invalid escapes and invalid UTF-8 are kept as they are.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "%ff");
    }
}
