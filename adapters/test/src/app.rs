//! [`TestApp`]: the app under test, its virtual clock, its pub/sub backend
//! and the browser's cookie jar, shared by every page loaded from it.

use crate::browser::{FlashFn, Page};
use crate::page::LiveViewTest;
use crate::world::{Env, World};
use crate::TestError;
use liveview_core::protocol::{App, Config, Router};
use liveview_core::pubsub::{InProcess, PubSub};
use liveview_core::runtime::{AnyView, JoinInput, Joined, Navigation, ViewDriver};
use liveview_core::upload::UploadWriters;
use liveview_core::view::{Flash, Session, Url};
use liveview_core::{LiveView, Time};
use serde::Serialize;
use serde_json::Value;
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// The signing secret of the apps the harness makes (tests only).
pub const TEST_SECRET: &[u8] = b"liveview-test: a fixed secret for tests only!";

/// A deterministic app for tests: the [`App`] (router and configuration),
/// a virtual clock starting at [`Time::ZERO`], one pub/sub backend shared by
/// every page loaded from it, and the cookie jar of the simulated browser.
///
/// Each page ([`LiveViewTest`]) is loaded like a browser loads it: the dead
/// render over "HTTP", then a [`SocketMachine`](liveview_core::protocol::SocketMachine)
/// that joins the view and is fed the frames the official client sends.
///
/// Cloning gives another handle to the same app. [`Harness`] is another name
/// for it.
///
/// ```
/// use liveview_core::{html, protocol::Router, LiveView, Mount, Rendered, Update};
/// use liveview_test::TestApp;
/// # #[derive(Default)] struct Counter { count: i64 }
/// # #[derive(Debug, serde::Deserialize)] #[serde(rename_all = "snake_case")] enum Ev { Inc }
/// # impl LiveView for Counter {
/// #     type Event = Ev;
/// #     type Info = ();
/// #     fn mount(_: &Mount) -> Update<Self> { (Counter::default(), vec![]) }
/// #     fn handle_event(self, _: Ev) -> Update<Self> { (Counter { count: self.count + 1 }, vec![]) }
/// #     fn render(&self) -> Rendered {
/// #         html!(r#"<span id="count">{self.count}</span><button id="inc" phx-click="inc">+</button>"#)
/// #     }
/// # }
/// let app = TestApp::with_router(Router::new().live::<Counter>("/counter"));
/// let view = app.mount("/counter").unwrap();
/// view.click("#inc").unwrap();
/// assert_eq!(view.text("#count").unwrap(), "1");
/// ```
#[derive(Clone)]
pub struct TestApp {
    world: Rc<RefCell<World>>,
}

/// Another name for [`TestApp`].
pub type Harness = TestApp;

impl Default for TestApp {
    fn default() -> TestApp {
        TestApp::new()
    }
}

fn test_config() -> Config {
    match Config::new(TEST_SECRET) {
        Ok(c) => c,
        Err(e) => unreachable!("the test secret is long enough: {e}"),
    }
}

impl TestApp {
    /// An app without a router: mount views with [`TestApp::mount_view`].
    pub fn new() -> TestApp {
        let env = Env::new(test_config(), Arc::new(InProcess::new()));
        TestApp {
            world: Rc::new(RefCell::new(World {
                env,
                pages: Vec::new(),
            })),
        }
    }

    /// An app whose views are found by route ([`TestApp::mount`]), with the
    /// test configuration.
    pub fn with_router(router: Router) -> TestApp {
        TestApp::with_app(App::new(router, test_config()))
    }

    /// An app around your own [`App`]: its router (live sessions, session
    /// functions, `on_mount` hooks), its configuration and layout. Its trace
    /// factory, if any, still records every join.
    pub fn with_app(mut app: App) -> TestApp {
        let pubsub: Arc<dyn PubSub> = Arc::new(InProcess::new());
        let mut env = Env::new(app.config.clone(), pubsub);
        app.config.trace = env.config.trace.clone();
        app.config.keep_stream_items = env.config.keep_stream_items;
        env.app = Some(Arc::new(app));
        TestApp {
            world: Rc::new(RefCell::new(World {
                env,
                pages: Vec::new(),
            })),
        }
    }

    /// Uses another pub/sub backend (any [`PubSub`]; [`InProcess`] by
    /// default). Call it before loading pages.
    pub fn with_pubsub(self, pubsub: Arc<dyn PubSub>) -> TestApp {
        self.world.borrow_mut().env.pubsub = pubsub;
        self
    }

    /// The session every later page request carries
    /// ([`PageRequest::session`](liveview_core::protocol::PageRequest::session)).
    pub fn with_session(self, session: Session) -> TestApp {
        self.world.borrow_mut().env.session = session;
        self
    }

