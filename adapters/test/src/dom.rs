//! Reading the rendered HTML the way the official client does: finding
//! elements, their `phx-*` bindings, and the values the client would send.

use crate::TestError;
use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};

/// Parses a CSS selector, with a clear error.
pub(crate) fn selector(sel: &str) -> Result<Selector, TestError> {
    Selector::parse(sel).map_err(|e| TestError::BadSelector {
        selector: sel.to_owned(),
        reason: e.to_string(),
    })
}

/// Parses the view's HTML.
pub(crate) fn parse(html: &str) -> Html {
    Html::parse_fragment(html)
}

/// The one element `sel` matches in `doc`.
pub(crate) fn one<'a>(doc: &'a Html, sel: &str, html: &str) -> Result<ElementRef<'a>, TestError> {
    let s = selector(sel)?;
    let mut it = doc.select(&s);
    let first = it.next().ok_or_else(|| TestError::NoMatch {
        selector: sel.to_owned(),
        html: html.to_owned(),
    })?;
    let rest = it.count();
    if rest > 0 {
        return Err(TestError::ManyMatches {
            selector: sel.to_owned(),
            count: rest + 1,
            html: html.to_owned(),
        });
    }
    Ok(first)
}

/// Every element `sel` matches.
pub(crate) fn all<'a>(doc: &'a Html, sel: &str) -> Result<Vec<ElementRef<'a>>, TestError> {
    let s = selector(sel)?;
    Ok(doc.select(&s).collect())
}

/// One event a binding asks the client to push.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Push {
    /// The event name.
    pub event: String,
    /// JS.push `value`, merged over the element's values.
    pub value: Map<String, Value>,
    /// JS.push `target`.
    pub target: Option<String>,
}

/// Reads a binding attribute: a plain event name or a JS command list
/// (`[["push",{"event":"inc","value":{…}}], …]`). Returns the pushes it makes.
pub(crate) fn binding(el: &ElementRef<'_>, attr: &str, sel: &str) -> Result<Vec<Push>, TestError> {
    let raw = el.attr(attr).ok_or_else(|| TestError::NoBinding {
        selector: sel.to_owned(),
        attr: attr.to_owned(),
        element: snippet(&el.html()),
    })?;
    let trimmed = raw.trim();
    if !trimmed.starts_with('[') {
        return Ok(vec![Push {
            event: raw.to_owned(),
            value: Map::new(),
            target: None,
        }]);
    }
    let bad = |why: &str| TestError::BadBinding {
        selector: sel.to_owned(),
        attr: attr.to_owned(),
        value: raw.to_owned(),
        reason: why.to_owned(),
    };
    let ops: Value =
        serde_json::from_str(trimmed).map_err(|e| bad(&format!("not a JS command list: {e}")))?;
    let ops = ops.as_array().ok_or_else(|| bad("not a JSON array"))?;
    let mut pushes = Vec::new();
    for op in ops {
        let pair = op
            .as_array()
            .filter(|a| a.len() == 2)
            .ok_or_else(|| bad("an operation is not [kind, args]"))?;
        if pair[0].as_str() != Some("push") {
            continue; // client-side only commands (show, hide, toggle, ...)
        }
        let args = pair[1]
            .as_object()
            .ok_or_else(|| bad("push arguments are not an object"))?;
        let event = args
            .get("event")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("push without an event name"))?;
        let value = match args.get("value") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(bad("push value is not an object")),
        };
        let target = args
            .get("target")
            .and_then(Value::as_str)
            .map(str::to_owned);
        pushes.push(Push {
            event: event.to_owned(),
            value,
            target,
        });
    }
    if pushes.is_empty() {
        return Err(bad(
            "the JS command has no push: it only acts in the browser",
        ));
    }
    Ok(pushes)
}

