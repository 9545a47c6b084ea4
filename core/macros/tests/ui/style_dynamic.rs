use liveview_core::html;

fn main() {
    let color = "red";
    let _ = html!("<style>p {{ color: {color} }}</style>");
}
