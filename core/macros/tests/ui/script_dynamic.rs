use liveview_core::html;

fn main() {
    let user = "x";
    let _ = html!(r#"<div><SCRIPT type="module">let user = "{user}";</SCRIPT></div>"#);
}