/// The element's `phx-value-*` attributes.
pub(crate) fn phx_values(el: &ElementRef<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    for (name, value) in el.value().attrs() {
        if let Some(key) = name.strip_prefix("phx-value-") {
            m.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    }
    m
}

/// The value map the client builds for a click/key/focus event on `el`
/// (view.ts `extractMeta`): `phx-value-*`, then `value` when the element has
/// a value property.
pub(crate) fn event_meta(el: &ElementRef<'_>) -> Map<String, Value> {
    let mut m = phx_values(el);
    match element_value(el) {
        ElementValue::None => {}
        ElementValue::Removed => {
            m.remove("value");
        }
        ElementValue::Is(v) => {
            m.insert("value".to_owned(), v);
        }
    }
    m
}

enum ElementValue {
    /// No `value` property.
    None,
    /// An unchecked checkbox or radio: `value` is deleted.
    Removed,
    Is(Value),
}

fn element_value(el: &ElementRef<'_>) -> ElementValue {
    let attr = |n: &str| el.attr(n).map(str::to_owned);
    let s = |v: Option<String>| ElementValue::Is(Value::String(v.unwrap_or_default()));
    match el.value().name() {
        "button" | "output" | "param" | "data" => s(attr("value")),
        "input" => {
            let ty = el.attr("type").unwrap_or("text").to_ascii_lowercase();
            if ty == "checkbox" || ty == "radio" {
                if el.attr("checked").is_some() {
                    s(attr("value").or_else(|| Some("on".into())))
                } else {
                    ElementValue::Removed
                }
            } else {
                s(attr("value"))
            }
        }
        "textarea" => ElementValue::Is(Value::String(el.text().collect())),
        "option" => s(attr("value").or_else(|| Some(el.text().collect()))),
        "select" => s(select_values(el).into_iter().next()),
        "li" => {
            let n = el
                .attr("value")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(0);
            ElementValue::Is(Value::from(n))
        }
        "progress" | "meter" => {
            let n = el
                .attr("value")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(0.0);
            ElementValue::Is(
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .unwrap_or(Value::from(0)),
            )
        }
        _ => ElementValue::None,
    }
}

/// The selected values of a `<select>` (the first option when none is selected
/// and it is not `multiple`).
fn select_values(el: &ElementRef<'_>) -> Vec<String> {
    let options: Vec<ElementRef<'_>> = el
        .descendent_elements()
        .filter(|e| e.value().name() == "option")
        .collect();
    let value = |o: &ElementRef<'_>| {
        o.attr("value")
            .map(str::to_owned)
            .unwrap_or_else(|| o.text().collect())
    };
    let selected: Vec<String> = options
        .iter()
        .filter(|o| o.attr("selected").is_some())
        .map(value)
        .collect();
    if !selected.is_empty() || el.attr("multiple").is_some() {
        return selected;
    }
    options.first().map(value).into_iter().collect()
}

/// The form's current (name, value) pairs in document order, like the
/// browser's `FormData` without a submitter: enabled named controls; file,
/// submit, reset, button and image inputs left out; unchecked checkboxes and
/// radios left out.
pub(crate) fn form_pairs(form: &ElementRef<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for el in form.descendent_elements() {
        let tag = el.value().name();
        if !matches!(tag, "input" | "select" | "textarea") || el.attr("disabled").is_some() {
            continue;
        }
        let Some(name) = el.attr("name").filter(|n| !n.is_empty()) else {
            continue;
        };
        match tag {
            "input" => {
                let ty = el.attr("type").unwrap_or("text").to_ascii_lowercase();
                match ty.as_str() {
                    "file" | "submit" | "reset" | "button" | "image" => {}
                    "checkbox" | "radio" => {
                        if el.attr("checked").is_some() {
                            out.push((
                                name.to_owned(),
                                el.attr("value").unwrap_or("on").to_owned(),
                            ));
                        }
                    }
                    _ => out.push((name.to_owned(), el.attr("value").unwrap_or("").to_owned())),
                }
            }
            "select" => {
                for v in select_values(&el) {
                    out.push((name.to_owned(), v));
                }
            }
            _ => out.push((name.to_owned(), el.text().collect())),
        }
    }
    out
}