    /// Writes uploads that name a writer
    /// ([`UploadConfig::writer`](liveview_core::upload::UploadConfig::writer))
    /// with the app's `writers`, as a server given them would; uploads
    /// that name none go to the harness's memory writer
    /// ([`LiveViewTest::uploaded_files`]). A writer's futures are polled
    /// on the test's thread, without an async runtime; each call must
    /// finish within [`WRITER_WAIT`](crate::WRITER_WAIT) of real time or it fails.
    pub fn with_upload_writers(self, writers: UploadWriters) -> TestApp {
        self.world.borrow_mut().env.upload_writers = writers;
        self
    }

    /// Records a trace of every view mounted from now on (see [`LiveViewTest::trace`]).
    pub fn record_traces(self) -> TestApp {
        self.world.borrow_mut().env.record = true;
        self
    }

    /// The virtual clock (starts at [`Time::ZERO`]).
    pub fn now(&self) -> Time {
        self.world.borrow().env.clock
    }

    /// Loads the page routed at `url` and joins its view (connected: effects run).
    pub fn mount(&self, url: &str) -> Result<LiveViewTest, TestError> {
        let app = self.routed_app()?;
        self.load(app, url, true, None)
    }

    /// Loads the page routed at `url` as the HTTP request renders it (not
    /// connected: no timers, no subscriptions, no events).
    pub fn dead_render(&self, url: &str) -> Result<LiveViewTest, TestError> {
        let app = self.routed_app()?;
        self.load(app, url, false, None)
    }

    /// Loads and joins a view of type `V` at `url`, without a router: the
    /// page's app routes `url`'s path (and any other path, for live
    /// patches) to `V`.
    pub fn mount_view<V: LiveView>(&self, url: &str) -> Result<LiveViewTest, TestError> {
        let app = self.typed_app::<V>(url)?;
        self.load(app, url, true, Some(flash_of::<V>))
    }

    /// The dead render of a view of type `V` at `url`, without a router.
    pub fn dead_render_view<V: LiveView>(&self, url: &str) -> Result<LiveViewTest, TestError> {
        let app = self.typed_app::<V>(url)?;
        self.load(app, url, false, Some(flash_of::<V>))
    }

    fn routed_app(&self) -> Result<Arc<App>, TestError> {
        self.world.borrow().env.app.clone().ok_or_else(|| {
            TestError::Other(
                "this TestApp has no router: use TestApp::with_router, or mount_view::<V>".into(),
            )
        })
    }

    /// An app routing `url`'s path, and every other path, to `V`.
    fn typed_app<V: LiveView>(&self, url: &str) -> Result<Arc<App>, TestError> {
        let path = Url::parse(url)
            .map_err(|e| TestError::Other(e.to_string()))?
            .path()
            .to_owned();
        let name = std::any::type_name::<V>();
        let mut router = Router::new();
        // A path that is not a valid pattern is served by the catch-all alone.
        let _ = router.try_add(&path, name, join_view::<V>);
        router
            .try_add("/*path", name, join_view::<V>)
            .map_err(|e| TestError::Other(e.to_string()))?;
        let config = self.world.borrow().env.config.clone();
        Ok(Arc::new(App::new(router, config)))
    }

    fn load(
        &self,
        app: Arc<App>,
        url: &str,
        connected: bool,
        flash_of: Option<FlashFn>,
    ) -> Result<LiveViewTest, TestError> {
        let id = {
            let mut world = self.world.borrow_mut();
            let page = Page::load(&mut world.env, app, url, connected, flash_of)?;
            world.pages.push(page);
            world.pages.len() - 1
        };
        let view = LiveViewTest::new(Rc::clone(&self.world), id);
        self.world.borrow_mut().settle()?;
        Ok(view)
    }

    /// Advances the virtual clock by `by`, running every timer of every page
    /// due in that span in due order (the clock is set to each deadline as
    /// it fires); each page's client sends its heartbeat every 30 s.
    pub fn advance(&self, by: Duration) -> Result<(), TestError> {
        self.world.borrow_mut().advance(by)
    }

    /// Publishes `info` on `topic` through the app's pub/sub: every page
    /// subscribed to `topic` receives it.
    pub fn broadcast<I: Serialize>(&self, topic: &str, info: &I) -> Result<(), TestError> {
        let payload = to_json(info)?;
        let mut world = self.world.borrow_mut();
        world.env.pubsub.publish(topic, &payload);
        world.settle()
    }
}

/// Mounts `V` (the route of a view mounted by type).
fn join_view<V: LiveView>(
    now: Time,
    input: JoinInput,
) -> Result<(Box<dyn AnyView>, Joined), Navigation> {
    ViewDriver::<V>::join(now, input).map(|(d, j)| (Box::new(d) as Box<dyn AnyView>, j))
}

/// The flash of a `V`'s driver.
fn flash_of<V: LiveView>(view: &dyn Any) -> Option<Flash> {
    view.downcast_ref::<ViewDriver<V>>()
        .map(|d| d.flash().clone())
}

/// An info or message as JSON.
pub(crate) fn to_json<I: Serialize>(info: &I) -> Result<Value, TestError> {
    serde_json::to_value(info)
        .map_err(|e| TestError::Other(format!("the info does not serialize to JSON: {e}")))
}
