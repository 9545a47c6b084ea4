use super::*;
use crate::html;
use serde_json::json;

fn parsed(js: &JS) -> Value {
    serde_json::from_str(&js.to_json()).unwrap()
}

#[test]
fn the_js_views_commands_encode_as_phoenix_does() {
    let show = JS::new()
        .show()
        .to("#my-modal")
        .transition("fade-in")
        .time(50)
        .set_attribute("aria-expanded", "true")
        .to("#my-modal")
        .set_attribute("open", "true")
        .to("#my-modal");
    assert_eq!(
        parsed(&show),
        json!([
            ["show", {"to": "#my-modal", "transition": [["fade-in"], [], []], "time": 50}],
            ["set_attr", {"to": "#my-modal", "attr": ["aria-expanded", "true"]}],
            ["set_attr", {"to": "#my-modal", "attr": ["open", "true"]}],
        ])
    );
    let toggle = JS::new()
        .toggle()
        .to("#my-modal")
        .ins("fade-in")
        .outs("fade-out")
        .time(50)
        .toggle_attribute_between("aria-expanded", "true", "false")
        .to("#my-modal")
        .toggle_attribute("open", "true")
        .to("#my-modal");
    assert_eq!(
        parsed(&toggle),
        json!([
            ["toggle", {"to": "#my-modal", "ins": [["fade-in"], [], []], "outs": [["fade-out"], [], []], "time": 50}],
            ["toggle_attr", {"to": "#my-modal", "attr": ["aria-expanded", "true", "false"]}],
            ["toggle_attr", {"to": "#my-modal", "attr": ["open", "true"]}],
        ])
    );
    assert_eq!(
        JS::new().ignore_attributes(&["open"]).to_json(),
        r#"[["ignore_attrs",{"attrs":["open"]}]]"#
    );
    assert_eq!(
        JS::new().remove_attribute("open").to("#m").to_json(),
        r##"[["remove_attr",{"attr":"open","to":"#m"}]]"##
    );
}

#[test]
fn every_operation_and_option() {
    let js = JS::new()
        .push("save")
        .value(json!({"id": 1}))
        .target("#form")
        .loading("#spinner")
        .page_loading()
        .dispatch("copy")
        .to(Target::inner(".text"))
        .detail(json!({"x": 1}))
        .bubbles(false)
        .blocking(false)
        .hide()
        .to(Target::closest(".modal"))
        .transition(("ease-out duration-300", "opacity-100", "opacity-0"))
        .add_class("a  b")
        .time(10)
        .remove_class("c")
        .toggle_class("d e")
        .run_transition("shake")
        .to("#x")
        .focus()
        .focus_first()
        .to("#list")
        .push_focus()
        .pop_focus()
        .navigate("/a")
        .replace()
        .patch("/b")
        .exec("data-cancel")
        .to("#modal")
        .show()
        .display("flex");
    assert_eq!(
        parsed(&js),
        json!([
            ["push", {"event": "save", "value": {"id": 1}, "target": "#form", "loading": "#spinner", "page_loading": true}],
            ["dispatch", {"event": "copy", "to": {"inner": ".text"}, "detail": {"x": 1}, "bubbles": false, "blocking": false}],
            ["hide", {"to": {"closest": ".modal"}, "transition": [["ease-out", "duration-300"], ["opacity-100"], ["opacity-0"]]}],
            ["add_class", {"names": ["a", "b"], "time": 10}],
            ["remove_class", {"names": ["c"]}],
            ["toggle_class", {"names": ["d", "e"]}],
            ["transition", {"transition": [["shake"], [], []], "to": "#x"}],
            ["focus", {}],
            ["focus_first", {"to": "#list"}],
            ["push_focus", {}],
            ["pop_focus", {}],
            ["navigate", {"href": "/a", "replace": true}],
            ["patch", {"href": "/b", "replace": false}],
            ["exec", {"attr": "data-cancel", "to": "#modal"}],
            ["show", {"display": "flex"}],
        ])
    );
    let both = JS::new().push("a").concat(JS::new().push("b"));
    assert_eq!(
        both.to_json(),
        r#"[["push",{"event":"a"}],["push",{"event":"b"}]]"#
    );
    assert!(JS::new().is_empty());
}

#[test]
fn argument_keys_are_sorted() {
    let js = JS::new()
        .show()
        .to("#m")
        .time(5)
        .display("grid")
        .blocking(true);
    assert_eq!(
        js.to_json(),
        r##"[["show",{"blocking":true,"display":"grid","time":5,"to":"#m"}]]"##
    );
}

#[test]
fn in_a_template_the_json_is_escaped_and_reads_back() {
    let js = JS::new()
        .push("say")
        .value(json!({"text": "<b>\"hi\" & 'bye'</b>"}));
    let html = html!(r#"<button phx-click="{js}">x</button>"#).to_html();
    assert!(!html[..html.len() - 4].contains("<b>"), "{html}");
    let attr = html
        .strip_prefix(r#"<button phx-click=""#)
        .and_then(|s| s.strip_suffix(r#"">x</button>"#))
        .unwrap();
    let unescaped = attr
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert_eq!(
        serde_json::from_str::<Value>(&unescaped).unwrap(),
        parsed(&js)
    );
}

#[test]
#[should_panic(expected = "JS command `push` takes no option `display`")]
fn an_option_the_command_does_not_take_panics() {
    let _ = JS::new().push("x").display("block");
}

#[test]
#[should_panic(expected = "given before any command")]
fn an_option_before_any_command_panics() {
    let _ = JS::new().to("#x");
}

#[test]
#[should_panic(expected = "must be a JSON object")]
fn a_push_value_must_be_an_object() {
    let _ = JS::new().push("x").value(json!([1]));
}