/// The names of every control of the form (including unchecked ones), for
/// checking that a test fills fields that exist.
pub(crate) fn form_field_names(form: &ElementRef<'_>) -> Vec<String> {
    let mut names: Vec<String> = form
        .descendent_elements()
        .filter(|e| matches!(e.value().name(), "input" | "select" | "textarea" | "button"))
        .filter(|e| e.attr("disabled").is_none())
        .filter_map(|e| e.attr("name").map(str::to_owned))
        .filter(|n| !n.is_empty())
        .collect();
    let mut unique = Vec::new();
    for n in names.drain(..) {
        if !unique.contains(&n) {
            unique.push(n);
        }
    }
    unique
}

/// Replaces the values of the given names: every existing pair of a given name
/// is removed and the given pairs take the place of the first one (or are
/// appended when the form has none of that name).
pub(crate) fn merge_fields(
    mut current: Vec<(String, String)>,
    fields: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut names: Vec<&str> = Vec::new();
    for (n, _) in fields {
        if !names.contains(n) {
            names.push(n);
        }
    }
    for name in names {
        let given: Vec<(String, String)> = fields
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        match current.iter().position(|(n, _)| n == name) {
            Some(at) => {
                current.retain(|(n, _)| n != name);
                let at = at.min(current.len());
                for (i, pair) in given.into_iter().enumerate() {
                    current.insert(at + i, pair);
                }
            }
            None => current.extend(given),
        }
    }
    current
}

/// The client's `_unused_` name for `name`: the prefix goes before the
/// last segment (`user[email]` → `user[_unused_email]`, `tags[]` →
/// `_unused_tags[]`).
pub(crate) fn unused_name(name: &str) -> String {
    let (base, list) = match name.strip_suffix("[]") {
        Some(base) => (base, "[]"),
        None => (name, ""),
    };
    let (head, last) = match base
        .strip_suffix(']')
        .and_then(|b| b.rfind('[').map(|i| (b, i)))
    {
        Some((b, i)) => (&b[..=i], format!("_unused_{}]", &b[i + 1..])),
        None => ("", format!("_unused_{base}")),
    };
    format!("{head}{last}{list}")
}

/// The form's pairs with the client's `_unused_` markers: before each
/// value of a name that no control of that name has been used for (typed
/// into or submitted: `used`), that is not only hidden inputs and whose
/// controls do not opt out with `phx-no-unused-field`, an empty
/// `_unused_<name>` (none at all when the form has `phx-no-unused-field`).
pub(crate) fn with_unused_markers(
    form: &ElementRef<'_>,
    pairs: Vec<(String, String)>,
    used: &std::collections::BTreeSet<String>,
) -> Vec<(String, String)> {
    if form.attr("phx-no-unused-field").is_some() {
        return pairs;
    }
    // name → (every control unused, every control hidden)
    let mut names: std::collections::HashMap<&str, (bool, bool)> = Default::default();
    for el in form.descendent_elements() {
        if !matches!(el.value().name(), "input" | "select" | "textarea") {
            continue;
        }
        let Some(name) = el.attr("name").filter(|n| !n.is_empty()) else {
            continue;
        };
        let hidden = el.value().name() == "input"
            && el
                .attr("type")
                .is_some_and(|t| t.eq_ignore_ascii_case("hidden"));
        let unused = !used.contains(name) && el.attr("phx-no-unused-field").is_none();
        let entry = names.entry(name).or_insert((true, true));
        entry.0 &= unused;
        entry.1 &= hidden;
    }
    let mut out = Vec::with_capacity(pairs.len() * 2);
    for (name, value) in pairs {
        if let Some((true, false)) = names.get(name.as_str()) {
            out.push((unused_name(&name), String::new()));
        }
        out.push((name, value));
    }
    out
}

