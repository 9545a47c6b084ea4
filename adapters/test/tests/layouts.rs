//! Live layouts through the harness: the client model keeps matching the
//! server's render with a live session's layout around the view, a layout
//! showing the flash, and a view with its own layout.

use liveview_core::prelude::*;
use liveview_core::view::{LayoutContext, LiveLayout, ViewLayout};
use liveview_test::{TestApp, TestError};
use serde::Deserialize;

struct Notes {
    saved: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum NotesEvent {
    Save,
}

impl LiveView for Notes {
    type Event = NotesEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Notes { saved: 0 }, vec![])
    }
    fn handle_event(self, NotesEvent::Save: NotesEvent) -> Update<Self> {
        let saved = self.saved + 1;
        (
            Notes { saved },
            vec![Command::put_flash("info", format!("saved {saved}"))],
        )
    }
    fn render(&self) -> Rendered {
        html!(r#"<p id="saved">{self.saved}</p><button id="save" phx-click="save">Save</button>"#)
    }
}

/// Shows its count in its own header.
struct Wide {
    n: u32,
}

impl LiveView for Wide {
    type Event = NotesEvent;
    type Info = ();
    fn mount(_: &Mount) -> Update<Self> {
        (Wide { n: 0 }, vec![])
    }
    fn handle_event(self, NotesEvent::Save: NotesEvent) -> Update<Self> {
        (Wide { n: self.n + 1 }, vec![])
    }
    fn render(&self) -> Rendered {
        html!(r#"<button id="save" phx-click="save">+</button>"#)
    }
    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|view, _, inner| html!(r#"<h1 id="head">{view.n}</h1>{inner}"#))
    }
}

fn app() -> TestApp {
    let layout = LiveLayout::new(|cx: &LayoutContext<'_>, inner: Rendered| {
        let info = cx.flash.get("info").unwrap_or_default().to_owned();
        html!(
            r#"<nav id="nav">app</nav>{#if !info.is_empty()}<p id="flash" phx-click="lv:clear-flash" phx-value-key="info">{info}</p>{/if}<main>{inner}</main>"#
        )
    });
    let session = LiveSession::new("app").live_layout(layout);
    TestApp::with_router(
        Router::new().live_session(session, |r| r.live::<Notes>("/notes").live::<Wide>("/wide")),
    )
}

#[test]
fn the_layout_wraps_the_view_and_shows_the_flash_until_it_is_cleared() -> Result<(), TestError> {
    let app = app();
    let view = app.mount("/notes")?;
    assert_eq!(view.text("#nav")?, "app");
    assert!(!view.has_element("#flash")?);
    view.click("#save")?;
    assert_eq!(view.text("main #saved")?, "1");
    assert_eq!(view.text("#flash")?, "saved 1");
    // The client's flash close: the layout drops the flash.
    view.click("#flash")?;
    assert!(!view.has_element("#flash")?);
    assert_eq!(view.text("#saved")?, "1");
    Ok(())
}

#[test]
fn a_view_with_its_own_layout_renders_it_from_its_state() -> Result<(), TestError> {
    let app = app();
    let view = app.mount("/wide")?;
    assert!(!view.has_element("#nav")?);
    view.click("#save")?;
    view.click("#save")?;
    assert_eq!(view.text("#head")?, "2");
    Ok(())
}
