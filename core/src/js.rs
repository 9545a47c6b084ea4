//! JS commands: client-side operations a binding runs in the browser
//! (Phoenix's `Phoenix.LiveView.JS`), built in Rust and rendered into a
//! `phx-*` attribute as the JSON the official client reads.
//!
//! A [`JS`] is a list of operations. Each operation method appends one;
//! the option methods that follow it (`to`, `transition`, `time`, …) set the
//! options of that last operation, like Phoenix's keyword options:
//!
//! ```
//! use liveview_core::js::{JS, Target};
//! use liveview_core::html;
//!
//! let open = JS::new()
//!     .show().to("#modal").transition("fade-in").time(50)
//!     .set_attribute("aria-expanded", "true").to("#modal")
//!     .push("opened").value(serde_json::json!({"id": 7}));
//! assert_eq!(
//!     open.to_json(),
//!     r##"[["show",{"time":50,"to":"#modal","transition":[["fade-in"],[],[]]}],["set_attr",{"attr":["aria-expanded","true"],"to":"#modal"}],["push",{"event":"opened","value":{"id":7}}]]"##
//! );
//! // In a template it is escaped like any attribute value.
//! let button = html!(r#"<button phx-click="{open}">open</button>"#);
//! assert!(button.to_html().starts_with(r#"<button phx-click="[[&quot;show&quot;,"#));
//! // Targets relative to the element: `closest` and `inner`.
//! let close = JS::new().hide().to(Target::closest(".modal"));
//! assert_eq!(close.to_json(), r#"[["hide",{"to":{"closest":".modal"}}]]"#);
//! ```
//!
//! An option that the last operation does not take (say `display` after
//! `push`) is a programming error: it panics with a message naming both,
//! as Phoenix raises on an unknown option. Compose commands with
//! [`JS::concat`].

use crate::template::{Dynamic, ToDynamic};
use serde_json::{Map, Value};

/// Where an operation applies: a CSS selector over the document, or one
/// relative to the element the command runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `document.querySelectorAll(selector)`.
    Document(String),
    /// The closest ancestor (or the element itself) matching the selector.
    Closest(String),
    /// Descendants of the element matching the selector.
    Inner(String),
}

impl Target {
    /// The closest ancestor matching `selector`.
    pub fn closest(selector: impl Into<String>) -> Target {
        Target::Closest(selector.into())
    }

    /// Descendants matching `selector`.
    pub fn inner(selector: impl Into<String>) -> Target {
        Target::Inner(selector.into())
    }

    fn to_value(&self) -> Value {
        let scoped = |scope: &str, s: &str| {
            let mut m = Map::new();
            m.insert(scope.to_owned(), Value::String(s.to_owned()));
            Value::Object(m)
        };
        match self {
            Target::Document(s) => Value::String(s.clone()),
            Target::Closest(s) => scoped("closest", s),
            Target::Inner(s) => scoped("inner", s),
        }
    }
}

impl From<&str> for Target {
    fn from(selector: &str) -> Target {
        Target::Document(selector.to_owned())
    }
}

impl From<String> for Target {
    fn from(selector: String) -> Target {
        Target::Document(selector)
    }
}

/// A transition: the classes applied while it runs, at its start and at its
/// end (Phoenix's `{"ease-out duration-300", "opacity-0", "opacity-100"}`).
/// A plain `&str` is the running classes alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    running: Vec<String>,
    start: Vec<String>,
    end: Vec<String>,
}

impl Transition {
    /// Classes while running, at the start, at the end (each space-separated).
    pub fn new(running: &str, start: &str, end: &str) -> Transition {
        Transition {
            running: classes(running),
            start: classes(start),
            end: classes(end),
        }
    }

    fn to_value(&self) -> Value {
        let list = |c: &[String]| Value::Array(c.iter().cloned().map(Value::String).collect());
        Value::Array(vec![
            list(&self.running),
            list(&self.start),
            list(&self.end),
        ])
    }
}

impl From<&str> for Transition {
    fn from(running: &str) -> Transition {
        Transition::new(running, "", "")
    }
}

impl From<(&str, &str, &str)> for Transition {
    fn from((running, start, end): (&str, &str, &str)) -> Transition {
        Transition::new(running, start, end)
    }
}

fn classes(names: &str) -> Vec<String> {
    names.split_whitespace().map(str::to_owned).collect()
}

/// One operation: its kind and its arguments.
#[derive(Clone, Debug, PartialEq)]
struct Op {
    kind: &'static str,
    args: Map<String, Value>,
}

/// A list of JS commands. See the [module docs](self).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JS {
    ops: Vec<Op>,
}

/// The options each operation takes (Phoenix's allowed keys).
fn allowed(kind: &str) -> &'static [&'static str] {
    match kind {
        "push" => &["target", "loading", "page_loading", "value"],
        "dispatch" => &["to", "detail", "bubbles", "blocking"],
        "toggle" => &["to", "display", "ins", "outs", "time", "blocking"],
        "show" => &["to", "display", "transition", "time", "blocking"],
        "hide" | "add_class" | "remove_class" | "toggle_class" => {
            &["to", "transition", "time", "blocking"]
        }
        "transition" => &["to", "time", "blocking"],
        "navigate" | "patch" => &["replace"],
        "pop_focus" => &[],
        // set_attr, remove_attr, toggle_attr, ignore_attrs, focus,
        // focus_first, push_focus, exec
        _ => &["to"],
    }
}