/// `application/x-www-form-urlencoded`, like `URLSearchParams`.
pub(crate) fn urlencode(pairs: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The component id a `phx-target` points at: a number, or a selector whose
/// match's closest `[data-phx-component]` gives it.
pub(crate) fn target_cid(
    doc: &Html,
    target: Option<&str>,
    html: &str,
) -> Result<Option<u64>, TestError> {
    let Some(t) = target.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(n) = t.parse::<u64>() {
        return Ok(Some(n));
    }
    let el = one(doc, t, html)?;
    let mut node = Some(el);
    while let Some(e) = node {
        if let Some(c) = e.attr("data-phx-component") {
            return c.trim().parse::<u64>().map(Some).map_err(|_| {
                TestError::Other(format!(
                    "phx-target {t:?}: data-phx-component {c:?} is not a number"
                ))
            });
        }
        node = e.parent().and_then(ElementRef::wrap);
    }
    Err(TestError::Other(format!(
        "phx-target {t:?} matches an element that is not inside a component (no data-phx-component)"
    )))
}

/// The id of the child view `el` is in: the closest container (itself
/// included) with `data-phx-session`. `None` for the page's view.
pub(crate) fn owner_view(el: &ElementRef<'_>) -> Option<String> {
    let mut node = Some(*el);
    while let Some(e) = node {
        if e.attr("data-phx-session").is_some() {
            return e.attr("id").map(str::to_owned);
        }
        node = e.parent().and_then(ElementRef::wrap);
    }
    None
}

/// The text of an element, whitespace as in the HTML.
pub(crate) fn text(el: &ElementRef<'_>) -> String {
    el.text().collect()
}

/// At most ~1500 characters of HTML, for error messages.
pub(crate) fn snippet(html: &str) -> String {
    const MAX: usize = 1500;
    if html.len() <= MAX {
        return html.to_owned();
    }
    let mut end = MAX;
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} more bytes)", &html[..end], html.len() - end)
}

#[cfg(test)]
mod unused_tests {
    use super::*;

