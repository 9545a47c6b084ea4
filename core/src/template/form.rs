//! Forms in templates: the names, ids and values of inputs, as Phoenix's
//! `to_form`, `@form[:field]` and `<.inputs_for>` give them.
//!
//! A [`Form`] holds the params a form last sent (the map under its name,
//! as a `phx-change` or `phx-submit` event decodes it) and derives each
//! input from them: `form.field("email")` is the input named
//! `user[email]`, with id `user_email`, the value the user typed, and
//! whether the user has touched it yet ([`FormField::used`], from the
//! client's `_unused_` params), so that errors show only on used fields.
//! [`Form::inputs_for`] gives the nested forms of a repeated field
//! (`user[emails][0][address]`…), in index order, for lists of inputs the
//! user can add to and remove from.
//!
//! ```
//! use liveview_core::html;
//! use liveview_core::template::Form;
//! use serde_json::json;
//!
//! // What `phx-change` sent under `user`: email touched, name not yet.
//! let sent = json!({
//!     "name": "", "_unused_name": "", "email": "ada@",
//!     "emails": {"0": {"address": "a@x"}, "1": {"address": "b@x"}}
//! });
//! let form = Form::new("user", sent.as_object().unwrap().clone());
//! let email = form.field("email");
//! assert_eq!((email.name.as_str(), email.id.as_str()), ("user[email]", "user_email"));
//! assert!(email.used && !form.field("name").used);
//! let error = (email.used && !email.value.as_deref().unwrap_or("").contains('.')).then_some("invalid");
//! let page = html!(r#"<input name={email.name} id={email.id} value={email.value}>{#if let Some(e) = error}<p>{e}</p>{/if}
//! {#for f in form.inputs_for("emails")}<input name={f.field("address").name} value={f.field("address").value}>{/for}"#);
//! assert!(page.to_html().contains(r#"<input name="user[emails][1][address]" value="b@x">"#));
//! assert!(page.to_html().contains("<p>invalid</p>"));
//! ```

use crate::event::form::used_input;
use serde_json::{Map, Value};

/// A form: its name (the prefix of its inputs' names), its id (the
/// prefix of their ids) and the params it last sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Form {
    name: String,
    id: String,
    params: Map<String, Value>,
    index: Option<usize>,
}

/// One input of a [`Form`] (Phoenix's `FormField`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormField {
    /// The input's `name`: `user[email]`.
    pub name: String,
    /// The input's `id`: `user_email`.
    pub id: String,
    /// The value sent for it, if it is text (numbers and booleans as text).
    pub value: Option<String>,
    /// Whether the user has touched it (Phoenix's `used_input?`): sent,
    /// and not marked `_unused_` by the client.
    pub used: bool,
}

impl FormField {
    /// The name of a multi-valued input (a multiple select, a checkbox
    /// group): `user[roles][]`.
    pub fn list_name(&self) -> String {
        format!("{}[]", self.name)
    }
}

