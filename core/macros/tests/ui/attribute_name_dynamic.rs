use liveview_core::html;

fn main() {
    // "onclick=alert(1)" holds nothing escaping would change: refused at compile time.
    let attrs = "onclick=alert(1)";
    let _ = html!(r#"<button class="b" {attrs}>go</button>"#);
}
