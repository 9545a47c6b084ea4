use liveview_core::html;

fn main() {
    let name = "x";
    let _ = html!("<p>{name</p>");
}
