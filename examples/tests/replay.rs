//! Sessions recorded by the warp adapter (`FileTraces`) replay exactly with
//! `liveview-test`: the conformance app's counter, search (an info after the
//! reply) and chat (pub/sub between two sockets).

use liveview_core::protocol::App;
use liveview_warp::trace::FileTraces;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use warp::test::WsClient;

fn attr(html: &str, marker: &str, name: &str) -> String {
    let at = html.find(marker).expect("marker");
    let start = html[..at].rfind('<').unwrap();
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    let key = format!(" {name}=\"");
    let i = tag.find(&key).expect("attribute") + key.len();
    tag[i..i + tag[i..].find('"').unwrap()].to_string()
}

async fn next_json(ws: &mut WsClient) -> Value {
    let m = tokio::time::timeout(Duration::from_secs(5), ws.recv())
        .await
        .expect("in time")
        .expect("a frame");
    serde_json::from_str(m.to_str().expect("text")).expect("JSON")
}

/// Loads `path`, joins it over a socket; returns the socket and its topic.
async fn join<F>(f: &F, path: &str) -> (WsClient, String)
where
    F: warp::Filter + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply + Send,
{
    let r = warp::test::request().path(path).reply(f).await;
    let body = String::from_utf8(r.body().to_vec()).unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = attr(&body, "name=\"csrf-token\"", "content");
    let id = attr(&body, "data-phx-main", "id");
    let session = attr(&body, "data-phx-main", "data-phx-session");
    let mut ws = warp::test::ws()
        .path(&format!("/live/websocket?_csrf_token={csrf}&vsn=2.0.0"))
        .header("cookie", cookie)
        .handshake(f.clone())
        .await
        .expect("handshake");
    let topic = format!("lv:{id}");
    let payload = json!({"url": format!("http://localhost{path}"), "params": {"_csrf_token": csrf, "_mounts": 0},
                         "session": session, "static": null});
    ws.send_text(json!(["1", "1", topic, "phx_join", payload]).to_string())
        .await;
    let r = next_json(&mut ws).await;
    assert_eq!(r[4]["status"], "ok", "{r}");
    (ws, topic)
}

async fn push(
    ws: &mut WsClient,
    topic: &str,
    reference: &str,
    kind: &str,
    event: &str,
    value: Value,
) {
    let frame =
        json!(["1", reference, topic, "event", {"type": kind, "event": event, "value": value}]);
    ws.send_text(frame.to_string()).await;
    loop {
        let f = next_json(ws).await;
        if f[1] == reference {
            assert_eq!(f[4]["status"], "ok", "{f}");
            return;
        }
    }
}

#[tokio::test]
async fn recorded_sessions_replay() {
    let dir = std::env::temp_dir().join(format!("lv-examples-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = liveview_examples::config(vec![5; 32]);
    config.trace = Some(Arc::new(FileTraces::new(&dir).unwrap()));
    let app = Arc::new(App::new(liveview_examples::router(), config));
    let opts = liveview_warp::Options {
        tasks: liveview_examples::tasks(),
        ..liveview_warp::Options::default()
    };
    let f = liveview_warp::routes(app, opts);

    let (mut counter, t) = join(&f, "/counter").await;
    for (r, e) in [("2", "inc"), ("3", "inc"), ("4", "dec")] {
        push(&mut counter, &t, r, "click", e, json!({"value": ""})).await;
    }
    let (mut search, t) = join(&f, "/search").await;
    push(&mut search, &t, "2", "form", "search", json!("query=pe")).await;
    // The search task's result (100-300 ms later), pushed after the reply.
    let results = next_json(&mut search).await;
    assert_eq!(results[3], "diff", "{results}");
    assert!(results.to_string().contains("peach"), "{results}");
    let (mut a, ta) = join(&f, "/chat").await;
    let (mut b, _) = join(&f, "/chat").await;
    push(&mut a, &ta, "2", "form", "send", json!("body=hello")).await;
    let seen = next_json(&mut b).await;
    assert!(seen.to_string().contains("hello"), "{seen}");
    drop((counter, search, a, b));
    tokio::time::sleep(Duration::from_millis(200)).await; // the socket tasks stop their views

    let router = liveview_examples::router();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "one trace per joined view: {files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.lines().count() >= 3, "{}: {text}", file.display());
        if let Err(d) = liveview_test::replay(&router, &text) {
            panic!("{} does not replay: {d:?}\n{text}", file.display());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
