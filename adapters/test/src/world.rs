//! Everything one [`TestApp`](crate::TestApp) shares between its pages, and
//! the run loop that settles them after every action: pub/sub delivery
//! from the pages' mailboxes into their machines, then timers and
//! heartbeats on the virtual clock, until nothing is due.

use crate::browser::Page;
use crate::http::CookieJar;
use crate::recording::Collector;
use crate::TestError;
use liveview_core::protocol::{App, Config};
use liveview_core::pubsub::PubSub;
use liveview_core::upload::UploadWriters;
use liveview_core::view::Session;
use liveview_core::Time;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

/// How many pub/sub deliveries, or timer and heartbeat rounds, one action
/// may cause before the harness reports a runaway loop.
pub(crate) const RUNAWAY_LIMIT: usize = 100_000;

/// What the pages of one app share: the app, the clock, the pub/sub
/// backend, the browser's cookies and the dead renders' entropy.
pub(crate) struct Env {
    /// The virtual clock.
    pub(crate) clock: Time,
    /// The routed app (`None`: views are mounted by type).
    pub(crate) app: Option<Arc<App>>,
    /// The configuration of apps made for views mounted by type.
    pub(crate) config: Config,
    /// Records every join (installed in every app's configuration).
    pub(crate) collector: Arc<Collector>,
    /// The pub/sub backend every page's socket uses.
    pub(crate) pubsub: Arc<dyn PubSub>,
    /// The publish order shared by every page's mailbox.
    pub(crate) sequence: Arc<AtomicU64>,
    /// The browser's cookies.
    pub(crate) cookies: CookieJar,
    /// The session every page request carries.
    pub(crate) session: Session,
    /// Whether pages keep their traces for [`LiveViewTest::trace`](crate::LiveViewTest::trace).
    pub(crate) record: bool,
    /// The app's upload writers ([`TestApp::with_upload_writers`](crate::TestApp::with_upload_writers)).
    pub(crate) upload_writers: UploadWriters,
    entropy: u64,
}

impl Env {
    /// A fresh environment around `config` (whose trace factory gets wrapped).
    pub(crate) fn new(mut config: Config, pubsub: Arc<dyn PubSub>) -> Env {
        let collector = Collector::install(&mut config);
        // Every page checks the stream items its client shows against the
        // server's renders (the driver's invariant 5′).
        config.keep_stream_items = true;
        Env {
            clock: Time::ZERO,
            app: None,
            config,
            collector,
            pubsub,
            sequence: Arc::new(AtomicU64::new(0)),
            cookies: CookieJar::default(),
            session: Session::default(),
            record: false,
            upload_writers: UploadWriters::new(),
            entropy: 0,
        }
    }

    /// The next 16 "random" bytes of a dead render: a counter, so that
    /// container ids and CSRF cookies are the same in every run.
    pub(crate) fn entropy(&mut self) -> [u8; 16] {
        self.entropy += 1;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.entropy.to_le_bytes());
        bytes[8..].copy_from_slice(b"lv-test!");
        bytes
    }
}

/// The environment and its pages.
pub(crate) struct World {
    /// What the pages share.
    pub(crate) env: Env,
    /// Every page loaded from the app, in order.
    pub(crate) pages: Vec<Page>,
}

impl World {
    /// Delivers pending pub/sub messages and runs what is due at the
    /// current time; reports a page that crashed meanwhile.
    pub(crate) fn settle(&mut self) -> Result<(), TestError> {
        let now = self.env.clock;
        self.run_until(now)?;
        self.crashes()
    }

    /// Moves the clock by `by`, running every deadline on the way in order.
    pub(crate) fn advance(&mut self, by: Duration) -> Result<(), TestError> {
        let target = self.env.clock + by;
        self.run_until(target)?;
        self.env.clock = self.env.clock.max(target);
        self.crashes()
    }

    /// Hands every waiting pub/sub message to its page's machine, oldest
    /// first across pages, until no mailbox holds one.
    fn deliver(&mut self) -> Result<(), TestError> {
        let mut n = 0usize;
        loop {
            if self.pages.iter().any(Page::overflowed) {
                return Err(TestError::Runaway {
                    what: format!(
                        "a page's pub/sub mailbox overflowed ({} messages waiting)",
                        crate::pubsub::MAILBOX_CAPACITY
                    ),
                });
            }
            let next = self
                .pages
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.inbox_head().map(|seq| (seq, i)))
                .min();
            let Some((_, i)) = next else {
                return Ok(());
            };
            n += 1;
            let Some((topic, payload)) = self.pages[i].inbox_pop() else {
                continue;
            };
            if n > RUNAWAY_LIMIT {
                return Err(TestError::Runaway {
                    what: format!(
                        "more than {RUNAWAY_LIMIT} pub/sub deliveries (last on topic {topic:?})"
                    ),
                });
            }
            self.pages[i].handle_pubsub(&mut self.env, &topic, &payload)?;
        }
    }

    /// Delivers, then runs every page deadline up to `target` in time
    /// order (the clock is set to each as it comes), delivering after each.
    fn run_until(&mut self, target: Time) -> Result<(), TestError> {
        self.deliver()?;
        let mut rounds = 0usize;
        loop {
            let next = self.pages.iter().filter_map(Page::deadline).min();
            let Some(at) = next.filter(|at| *at <= target) else {
                return Ok(());
            };
            rounds += 1;
            if rounds > RUNAWAY_LIMIT {
                return Err(TestError::Runaway {
                    what: format!("more than {RUNAWAY_LIMIT} timer firings in one step"),
                });
            }
            self.env.clock = self.env.clock.max(at);
            let now = self.env.clock;
            for page in &mut self.pages {
                if page.deadline().is_some_and(|t| t <= now) {
                    page.on_time(&mut self.env)?;
                }
            }
            self.deliver()?;
        }
    }

    /// The first page that crashed since the last check, as an error.
    fn crashes(&mut self) -> Result<(), TestError> {
        for page in &mut self.pages {
            if page.take_crash() {
                return Err(TestError::Crashed {
                    url: page.url.to_string(),
                });
            }
        }
        Ok(())
    }
}
