use liveview_core::html;

fn main() {
    let a = 1;
    let _ = html!(r#"<p class="{a + }">x</p>"#);
}