/// A param as text, if it is text, a number or a boolean.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Form {
    /// A form named `name` over `params` (what it sent under that name).
    /// Its id is its name; see [`with_id`](Self::with_id).
    pub fn new(name: &str, params: Map<String, Value>) -> Form {
        Form {
            name: name.to_owned(),
            id: name.to_owned(),
            params,
            index: None,
        }
    }

    /// A form without a name: its inputs are named after their fields
    /// (`email`, id `email`), as Phoenix's `to_form(params)`.
    pub fn unnamed(params: Map<String, Value>) -> Form {
        Form::new("", params)
    }

    /// The same form with another id prefix (Phoenix's `id:` option).
    pub fn with_id(mut self, id: &str) -> Form {
        self.id = id.to_owned();
        self
    }

    /// The form's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The form's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The params the form holds.
    pub fn params(&self) -> &Map<String, Value> {
        &self.params
    }

    /// For a form from [`inputs_for`](Self::inputs_for), its position.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// The input for `field`.
    pub fn field(&self, field: &str) -> FormField {
        let (name, id) = if self.name.is_empty() {
            (field.to_owned(), field.to_owned())
        } else {
            (
                format!("{}[{field}]", self.name),
                format!("{}_{field}", self.id),
            )
        };
        FormField {
            name,
            id,
            value: self.params.get(field).and_then(text),
            used: used_input(&self.params, field),
        }
    }

    /// The values of a multi-valued `field` (a list param, or one value).
    pub fn values(&self, field: &str) -> Vec<String> {
        match self.params.get(field) {
            Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
            Some(other) => text(other).into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// The nested forms of the repeated `field` (Phoenix's `inputs_for`):
    /// one per entry of a map keyed by index (`field[0][…]`, in numeric
    /// order, other keys after them in order) or of a list, renumbered from
    /// 0, each named `form[field][i]` with id `form_field_i`.
    pub fn inputs_for(&self, field: &str) -> Vec<Form> {
        let entries: Vec<&Map<String, Value>> = match self.params.get(field) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
            Some(Value::Object(by_key)) => {
                let mut keyed: Vec<(&String, &Map<String, Value>)> = by_key
                    .iter()
                    .filter_map(|(k, v)| v.as_object().map(|m| (k, m)))
                    .collect();
                keyed.sort_by(
                    |(a, _), (b, _)| match (a.parse::<u64>(), b.parse::<u64>()) {
                        (Ok(x), Ok(y)) => x.cmp(&y),
                        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
                        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
                        (Err(_), Err(_)) => a.cmp(b),
                    },
                );
                keyed.into_iter().map(|(_, m)| m).collect()
            }
            _ => Vec::new(),
        };
        let parent = self.field(field);
        entries
            .into_iter()
            .enumerate()
            .map(|(i, params)| Form {
                name: format!("{}[{i}]", parent.name),
                id: format!("{}_{i}", parent.id),
                params: params.clone(),
                index: Some(i),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn names_ids_values_and_use() {
        let form = Form::new(
            "my_form",
            params(json!({"name": "Ada", "age": 3, "_unused_age": ""})),
        )
        .with_id("my-form");
        let name = form.field("name");
        assert_eq!(name.name, "my_form[name]");
        assert_eq!(name.id, "my-form_name");
        assert_eq!(name.value.as_deref(), Some("Ada"));
        assert!(name.used);
        let age = form.field("age");
        assert_eq!((age.value.as_deref(), age.used), (Some("3"), false));
        let missing = form.field("email");
        assert_eq!((missing.value, missing.used), (None, false));
        assert_eq!(form.field("roles").list_name(), "my_form[roles][]");
        let bare = Form::unnamed(params(json!({"q": "x"})));
        assert_eq!(
            (bare.field("q").name.as_str(), bare.field("q").id.as_str()),
            ("q", "q")
        );
    }

    #[test]
    fn nested_forms_in_index_order() {
        let form = Form::new(
            "f",
            params(
                json!({"users": {"10": {"n": "J"}, "2": {"n": "B"}, "x": {"n": "X"}, "bad": "y"}}),
            ),
        );
        let users = form.inputs_for("users");
        let names: Vec<_> = users.iter().map(|u| u.field("n").value.unwrap()).collect();
        assert_eq!(names, ["B", "J", "X"]);
        assert_eq!(users[1].field("n").name, "f[users][1][n]");
        assert_eq!(users[1].field("n").id, "f_users_1_n");
        assert_eq!(users[1].index(), Some(1));
        let listed = Form::new("f", params(json!({"users": [{"n": "a"}, {"n": "b"}]})));
        assert_eq!(listed.inputs_for("users").len(), 2);
        assert!(form.inputs_for("missing").is_empty());
        assert_eq!(
            Form::new("f", params(json!({"tags": ["a", "b"], "one": "c"}))).values("tags"),
            ["a", "b"]
        );
    }
}
