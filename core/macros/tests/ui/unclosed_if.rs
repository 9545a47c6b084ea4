use liveview_core::html;

fn main() {
    let on = true;
    let _ = html!(r#"<div>
    {#if on}
        <p>on</p>
</div>"#);
}
