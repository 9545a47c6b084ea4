//! `/nav?page=P`: live patches that change the page without remounting.

use liveview_core::{html, LiveView, Mount, Params, Rendered, Update, Url};
use serde::Deserialize;

/// The state.
#[derive(Clone, Debug)]
pub struct Nav {
    page: u64,
    mounts: u32,
}

/// No client events (navigation is a live patch).
#[derive(Debug, Deserialize)]
pub enum Event {}

impl LiveView for Nav {
    type Event = Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Nav { page: 1, mounts: 1 }, vec![])
    }

    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        (
            Nav {
                page: params.parse::<u64>("page").unwrap_or(1),
                ..self
            },
            vec![],
        )
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        match event {}
    }

    fn render(&self) -> Rendered {
        let next = self.page.saturating_add(1);
        html!(
            r#"<h1>Nav</h1>
<p>page <span id="page">{self.page}</span>, mounts <span id="mounts">{self.mounts}</span></p>
<a id="next" href="/nav?page={next}" data-phx-link="patch" data-phx-link-state="push">next</a>"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_set_the_page_and_the_link_points_to_the_next() {
        let (n, _) = Nav::mount(&Mount::default());
        let url = Url::parse("/nav?page=4").unwrap();
        let (n, _) = n.handle_params(&url.query_params(), &url);
        assert_eq!((n.page, n.mounts), (4, 1));
        let html = n.render().to_html();
        assert!(
            html.contains(r#"href="/nav?page=5" data-phx-link="patch" data-phx-link-state="push""#),
            "{html}"
        );
        let url = Url::parse("/nav").unwrap();
        assert_eq!(n.handle_params(&url.query_params(), &url).0.page, 1);
    }
}
