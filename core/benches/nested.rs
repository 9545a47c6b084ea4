//! Nested views through the socket machine, with real frames: the memory a
//! connected page holds with a parent and two children against a page of
//! one view, and the time to join a page with 10 children (the parent,
//! then each child with the token of its container) against a page of one
//! view.
//!
//! Memory is the heap a socket still holds after its joins (a counting
//! allocator; 200 pages, the average per page), so the views' states, the
//! trees they keep and the machine's bookkeeping, without the adapter's
//! buffers.
//!
//! Run: `cargo bench -p liveview-core --bench nested -- --quick`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use liveview_core::nested::live_render;
use liveview_core::protocol::{App, Config, ConnectInfo, Router, SocketMachine, SocketOutput};
use liveview_core::{html, LiveView, Mount, Rendered, Time, Update};
use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;

/// Counts the bytes currently allocated.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        // SAFETY: `p` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `dealloc`; the new size is the caller's.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const NOW: Time = Time::from_millis(1_700_000_000_000);

/// The counter of the conformance app: the page of one view, and each child.
struct Counter {
    n: i64,
}

impl LiveView for Counter {
    type Event = ();
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Counter { n: 0 }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<div><h1>Counter</h1><p id="count">{self.n}</p><button phx-click="inc">+</button></div>"#
        )
    }
}

/// A page with `?children=N` counter children.
struct Parent {
    children: usize,
}

impl LiveView for Parent {
    type Event = ();
    type Info = ();
    fn mount(m: &Mount) -> Update<Self> {
        let children = m.params.parse("children").unwrap_or(0);
        (Parent { children }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(
            r#"<div><h1>Parent</h1>{#for i in 0..self.children}{live_render::<Counter>(format!("c{i}"))}{/for}</div>"#
        )
    }
}

fn app() -> Arc<App> {
    let router = Router::new()
        .live::<Counter>("/counter")
        .live::<Parent>("/parent");
    Arc::new(App::new(router, Config::new(vec![7; 32]).unwrap()))
}

/// What the client reads off a dead-rendered page.
struct Page {
    id: String,
    session: String,
    csrf: String,
    cookie: String,
    url: String,
}

fn attr(html: &str, marker: &str, name: &str) -> String {
    let at = html.find(marker).expect("marker");
    let start = html[..=at].rfind('<').unwrap();
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let key = format!(" {name}=\"");
    let i = tag.find(&key).expect("attribute") + key.len();
    tag[i..i + tag[i..].find('"').unwrap()].to_owned()
}

fn load(app: &App, url: &str) -> Page {
    let resp = app.render_page(NOW, url, [3; 16]);
    let cookie = resp
        .header("set-cookie")
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap_or_default();
    Page {
        id: attr(&resp.body, "data-phx-main", "id"),
        session: attr(&resp.body, "data-phx-main", "data-phx-session"),
        csrf: attr(&resp.body, "<meta name=\"csrf-token\"", "content"),
        cookie,
        url: format!("http://localhost{url}"),
    }
}

fn drain(m: &mut SocketMachine) -> Vec<String> {
    std::iter::from_fn(|| m.poll_output())
        .filter_map(|o| match o {
            SocketOutput::Send(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// A socket with the page's view joined; the join reply.
fn join_page(app: &Arc<App>, p: &Page) -> (SocketMachine, String) {
    let mut m = SocketMachine::new(
        Arc::clone(app),
        NOW,
        ConnectInfo {
            query: format!("_csrf_token={}&vsn=2.0.0", p.csrf),
            cookie: Some(p.cookie.clone()),
            origin: None,
        },
    );
    let join = json!(["1", "1", format!("lv:{}", p.id), "phx_join",
        {"url": p.url, "params": {"_csrf_token": p.csrf, "_mounts": 0}, "session": p.session, "static": null}]);
    m.handle_text(NOW, &join.to_string());
    let reply = drain(&mut m).pop().expect("a join reply");
    (m, reply)
}

/// The child containers' (id, token) in a join reply.
fn child_tokens(reply: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(reply).unwrap();
    let mut html = String::new();
    fn strings(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => out.push_str(s),
            Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    strings(&v[4]["response"]["rendered"], &mut html);
    let mut out = Vec::new();
    let mut rest = html.as_str();
    while let Some(at) = rest.find(" data-phx-parent-id=") {
        let tag_start = rest[..at].rfind('<').unwrap();
        let tag = &rest[tag_start..at + rest[at..].find('>').unwrap() + 1];
        out.push((attr(tag, "id=", "id"), attr(tag, "id=", "data-phx-session")));
        rest = &rest[at + 1..];
    }
    out
}

fn join_children(m: &mut SocketMachine, p: &Page, tokens: &[(String, String)]) {
    for (i, (id, token)) in tokens.iter().enumerate() {
        let r = (i + 2).to_string();
        let join = json!([r, r, format!("lv:{id}"), "phx_join",
            {"params": {"_csrf_token": p.csrf, "_mounts": 0}, "session": token, "static": ""}]);
        m.handle_text(NOW, &join.to_string());
        let reply = drain(m).pop().expect("a child's join reply");
        assert!(reply.contains("\"status\":\"ok\""), "{reply}");
    }
}

/// The heap one connected page holds: `pages` sockets joined, averaged.
fn held_per_page(app: &Arc<App>, url: &str, children: bool) -> isize {
    let p = load(app, url);
    let (_, reply) = join_page(app, &p);
    let tokens = if children {
        child_tokens(&reply)
    } else {
        Vec::new()
    };
    let pages = 200;
    let before = LIVE.load(Ordering::Relaxed);
    let mut held = Vec::with_capacity(pages);
    for _ in 0..pages {
        let (mut m, _) = join_page(app, &p);
        join_children(&mut m, &p, &tokens);
        held.push(m);
    }
    let after = LIVE.load(Ordering::Relaxed);
    assert_eq!(
        held.iter().map(|m| m.stats().views).sum::<usize>(),
        pages * (1 + tokens.len())
    );
    drop(held);
    (after - before) / pages as isize
}

fn bench(c: &mut Criterion) {
    let app = app();
    let single = held_per_page(&app, "/counter", false);
    let family = held_per_page(&app, "/parent?children=2", true);
    println!(
        "heap held per connected page: one view {single} B; a parent and two children {family} B ({:.2}x)",
        family as f64 / single as f64
    );

    let one = load(&app, "/counter");
    c.bench_function("join: a page of one view", |b| {
        b.iter(|| black_box(join_page(&app, &one)))
    });
    let ten = load(&app, "/parent?children=10");
    let tokens = child_tokens(&join_page(&app, &ten).1);
    assert_eq!(tokens.len(), 10);
    c.bench_function(
        "join: a page with 10 children (parent + 10 child joins)",
        |b| {
            b.iter(|| {
                let (mut m, _) = join_page(&app, &ten);
                join_children(&mut m, &ten, &tokens);
                black_box(m)
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
