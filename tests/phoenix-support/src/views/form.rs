//! `/form`: a form whose attributes come from the URL (its id, its
//! `phx-change` — an event name or a JS command —, `phx-auto-recover`,
//! `phx-no-unused-field` on the form or one input, a disabled fieldset), for
//! the client's submit locking and form recovery on reconnect. Recovery
//! events can answer with a custom value or with a patch. At `?portal` the
//! form is teleported to `<body>`; at `?live-component` it is rendered by a
//! LiveComponent ([`FormComponent`]) that handles the form's events itself
//! (`phx-target={myself}`), as the suite's `FormLive.FormComponent`.

use liveview_core::prelude::*;
use liveview_core::template::Form;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The page: the form's params (URL params over the defaults, then every
/// change merged in) and whether it was submitted.
pub struct FormLive {
    params: BTreeMap<String, String>,
    /// `?js-change`: `phx-change` is `JS.push("validate")`.
    js_change: bool,
    submitted: bool,
    /// The page's CSRF token: what the view gives the suite as its process
    /// id (see `sync_gate`).
    page_token: Option<String>,
}

/// The form's and buttons' events.
#[derive(Debug, Deserialize)]
pub enum FormEvent {
    /// `phx-change`: the form's fields.
    #[serde(rename = "validate")]
    Validate(Map<String, Value>),
    /// `phx-submit`.
    #[serde(rename = "save")]
    Save {},
    /// A recovery event that sets `b` on the server.
    #[serde(rename = "custom-recovery")]
    CustomRecovery {},
    /// A recovery event that patches the URL.
    #[serde(rename = "patch-recovery")]
    PatchRecovery {},
    /// The button outside the submit flow.
    #[serde(rename = "button-test")]
    ButtonTest {},
    /// Code the suite sends (`evalLV`): asking for the view's process id,
    /// and attaching the hook that makes its events wait (held by the
    /// app's frame gate, see `sync_gate`).
    #[serde(rename = "sandbox:eval")]
    Eval {
        /// The Elixir code.
        value: String,
    },
}

/// `<option>`s for `choices`, `selected` marked (Phoenix.HTML's
/// `options_for_select`).
pub fn options_for_select(choices: &[&str], selected: Option<&str>) -> Rendered {
    html!(
        r#"{#for c in choices}<option selected={selected == Some(*c)} value={*c}>{*c}</option>{/for}"#
    )
}

