//! Integration tests of `html!`: what the expanded templates render, how they
//! are split into statics and dynamics, and their fingerprints.

use liveview_core::{html, Comprehension, Dynamic, EntryKey, Html, Raw, Rendered, ToDynamic};

fn nested(d: &Dynamic) -> &Rendered {
    match d {
        Dynamic::Nested(r) => r,
        other => panic!("expected a nested template, got {other:?}"),
    }
}

fn list(d: &Dynamic) -> &Comprehension {
    match d {
        Dynamic::List(c) => c,
        other => panic!("expected a list, got {other:?}"),
    }
}

fn text(d: &Dynamic) -> &str {
    match d {
        Dynamic::Text(h) => h.as_str(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// The FNV-1a fingerprint the macro documents for a template whose holes are
/// all `{expr}`: the number of parts, each part's length and bytes, then `e` per hole.
fn expected_fingerprint(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&(parts.len() as u64).to_le_bytes());
    for p in parts {
        eat(&(p.len() as u64).to_le_bytes());
        eat(p.as_bytes());
    }
    for _ in 1..parts.len() {
        eat(b"e");
    }
    h
}

#[test]
fn text_and_attribute_values_are_escaped() {
    let name = r#"<script>alert("x") & 'y'</script>"#;
    let r = html!(r#"<p title="{name}">{name}</p>"#);
    let esc = "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;";
    assert_eq!(r.to_html(), format!(r#"<p title="{esc}">{esc}</p>"#));
}

#[test]
fn statics_are_split_around_holes() {
    let (a, b) = (1, "two");
    let r = html!(r#"<div id="x">{a}<span>{b}</span></div>"#);
    assert_eq!(
        r.statics().parts(),
        &[r#"<div id="x">"#, "<span>", "</span></div>"]
    );
    assert_eq!(r.dynamics().len(), 2);
    assert_eq!(text(&r.dynamics()[0]), "1");
    assert_eq!(text(&r.dynamics()[1]), "two");

    let r = html!("{a}");
    assert_eq!(r.statics().parts(), &["", ""]);
    let r = html!("");
    assert_eq!(r.statics().parts(), &[""]);
    assert!(r.dynamics().is_empty());
    assert_eq!(r.to_html(), "");
}

#[test]
fn raw_strings_and_normal_strings() {
    let x = 5;
    assert_eq!(
        html!("<b class=\"c\">{x}</b>").to_html(),
        r#"<b class="c">5</b>"#
    );
    assert_eq!(
        html!(r##"<a href="#top">{x}</a>"##).to_html(),
        r##"<a href="#top">5</a>"##
    );
}

#[test]
fn literal_braces() {
    let n = 3;
    let r = html!("{{{n}}} {{}} }}{{");
    assert_eq!(r.statics().parts(), &["{", "} {} }{"]);
    assert_eq!(r.to_html(), "{3} {} }{");
    assert_eq!(
        html!("<style>p {{ color: red }}</style>").to_html(),
        "<style>p { color: red }</style>"
    );
}

#[test]
fn values_of_many_types() {
    let s = String::from("<s>");
    let cow: std::borrow::Cow<str> = "c&".into();
    let none: Option<i32> = None;
    let some = Some("<");
    let r = html!(
        "{s}|{cow}|{-3i64}|{2.5f64}|{u8::MAX}|{'<'}|{true}|{none}|{some}|{Raw(\"<i>\")}|{Html::escape(\"&\")}|{&s}|{s.as_str()}"
    );
    assert_eq!(
        r.to_html(),
        "&lt;s&gt;|c&amp;|-3|2.5|255|&lt;|true||&lt;|<i>|&amp;|&lt;s&gt;|&lt;s&gt;"
    );
}

struct Card {
    title: String,
    tags: Vec<String>,
}

impl Card {
    fn tag(t: &str) -> Rendered {
        html!("<em>{t}</em>")
    }

    /// `{self.title}` is borrowed, never moved out of `&self`.
    fn render(&self) -> Rendered {
        html!(
            r#"<h2>{self.title}</h2>{#for t in &self.tags}{Card::tag(t)}{/for}{self.title.len()}"#
        )
    }
}

#[test]
fn fields_are_borrowed_and_helper_trees_nest() {
    let card = Card {
        title: "A<B".into(),
        tags: vec!["x".into(), "y".into()],
    };
    let r = card.render();
    assert_eq!(r.to_html(), "<h2>A&lt;B</h2><em>x</em><em>y</em>3");
    // The helper's tree is nested, not flattened.
    let entries: Vec<_> = list(&r.dynamics()[1]).entries().collect();
    assert_eq!(
        nested(&entries[0].dynamics[0]).statics().parts(),
        &["<em>", "</em>"]
    );
    // Still usable: nothing was moved out.
    assert_eq!(card.title, "A<B");
}

#[test]
fn nested_rendered_values() {
    let inner = html!("<i>{1}</i>");
    let outer = html!("<b>{inner}</b>{inner}");
    assert_eq!(outer.to_html(), "<b><i>1</i></b><i>1</i>");
    assert_eq!(nested(&outer.dynamics()[0]), &inner);
    assert_eq!(html!("{html!(\"<u>{2}</u>\")}").to_html(), "<u>2</u>");
}

fn generic<T: ToDynamic>(v: T) -> Rendered {
    html!("<x>{v}</x>")
}

#[test]
fn generic_values() {
    assert_eq!(generic("<").to_html(), "<x>&lt;</x>");
    assert_eq!(generic(7u16).to_html(), "<x>7</x>");
    assert_eq!(generic(html!("<y/>")).to_html(), "<x><y/></x>");
}

#[test]
fn unquoted_attribute_holes_render_the_whole_attribute() {
    let v = "a onfocus=alert(1)";
    let r = html!("<input value={v} disabled>");
    assert_eq!(r.statics().parts(), &["<input", " disabled>"]);
    assert_eq!(r.to_html(), "<input value=\"a onfocus=alert(1)\" disabled>");
    // HEEx's boolean and optional attributes: false and None leave it out.
    let (on, off, none, some) = (true, false, None::<&str>, Some("x"));
    let r = html!("<input checked={on} readonly={off} form={none} name = {some} size={3}>");
    assert_eq!(r.to_html(), "<input checked name=\"x\" size=\"3\">");
    // Quoted, a hole is text as anywhere else.
    assert_eq!(
        html!("<i data-b=\"{off}\">").to_html(),
        "<i data-b=\"false\">"
    );
}

fn grade(n: u32) -> Rendered {
    html!("<p>{#if n >= 90}A{:else if n >= 50}B {n}{:else}C{/if}</p>")
}

#[test]
fn if_chains_are_one_nested_slot() {
    assert_eq!(grade(95).to_html(), "<p>A</p>");
    assert_eq!(grade(60).to_html(), "<p>B 60</p>");
    assert_eq!(grade(10).to_html(), "<p>C</p>");

    let (a, b, c) = (grade(95), grade(60), grade(10));
    assert_eq!(a.statics().parts(), &["<p>", "</p>"]);
    assert_eq!(a.statics(), b.statics());
    let (na, nb, nc) = (
        nested(&a.dynamics()[0]),
        nested(&b.dynamics()[0]),
        nested(&c.dynamics()[0]),
    );
    assert_eq!(na.statics().parts(), &["A"]);
    assert_eq!(nb.statics().parts(), &["B ", ""]);
    assert_eq!(text(&nb.dynamics()[0]), "60");
    assert_eq!(nc.statics().parts(), &["C"]);
    // Every branch has its own fingerprint.
    let fps = [
        na.statics().fingerprint(),
        nb.statics().fingerprint(),
        nc.statics().fingerprint(),
    ];
    assert!(
        fps[0] != fps[1] && fps[1] != fps[2] && fps[0] != fps[2],
        "{fps:?}"
    );
    // The same branch has the same fingerprint (and statics) on every render.
    assert_eq!(
        nested(&grade(99).dynamics()[0]).statics().fingerprint(),
        fps[0]
    );
    assert!(std::ptr::eq(
        nested(&grade(99).dynamics()[0]).statics(),
        na.statics()
    ));
}

#[test]
fn missing_else_renders_an_empty_template() {
    let show = false;
    let r = html!("<p>{#if show}shown{/if}</p>");
    assert_eq!(r.to_html(), "<p></p>");
    let empty = nested(&r.dynamics()[0]);
    assert_eq!(empty.statics().parts(), &[""]);
    assert!(empty.dynamics().is_empty());
}

#[test]
fn if_let() {
    let user: Option<&str> = Some("<ada>");
    let nobody: Option<&str> = None;
    assert_eq!(
        html!("{#if let Some(u) = user}hi {u}{:else}anon{/if}").to_html(),
        "hi &lt;ada&gt;"
    );
    assert_eq!(
        html!("{#if let Some(u) = nobody}hi {u}{:else}anon{/if}").to_html(),
        "anon"
    );
}

struct Row {
    id: u64,
    label: String,
    selected: bool,
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            id: 3,
            label: "three".into(),
            selected: false,
        },
        Row {
            id: 1,
            label: "<one>".into(),
            selected: true,
        },
    ]
}

#[test]
fn keyed_for_with_nested_ifs() {
    let rows = rows();
    let r = html!(
        r#"<ul>{#for row in &rows; key = row.id}<li id="r{row.id}">{#if row.selected}<b>{row.label}</b>{:else}{row.label}{/if}</li>{/for}</ul>"#
    );
    assert_eq!(
        r.to_html(),
        r#"<ul><li id="r3">three</li><li id="r1"><b>&lt;one&gt;</b></li></ul>"#
    );
    assert_eq!(r.statics().parts(), &["<ul>", "</ul>"]);
    let c = list(&r.dynamics()[0]);
    assert!(c.is_keyed());
    assert_eq!(c.statics().parts(), &[r#"<li id="r"#, r#"">"#, "</li>"]);
    let entries: Vec<_> = c.entries().collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].key, Some(&EntryKey::Int(3)));
    assert_eq!(entries[1].key, Some(&EntryKey::Int(1)));
    assert_eq!(text(&entries[1].dynamics[0]), "1");
    let plain = nested(&entries[0].dynamics[1]);
    let bold = nested(&entries[1].dynamics[1]);
    assert_eq!(plain.statics().parts(), &["", ""]);
    assert_eq!(bold.statics().parts(), &["<b>", "</b>"]);
    assert_ne!(plain.statics().fingerprint(), bold.statics().fingerprint());
}

#[test]
fn string_keys_and_unkeyed_lists() {
    let rows = rows();
    let r = html!("{#for row in &rows; key = &row.label}{row.id},{/for}");
    assert_eq!(r.to_html(), "3,1,");
    let c = list(&r.dynamics()[0]);
    assert_eq!(c.entry(1).key, Some(&EntryKey::Str("<one>".into())));

    let r =
        html!("<ol>{#for (i, n) in [10, 20, 30].iter().enumerate()}<li>{i}:{n}</li>{/for}</ol>");
    assert_eq!(
        r.to_html(),
        "<ol><li>0:10</li><li>1:20</li><li>2:30</li></ol>"
    );
    let c = list(&r.dynamics()[0]);
    assert!(!c.is_keyed());
    assert!(c.entries().all(|e| e.key.is_none()));

    let none: Vec<u8> = Vec::new();
    let r = html!("<ol>{#for n in &none}<li>{n}</li>{/for}</ol>");
    assert_eq!(r.to_html(), "<ol></ol>");
    assert!(list(&r.dynamics()[0]).is_empty());
}

#[test]
fn nested_fors() {
    let grid = vec![vec![1, 2], vec![3]];
    let r = html!("{#for row in &grid}<tr>{#for cell in row}<td>{cell}</td>{/for}</tr>{/for}");
    assert_eq!(
        r.to_html(),
        "<tr><td>1</td><td>2</td></tr><tr><td>3</td></tr>"
    );
    let outer = list(&r.dynamics()[0]);
    let inner = list(&outer.entry(0).dynamics[0]);
    assert_eq!(inner.statics().parts(), &["<td>", "</td>"]);
    assert_eq!(inner.len(), 2);
}

#[derive(Clone, Copy)]
enum Shape {
    Circle(u32),
    Square(u32),
    Dot,
}

fn shape(s: Shape) -> Rendered {
    html!(
        r#"<svg>{#match s}
            {:case Shape::Circle(r) if r > 100}<big/>{:case Shape::Circle(r)}<circle r="{r}"/>{:case Shape::Square(w)}<rect w="{w}"/>{:case Shape::Dot}.{/match}</svg>"#
    )
}

#[test]
fn matches_with_guards() {
    assert_eq!(shape(Shape::Circle(500)).to_html(), "<svg><big/></svg>");
    assert_eq!(
        shape(Shape::Circle(5)).to_html(),
        r#"<svg><circle r="5"/></svg>"#
    );
    assert_eq!(
        shape(Shape::Square(2)).to_html(),
        r#"<svg><rect w="2"/></svg>"#
    );
    assert_eq!(shape(Shape::Dot).to_html(), "<svg>.</svg>");
    let r = shape(Shape::Square(2));
    assert_eq!(r.statics().parts(), &["<svg>", "</svg>"]);
    let arm = nested(&r.dynamics()[0]);
    assert_eq!(arm.statics().parts(), &[r#"<rect w=""#, r#""/>"#]);
    let fps: Vec<u64> = [
        Shape::Circle(500),
        Shape::Circle(1),
        Shape::Square(1),
        Shape::Dot,
    ]
    .into_iter()
    .map(|s| nested(&shape(s).dynamics()[0]).statics().fingerprint())
    .collect();
    for i in 0..fps.len() {
        for j in i + 1..fps.len() {
            assert_ne!(fps[i], fps[j], "arms {i} and {j}");
        }
    }
}

#[test]
fn fingerprints_are_stable_and_follow_the_statics() {
    let x = 1;
    let a = html!("<p>{x}</p>");
    let b = html!("<p>{x}</p>");
    let c = html!("<p>{x}</P>");
    // Two copies of a template share a fingerprint; a different template differs.
    assert_eq!(a.statics().fingerprint(), b.statics().fingerprint());
    assert_ne!(a.statics().fingerprint(), c.statics().fingerprint());
    // The value is the documented FNV-1a of the parts, the same on every build.
    assert_eq!(
        a.statics().fingerprint(),
        expected_fingerprint(&["<p>", "</p>"])
    );
    assert_eq!(
        html!("static only").statics().fingerprint(),
        expected_fingerprint(&["static only"])
    );
    // Templates of different shape differ even when their parts are alike.
    let t = true;
    assert_ne!(
        html!("<p>{t}</p>").statics().fingerprint(),
        html!("<p>{#if t}{/if}</p>").statics().fingerprint()
    );
}

#[test]
fn script_and_style_without_dynamics_are_fine() {
    let n = 2;
    let r = html!("<script>window.x = {{a: 1}};</script><p>{n}</p>");
    assert_eq!(r.to_html(), "<script>window.x = {a: 1};</script><p>2</p>");
    assert_eq!(r.dynamics().len(), 1);
}

#[test]
fn dynamic_counts_per_entry_match_the_body() {
    let rows = rows();
    let r = html!(
        r#"{#for row in &rows; key = row.id}<tr class="{row.selected}"><td>{row.id}</td><td><a>{row.label}</a></td><td>{#if row.selected}x{/if}</td></tr>{/for}"#
    );
    let c = list(&r.dynamics()[0]);
    assert_eq!(c.statics().holes(), 4);
    assert!(c.entries().all(|e| e.dynamics.len() == 4));
}

#[test]
fn else_if_let_and_match_inside_for() {
    let items: Vec<Option<u8>> = vec![Some(1), None, Some(200)];
    let r = html!(
        "{#for it in &items}{#match it}{:case Some(n) if *n > 100}big{:case Some(n)}{n}{:case None}-{/match};{/for}{#if items.is_empty()}none{:else if let Some(Some(f)) = items.first()}first={f}{/if}"
    );
    assert_eq!(r.to_html(), "1;-;big;first=1");
    let c = list(&r.dynamics()[0]);
    assert_eq!(c.statics().parts(), &["", ";"]);
    let arms: Vec<&[&str]> = c
        .entries()
        .map(|e| nested(&e.dynamics[0]).statics().parts())
        .collect();
    assert_eq!(arms, vec![&["", ""][..], &["-"][..], &["big"][..]]);
}

#[test]
fn braces_and_quotes_inside_expressions() {
    let (a, b) = (1, "<b>");
    let r =
        html!(r#"<p>{format!("{}-{}}}", a, b)}|{['}', '\''].len()}|{ {let n = a + 1; n} }</p>"#);
    assert_eq!(r.to_html(), "<p>1-&lt;b&gt;}|2|2</p>");
    assert_eq!(r.statics().parts(), &["<p>", "|", "|", "</p>"]);
}

#[test]
fn conditionals_inside_attribute_values() {
    let (active, id) = (true, 4);
    let r = html!(r#"<a class="tab {#if active}tab-active{/if}" href=/t/{{x}} id={id}>x</a>"#);
    assert_eq!(
        r.to_html(),
        r#"<a class="tab tab-active" href=/t/{x} id="4">x</a>"#
    );
    assert_eq!(
        r.statics().parts(),
        &[r#"<a class="tab "#, r#"" href=/t/{x}"#, r#">x</a>"#]
    );
}
