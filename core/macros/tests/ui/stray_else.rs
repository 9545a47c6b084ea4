use liveview_core::html;

fn main() {
    let _ = html!("<p>{:else}</p>");
}