impl JS {
    /// No commands.
    pub fn new() -> JS {
        JS::default()
    }

    fn op(mut self, kind: &'static str, args: &[(&str, Value)]) -> JS {
        let args = args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        self.ops.push(Op { kind, args });
        self
    }

    /// Sets option `key` of the last operation.
    ///
    /// # Panics
    /// With no operation yet, or when the last operation does not take `key`.
    fn set(mut self, key: &str, value: Value) -> JS {
        let Some(last) = self.ops.last_mut() else {
            panic!("JS option `{key}` given before any command");
        };
        assert!(
            allowed(last.kind).contains(&key),
            "JS command `{}` takes no option `{key}` (it takes {:?})",
            last.kind,
            allowed(last.kind)
        );
        last.args.insert(key.to_owned(), value);
        self
    }

    // ---- operations

    /// Pushes `event` to the server (options: [`value`](Self::value),
    /// [`target`](Self::target), [`loading`](Self::loading),
    /// [`page_loading`](Self::page_loading)).
    pub fn push(self, event: &str) -> JS {
        self.op("push", &[("event", Value::String(event.to_owned()))])
    }

    /// Dispatches a DOM event (options: [`to`](Self::to), [`detail`](Self::detail),
    /// [`bubbles`](Self::bubbles), [`blocking`](Self::blocking)).
    pub fn dispatch(self, event: &str) -> JS {
        self.op("dispatch", &[("event", Value::String(event.to_owned()))])
    }

    /// Shows elements (options: `to`, `transition`, `display`, `time`, `blocking`).
    pub fn show(self) -> JS {
        self.op("show", &[])
    }

    /// Hides elements (options: `to`, `transition`, `time`, `blocking`).
    pub fn hide(self) -> JS {
        self.op("hide", &[])
    }

    /// Shows hidden elements and hides shown ones (options: `to`,
    /// [`ins`](Self::ins), [`outs`](Self::outs), `display`, `time`, `blocking`).
    pub fn toggle(self) -> JS {
        self.op("toggle", &[])
    }

    /// Adds classes (space-separated; options: `to`, `transition`, `time`, `blocking`).
    pub fn add_class(self, names: &str) -> JS {
        self.op("add_class", &[("names", strings(&classes(names)))])
    }

    /// Removes classes (options as [`add_class`](Self::add_class)).
    pub fn remove_class(self, names: &str) -> JS {
        self.op("remove_class", &[("names", strings(&classes(names)))])
    }

    /// Toggles classes (options as [`add_class`](Self::add_class)).
    pub fn toggle_class(self, names: &str) -> JS {
        self.op("toggle_class", &[("names", strings(&classes(names)))])
    }

    /// Runs a transition on elements (Phoenix's `JS.transition`; options:
    /// `to`, `time`, `blocking`).
    pub fn run_transition(self, transition: impl Into<Transition>) -> JS {
        let t = transition.into().to_value();
        self.op("transition", &[("transition", t)])
    }

    /// Sets attribute `name` to `value` (option: `to`).
    pub fn set_attribute(self, name: &str, value: &str) -> JS {
        self.op("set_attr", &[("attr", strings(&[name, value]))])
    }

    /// Removes attribute `name` (option: `to`).
    pub fn remove_attribute(self, name: &str) -> JS {
        self.op("remove_attr", &[("attr", Value::String(name.to_owned()))])
    }

    /// Sets attribute `name` to `value` when it is absent, removes it when
    /// present (option: `to`).
    pub fn toggle_attribute(self, name: &str, value: &str) -> JS {
        self.op("toggle_attr", &[("attr", strings(&[name, value]))])
    }

    /// Switches attribute `name` between `first` and `second` (option: `to`).
    pub fn toggle_attribute_between(self, name: &str, first: &str, second: &str) -> JS {
        self.op("toggle_attr", &[("attr", strings(&[name, first, second]))])
    }

    /// Keeps the client's values of these attributes when the server
    /// patches the element (option: `to`). Names may end in `*`.
    pub fn ignore_attributes(self, names: &[&str]) -> JS {
        self.op("ignore_attrs", &[("attrs", strings(names))])
    }

    /// Focuses the element (option: `to`).
    pub fn focus(self) -> JS {
        self.op("focus", &[])
    }

    /// Focuses its first focusable child (option: `to`).
    pub fn focus_first(self) -> JS {
        self.op("focus_first", &[])
    }

    /// Focuses the element, remembering the focus to return to with
    /// [`pop_focus`](Self::pop_focus) (option: `to`).
    pub fn push_focus(self) -> JS {
        self.op("push_focus", &[])
    }