impl FormLive {
    /// The form of these URL params (`/form`'s, or the session a parent
    /// gives the nested form); `page_token` is the view's process id for
    /// the suite (see `sync_gate`).
    pub fn new(given: &Params, page_token: Option<String>) -> FormLive {
        let mut params: BTreeMap<String, String> = [
            ("a", "foo"),
            ("b", "bar"),
            ("c", "baz"),
            ("id", "test-form"),
            ("phx-change", "validate"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in given.iter() {
            params.insert(k.to_owned(), v.to_owned());
        }
        // The first of these flags present applies.
        let mut js_change = false;
        if given.get("no-id").is_some() {
            params.remove("id");
        } else if given.get("no-change-event").is_some() {
            params.remove("phx-change");
        } else if given.get("js-change").is_some() {
            js_change = true;
        }
        FormLive {
            params,
            js_change,
            submitted: false,
            page_token,
        }
    }
}

impl LiveView for FormLive {
    type Event = FormEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let view = FormLive::new(&m.params, crate::sync_gate::page_token(m));
        (view, vec![])
    }

    fn handle_event(mut self, event: FormEvent) -> Update<Self> {
        match event {
            FormEvent::Validate(fields) => merge_fields(&mut self.params, fields),
            FormEvent::Save {} => self.submitted = true,
            FormEvent::CustomRecovery {} => {
                self.params
                    .insert("b".into(), "custom value from server".into());
            }
            FormEvent::PatchRecovery {} => {
                return (self, vec![Command::push_patch("/form?patched=true")]);
            }
            FormEvent::ButtonTest {} => {}
            FormEvent::Eval { value } => {
                let reply = crate::sync_gate::eval_reply(&value, self.page_token.as_deref());
                return (self, vec![Command::Reply(reply)]);
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let form = if self.params.contains_key("live-component") {
            let props = FormProps {
                params: self.params.clone(),
                js_change: self.js_change,
            };
            html!(r#"{live_component::<FormComponent>("form-component", props)}"#)
        } else {
            my_form(&self.params, self.js_change, None)
        };
        let submitted = html!("{#if self.submitted}<p>Form was submitted!</p>{/if}");
        if self.params.contains_key("portal") {
            let form = super::portal("form-portal", "body", form);
            html!("<h1>Form</h1>\n{form}\n{submitted}")
        } else {
            html!("{form}\n{submitted}")
        }
    }
}

/// The form and the input outside it (the suite's `my_form`), from the
/// params; `js_change` makes `phx-change` the JS command
/// `JS.push("validate")`, and `target` (a component's cid) is the form's
/// `phx-target`.
fn my_form(params: &BTreeMap<String, String>, js_change: bool, target: Option<Cid>) -> Rendered {
    let param = |name: &str| params.get(name).map(String::as_str);
    let id = param("id");
    let change = if js_change {
        Some(JS::new().push("validate").to_json())
    } else {
        param("phx-change").map(str::to_owned)
    };
    let options = options_for_select(&["foo", "bar", "baz"], param("d"));
    let dispatch = JS::new().dispatch("test");
    html!(
        r#"<form id={id} phx-submit="save" phx-change={change} phx-auto-recover={param("phx-auto-recover")} phx-no-unused-field={param("phx-no-unused-field-form")} phx-target={target} class="myformclass">
  <fieldset disabled={param("disabled-fieldset")}>
    <input type="text" name="a" readonly value={param("a")} />
    <input type="text" name="b" value={param("b")} />
  </fieldset>
  <input type="text" name="c" value={param("c")} phx-no-unused-field={param("phx-no-unused-field-input")} />
  <select name="d">
    {options}
  </select>
  {#if let Some(id) = id}<input type="text" name="e" form={id} value={param("e")} />{/if}
  <button type="submit" phx-disable-with="Submitting" phx-click={dispatch}>Submit with JS</button>
  <button id="submit" type="submit" phx-disable-with="Submitting">Submit</button>
  <button type="button" phx-click="button-test" phx-disable-with="Loading">Non-form Button</button>
</form>
{#if let Some(id) = id}<input type="text" name="f" form={id} value={param("f")} />{/if}"#
    )
}

/// What `/form?live-component` passes its [`FormComponent`]: the page's
/// params and whether `phx-change` is a JS command.
#[derive(Clone, Debug, PartialEq)]
pub struct FormProps {
    params: BTreeMap<String, String>,
    js_change: bool,
}

/// The LiveComponent `form-component` of `/form?live-component`: the same
/// form, its events sent to the component (`phx-target={myself}`), which
/// merges changes into its own copy of the params and says "LC Form was
/// submitted!" after a submit.
pub struct FormComponent {
    params: BTreeMap<String, String>,
    js_change: bool,
    submitted: bool,
}

/// The events the component's form sends it.
#[derive(Debug, Deserialize)]
pub enum FormComponentEvent {
    /// `phx-change`: the form's fields.
    #[serde(rename = "validate")]
    Validate(Map<String, Value>),
    /// `phx-submit`.
    #[serde(rename = "save")]
    Save {},
    /// A recovery event that sets `b`.
    #[serde(rename = "custom-recovery")]
    CustomRecovery {},
    /// A recovery event that patches the URL.
    #[serde(rename = "patch-recovery")]
    PatchRecovery {},
}

impl LiveComponent for FormComponent {
    type Props = FormProps;
    type Event = FormComponentEvent;
    type Info = ();

    fn mount(props: FormProps, _: &Context) -> ComponentUpdate<Self> {
        let component = FormComponent {
            params: props.params,
            js_change: props.js_change,
            submitted: false,
        };
        (component, vec![])
    }

    /// The parent's params replace the component's (Phoenix's default
    /// `update/2` assigns them).
    fn update(self, props: FormProps, _: &Context) -> ComponentUpdate<Self> {
        let component = FormComponent {
            params: props.params,
            js_change: props.js_change,
            ..self
        };
        (component, vec![])
    }

    fn handle_event(mut self, event: FormComponentEvent, _: &Context) -> ComponentUpdate<Self> {
        match event {
            FormComponentEvent::Validate(fields) => merge_fields(&mut self.params, fields),
            FormComponentEvent::Save {} => self.submitted = true,
            FormComponentEvent::CustomRecovery {} => {
                self.params
                    .insert("b".into(), "custom value from server".into());
            }
            FormComponentEvent::PatchRecovery {} => {
                return (self, vec![Command::push_patch("/form?patched=true")]);
            }
        }
        (self, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        let form = my_form(&self.params, self.js_change, Some(myself));
        html!(
            r#"<div>
  {form}
  {#if self.submitted}<p>LC Form was submitted!</p>{/if}
</div>"#
        )
    }
}

/// Merges the fields of a `phx-change` into the params (text values only).
fn merge_fields(params: &mut BTreeMap<String, String>, fields: Map<String, Value>) {
    for (k, v) in fields {
        if let Value::String(v) = v {
            params.insert(k, v);
        }
    }
}

/// `/form/dynamic-inputs`: a form with a list of users added and removed
/// through the form itself (Ecto's `sort_param`/`drop_param` pattern), with
/// buttons or, at `?checkboxes=1`, checkboxes.
pub struct FormDynamicInputsLive {
    name: Option<String>,
    /// Each user's name, in order (the index is its position).
    users: Vec<Option<String>>,
    checkboxes: bool,
    submitted: bool,
}

/// The form's params (`my_form[...]`).
#[derive(Debug, Default, Deserialize)]
pub struct MyForm {
    #[serde(default)]
    name: Option<String>,
    /// The users by index, as the inputs name them.
    #[serde(default)]
    users: BTreeMap<String, UserParams>,
    /// The users' order; an index the form does not have adds a user.
    #[serde(default)]
    users_sort: Vec<String>,
    /// The indexes to remove.
    #[serde(default)]
    users_drop: Vec<String>,
}

/// One user's params.
#[derive(Debug, Default, Deserialize)]
pub struct UserParams {
    #[serde(default)]
    name: Option<String>,
}

/// The dynamic form's events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DynamicEvent {
    /// `phx-change`.
    Validate {
        /// The form.
        #[serde(default)]
        my_form: MyForm,
    },
    /// `phx-submit`.
    Save {
        /// The form.
        #[serde(default)]
        my_form: MyForm,
    },
}

/// The users the params describe: first those `users_sort` names (minus
/// dropped ones; an unknown index is a new user), then the others not
/// dropped, by index.
fn build_users(form: MyForm) -> Vec<Option<String>> {
    let MyForm {
        mut users,
        users_sort,
        users_drop,
        ..
    } = form;
    // `sort -- drop`: each dropped index removes one occurrence.
    let mut sort = users_sort;
    for d in &users_drop {
        if let Some(i) = sort.iter().position(|s| s == d) {
            sort.remove(i);
        }
    }
    let mut out: Vec<Option<String>> = sort
        .iter()
        .map(|key| users.remove(key).and_then(|u| u.name))
        .collect();
    for d in &users_drop {
        users.remove(d);
    }
    let mut rest: Vec<(Result<u64, String>, Option<String>)> = users
        .into_iter()
        .map(|(k, u)| (k.parse::<u64>().map_err(|_| k), u.name))
        .collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    out.extend(rest.into_iter().map(|(_, name)| name));
    out
}

impl LiveView for FormDynamicInputsLive {
    type Event = DynamicEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let view = FormDynamicInputsLive {
            name: None,
            users: Vec::new(),
            checkboxes: m.params.get("checkboxes") == Some("1"),
            submitted: false,
        };
        (view, vec![])
    }

    fn handle_event(mut self, event: DynamicEvent) -> Update<Self> {
        let form = match event {
            DynamicEvent::Validate { my_form } => my_form,
            DynamicEvent::Save { my_form } => {
                self.submitted = true;
                my_form
            }
        };
        self.name = form.name.clone();
        self.users = build_users(form);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let change = JS::new().dispatch("change");
        let form = self.form();
        let name = form.field("name");
        let users = form.inputs_for("users");
        html!(
            r#"<form id={form.id()} phx-change="validate" phx-submit="save" style="display: flex; flex-direction: column; gap: 4px; max-width: 500px;">
  <fieldset>
    <input type="text" id={name.id} name={name.name} value={name.value} placeholder="name" />
    {#for user in &users}<div style="padding: 4px; border: 1px solid gray;">
      <input type="hidden" name={form.field("users_sort").list_name()} value={user.index()} />
      <input type="text" id={user.field("name").id} name={user.field("name").name} value={user.field("name").value} placeholder="name" />
      {#if self.checkboxes}<label>
        <input type="checkbox" name={form.field("users_drop").list_name()} value={user.index()} /> Remove
      </label>{:else}<button type="button" name={form.field("users_drop").list_name()} value={user.index()} phx-click={change}>Remove</button>{/if}
    </div>{/for}
  </fieldset>
  <input type="hidden" name={form.field("users_drop").list_name()} />
  {#if self.checkboxes}<label>
    <input type="checkbox" name={form.field("users_sort").list_name()} /> add more
  </label>{:else}<button type="button" name={form.field("users_sort").list_name()} value="new" phx-click={change}>add more</button>{/if}
</form>
{#if self.submitted}<p>Form was submitted!</p>{/if}"#
        )
    }
}

impl FormDynamicInputsLive {
    /// The form as the page shows it: the name and the users by index.
    fn form(&self) -> Form {
        let users: Map<String, Value> = self
            .users
            .iter()
            .enumerate()
            .map(|(i, name)| (i.to_string(), json!({ "name": name })))
            .collect();
        let params = json!({ "name": self.name, "users": users });
        let Value::Object(params) = params else {
            unreachable!("an object literal")
        };
        Form::new("my_form", params).with_id("my-form")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(users: &[(&str, &str)], sort: &[&str], drop: &[&str]) -> MyForm {
        MyForm {
            name: None,
            users: users
                .iter()
                .map(|(k, n)| {
                    let name = Some((*n).to_owned());
                    ((*k).to_owned(), UserParams { name })
                })
                .collect(),
            users_sort: sort.iter().map(|s| (*s).to_owned()).collect(),
            users_drop: drop.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn users_are_added_sorted_and_dropped_as_ecto_would() {
        let names = |v: Vec<Option<String>>| {
            v.into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>()
        };
        // "add more": an unknown index in the sort list is a new user.
        assert_eq!(
            names(build_users(form(&[("0", "A")], &["0", "new"], &[""]))),
            ["A", ""]
        );
        // Remove B: the rest keep their order and are renumbered.
        let f = form(
            &[("0", "A"), ("1", "B"), ("2", "C")],
            &["0", "1", "2"],
            &["", "1"],
        );
        assert_eq!(names(build_users(f)), ["A", "C"]);
        // Users the sort list does not name follow, by index.
        let f = form(&[("10", "J"), ("2", "B")], &[], &[]);
        assert_eq!(names(build_users(f)), ["B", "J"]);
    }
}
