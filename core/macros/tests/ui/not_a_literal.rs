use liveview_core::html;

fn main() {
    let t = "<p></p>";
    let _ = html!(t);
}