    /// Returns focus to the element of the last [`push_focus`](Self::push_focus).
    pub fn pop_focus(self) -> JS {
        self.op("pop_focus", &[])
    }

    /// Live-navigates to `href` (option: [`replace`](Self::replace)).
    pub fn navigate(self, href: &str) -> JS {
        self.op(
            "navigate",
            &[
                ("href", Value::String(href.to_owned())),
                ("replace", Value::Bool(false)),
            ],
        )
    }

    /// Live-patches to `href` (option: [`replace`](Self::replace)).
    pub fn patch(self, href: &str) -> JS {
        self.op(
            "patch",
            &[
                ("href", Value::String(href.to_owned())),
                ("replace", Value::Bool(false)),
            ],
        )
    }

    /// Runs the commands in attribute `attr` (of this element, or of
    /// [`to`](Self::to)).
    pub fn exec(self, attr: &str) -> JS {
        self.op("exec", &[("attr", Value::String(attr.to_owned()))])
    }

    /// These commands followed by `other`'s.
    pub fn concat(mut self, other: JS) -> JS {
        self.ops.extend(other.ops);
        self
    }

    // ---- options of the last operation

    /// Where the last operation applies.
    pub fn to(self, target: impl Into<Target>) -> JS {
        let t = target.into().to_value();
        self.set("to", t)
    }

    /// The transition of the last operation (`show`, `hide`, class changes).
    pub fn transition(self, transition: impl Into<Transition>) -> JS {
        let t = transition.into().to_value();
        self.set("transition", t)
    }

    /// How long the last operation's transition runs, in milliseconds
    /// (the client's default is 200).
    pub fn time(self, ms: u64) -> JS {
        self.set("time", Value::from(ms))
    }

    /// The `display` value shown elements get (default `block`).
    pub fn display(self, display: &str) -> JS {
        self.set("display", Value::String(display.to_owned()))
    }

    /// Whether the last operation's transition blocks other commands until
    /// it ends (the client's default is to block).
    pub fn blocking(self, blocking: bool) -> JS {
        self.set("blocking", Value::Bool(blocking))
    }

    /// The transition shown elements run ([`toggle`](Self::toggle)).
    pub fn ins(self, transition: impl Into<Transition>) -> JS {
        let t = transition.into().to_value();
        self.set("ins", t)
    }

    /// The transition hidden elements run ([`toggle`](Self::toggle)).
    pub fn outs(self, transition: impl Into<Transition>) -> JS {
        let t = transition.into().to_value();
        self.set("outs", t)
    }

    /// The value pushed with the event ([`push`](Self::push)): a JSON object.
    ///
    /// # Panics
    /// When `value` is not an object (Phoenix requires a map).
    pub fn value(self, value: Value) -> JS {
        assert!(
            value.is_object(),
            "JS push value must be a JSON object, got {value}"
        );
        self.set("value", value)
    }

    /// The element (CSS selector) whose LiveView or component receives the
    /// pushed event ([`push`](Self::push)).
    pub fn target(self, selector: &str) -> JS {
        self.set("target", Value::String(selector.to_owned()))
    }

    /// Elements (CSS selector) that get the loading classes while the push
    /// is pending ([`push`](Self::push)).
    pub fn loading(self, selector: &str) -> JS {
        self.set("loading", Value::String(selector.to_owned()))
    }

    /// Shows the page-loading indicator while the push is pending
    /// ([`push`](Self::push)).
    pub fn page_loading(self) -> JS {
        self.set("page_loading", Value::Bool(true))
    }

    /// The `detail` of the dispatched event ([`dispatch`](Self::dispatch)).
    pub fn detail(self, detail: Value) -> JS {
        self.set("detail", detail)
    }

    /// Whether the dispatched event bubbles ([`dispatch`](Self::dispatch); default true).
    pub fn bubbles(self, bubbles: bool) -> JS {
        self.set("bubbles", Value::Bool(bubbles))
    }

    /// Replaces the history entry instead of pushing one
    /// ([`navigate`](Self::navigate), [`patch`](Self::patch)).
    pub fn replace(self) -> JS {
        self.set("replace", Value::Bool(true))
    }

    // ---- output

    /// The commands as the JSON the client reads (`[[kind, args], …]`,
    /// argument keys sorted).
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    /// The commands as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Array(
            self.ops
                .iter()
                .map(|op| {
                    // Sorted keys whatever serde_json's map preserves.
                    let mut keys: Vec<&String> = op.args.keys().collect();
                    keys.sort();
                    let args = keys
                        .into_iter()
                        .map(|k| (k.clone(), op.args[k].clone()))
                        .collect();
                    Value::Array(vec![Value::String(op.kind.to_owned()), Value::Object(args)])
                })
                .collect(),
        )
    }

    /// Whether there are no commands.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Renders as its JSON (escaped by the template like any text).
impl ToDynamic for JS {
    fn to_dynamic(&self) -> Dynamic {
        self.to_json().into_dynamic()
    }
}

fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| Value::String(s.as_ref().to_owned()))
            .collect(),
    )
}

#[cfg(test)]
mod tests;