    #[test]
    fn unused_names_and_markers() {
        assert_eq!(unused_name("a"), "_unused_a");
        assert_eq!(unused_name("user[email]"), "user[_unused_email]");
        assert_eq!(unused_name("tags[]"), "_unused_tags[]");
        assert_eq!(unused_name("u[roles][]"), "u[_unused_roles][]");
        let html = r#"<form><input name="a" value="1"><input name="b" value="2"><input type="hidden" name="h" value="3"><input name="c" phx-no-unused-field value="4"></form>"#;
        let doc = parse(html);
        let form = one(&doc, "form", html).unwrap();
        let used = ["b".to_owned()].into_iter().collect();
        let pairs = with_unused_markers(&form, form_pairs(&form), &used);
        assert_eq!(urlencode(&pairs), "_unused_a=&a=1&b=2&h=3&c=4");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first<'a>(doc: &'a Html, sel: &str) -> ElementRef<'a> {
        one(doc, sel, "").unwrap()
    }

    #[test]
    fn click_values_follow_the_client() {
        let doc = parse(
            r#"<button id="b" phx-click="inc" phx-value-step="2">+</button>
               <li id="l" phx-click="a" phx-value-id="7">x</li>
               <div id="d" phx-click="b">x</div>
               <input id="c" type="checkbox" phx-click="c" checked>
               <input id="u" type="checkbox" phx-click="c" phx-value-value="x">"#,
        );
        assert_eq!(
            Value::Object(event_meta(&first(&doc, "#b"))),
            json!({"step": "2", "value": ""})
        );
        assert_eq!(
            Value::Object(event_meta(&first(&doc, "#l"))),
            json!({"id": "7", "value": 0})
        );
        assert_eq!(Value::Object(event_meta(&first(&doc, "#d"))), json!({}));
        assert_eq!(
            Value::Object(event_meta(&first(&doc, "#c"))),
            json!({"value": "on"})
        );
        assert_eq!(Value::Object(event_meta(&first(&doc, "#u"))), json!({}));
    }

    #[test]
    fn js_commands_are_read() {
        let doc = parse(
            r##"<button id="a" phx-click='[["push",{"event":"inc","value":{"by":3}}],["toggle",{"to":"#x"}]]'>a</button>
               <button id="b" phx-click='[["toggle",{"to":"#x"}]]'>b</button>
               <button id="c" phx-click='[["push",{}]]'>c</button>
               <button id="d">d</button>"##,
        );
        let p = binding(&first(&doc, "#a"), "phx-click", "#a").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].event.as_str(), Value::Object(p[0].value.clone())),
            ("inc", json!({"by": 3}))
        );
        let e = binding(&first(&doc, "#b"), "phx-click", "#b")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no push"), "{e}");
        let e = binding(&first(&doc, "#c"), "phx-click", "#c")
            .unwrap_err()
            .to_string();
        assert!(e.contains("without an event name"), "{e}");
        let e = binding(&first(&doc, "#d"), "phx-click", "#d")
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no phx-click"), "{e}");
    }

    #[test]
    fn forms_serialize_like_form_data() {
        let html = r#"<form id="f">
              <input name="user[name]" value="Al">
              <input name="user[age]" type="number" value="3">
              <input name="skip" disabled value="x">
              <input type="checkbox" name="opts[]" value="a" checked>
              <input type="checkbox" name="opts[]" value="b">
              <input type="file" name="avatar">
              <select name="color"><option value="r">Red</option><option selected>Green</option></select>
              <textarea name="bio">hi &amp; bye</textarea>
              <button type="submit" name="go" value="1">Go</button>
            </form>"#;
        let doc = parse(html);
        let f = first(&doc, "#f");
        let pairs = form_pairs(&f);
        let flat: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            flat,
            [
                ("user[name]", "Al"),
                ("user[age]", "3"),
                ("opts[]", "a"),
                ("color", "Green"),
                ("bio", "hi & bye")
            ]
        );
        let merged = merge_fields(pairs, &[("user[name]", "Ada Lovelace"), ("extra", "1")]);
        assert_eq!(
            urlencode(&merged),
            "user%5Bname%5D=Ada+Lovelace&user%5Bage%5D=3&opts%5B%5D=a&color=Green&bio=hi+%26+bye&extra=1"
        );
        assert!(form_field_names(&f).contains(&"opts[]".to_owned()));
        assert!(!form_field_names(&f).contains(&"skip".to_owned()));
    }

    #[test]
    fn selector_errors_are_clear() {
        let doc = parse(r#"<p class="x">1</p><p class="x">2</p>"#);
        assert!(matches!(
            one(&doc, ".x", ""),
            Err(TestError::ManyMatches { count: 2, .. })
        ));
        assert!(matches!(
            one(&doc, "#nope", ""),
            Err(TestError::NoMatch { .. })
        ));
        assert!(matches!(
            one(&doc, "[[", ""),
            Err(TestError::BadSelector { .. })
        ));
    }

    #[test]
    fn targets_resolve_to_component_ids() {
        let html =
            r#"<div data-phx-component="4"><span id="in">x</span></div><span id="out">y</span>"#;
        let doc = parse(html);
        assert_eq!(target_cid(&doc, Some("7"), html).unwrap(), Some(7));
        assert_eq!(target_cid(&doc, Some("#in"), html).unwrap(), Some(4));
        assert_eq!(target_cid(&doc, None, html).unwrap(), None);
        assert!(target_cid(&doc, Some("#out"), html).is_err());
    }

    #[test]
    fn snippets_are_bounded() {
        let s = snippet(&"é".repeat(2000));
        assert!(s.len() < 1600 && s.contains("more bytes"));
    }
}
