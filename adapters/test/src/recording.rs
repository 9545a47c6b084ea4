//! Recording every view a page joins: the [`TraceFactory`] the harness puts
//! into the app's configuration, so that the socket machine records each
//! join (as a server with `Config::trace` does). The harness reads the
//! outputs back for [`LiveViewTest::produced`](crate::LiveViewTest::produced)
//! and gives the text to [`LiveViewTest::trace`](crate::LiveViewTest::trace).

use liveview_core::protocol::Config;
use liveview_core::trace::{MemorySink, TraceFactory, TraceSink};
use liveview_core::Url;
use std::sync::{Arc, Mutex};

/// Gives every join a [`MemorySink`] (and the app's own factory's sink, if
/// it has one); the page whose join made it collects it right after.
pub(crate) struct Collector {
    fresh: Mutex<Vec<MemorySink>>,
    /// The factory the app was configured with, still fed.
    own: Option<Arc<dyn TraceFactory>>,
}

impl Collector {
    /// Puts a collector into `config`, keeping its own factory fed.
    pub(crate) fn install(config: &mut Config) -> Arc<Collector> {
        let collector = Arc::new(Collector {
            fresh: Mutex::new(Vec::new()),
            own: config.trace.take(),
        });
        config.trace = Some(collector.clone());
        collector
    }

    /// The sinks made since the last call (the joins just handled).
    pub(crate) fn take(&self) -> Vec<MemorySink> {
        std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Writes every line to two sinks.
struct Tee(MemorySink, Box<dyn TraceSink>);

impl TraceSink for Tee {
    fn write_line(&self, line: &str) {
        self.0.write_line(line);
        self.1.write_line(line);
    }
}

impl TraceFactory for Collector {
    fn sink(&self, route: &str, url: &Url) -> Option<Box<dyn TraceSink>> {
        let sink = MemorySink::new();
        self.fresh
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(sink.clone());
        Some(match self.own.as_ref().and_then(|f| f.sink(route, url)) {
            Some(own) => Box::new(Tee(sink, own)),
            None => Box::new(sink),
        })
    }
}
