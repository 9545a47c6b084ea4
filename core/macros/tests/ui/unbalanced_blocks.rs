use liveview_core::html;

fn main() {
    let on = true;
    let _ = html!("<ul>\n  {#for x in [1, 2]}{#if on}<li>{x}</li>{/for}\n</ul>");
}
