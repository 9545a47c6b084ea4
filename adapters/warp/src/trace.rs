//! Recording sessions to files, for replay with `liveview-test`.
//!
//! Set [`Config::trace`](liveview_core::protocol::Config) to a [`FileTraces`]
//! and every view joined over a socket writes its trace (see
//! [`liveview_core::trace`] for the format) to its own file:
//!
//! ```no_run
//! use liveview_core::protocol::Config;
//! use std::sync::Arc;
//! let mut config = Config::new(vec![7; 32]).unwrap();
//! config.trace = Some(Arc::new(liveview_warp::trace::FileTraces::new("traces").unwrap()));
//! ```

use liveview_core::trace::{TraceFactory, TraceSink};
use liveview_core::Url;
use std::fs::{self, File};
use std::io::{LineWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Writes one `*.trace.jsonl` file per joined view into a directory.
///
/// File names are `<unix micros>-<sequence>-<route>.trace.jsonl` (the route
/// with every character other than letters and digits turned into `_`), so
/// they sort by start time.
#[derive(Debug)]
pub struct FileTraces {
    dir: PathBuf,
    next: AtomicU64,
    only: Option<String>,
}

impl FileTraces {
    /// Records into `dir`, creating it if needed.
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<FileTraces> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(FileTraces {
            dir,
            next: AtomicU64::new(0),
            only: None,
        })
    }

    /// Records only the views joined through the route pattern `route` (e.g. `/counter`).
    pub fn only_route(mut self, route: impl Into<String>) -> FileTraces {
        self.only = Some(route.into());
        self
    }

    /// The directory traces go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_name(&self, route: &str) -> String {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0);
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        let route: String = route
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        format!("{micros}-{seq}-{route}.trace.jsonl")
    }
}

impl TraceFactory for FileTraces {
    fn sink(&self, route: &str, _url: &Url) -> Option<Box<dyn TraceSink>> {
        if self.only.as_deref().is_some_and(|only| only != route) {
            return None;
        }
        let path = self.dir.join(self.file_name(route));
        match File::create(&path) {
            Ok(file) => Some(Box::new(FileSink {
                path,
                file: Mutex::new(Some(LineWriter::new(file))),
            })),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot create a trace file");
                None
            }
        }
    }
}

/// One trace file; each line is written through as it comes.
struct FileSink {
    path: PathBuf,
    /// `None` after a write error (logged once; the view keeps running unrecorded).
    file: Mutex<Option<LineWriter<File>>>,
}

impl TraceSink for FileSink {
    fn write_line(&self, line: &str) {
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = guard.as_mut() {
            if let Err(e) = w
                .write_all(line.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
            {
                tracing::warn!(path = %self.path.display(), error = %e, "trace stopped");
                *guard = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_per_sink_lines_written_through() {
        let dir = std::env::temp_dir().join(format!("lv-trace-test-{}", std::process::id()));
        let traces = FileTraces::new(&dir).unwrap().only_route("/counter");
        let url = Url::parse("/counter").unwrap();
        assert!(traces.sink("/other", &url).is_none());
        let a = traces.sink("/counter", &url).unwrap();
        let b = traces.sink("/counter", &url).unwrap();
        a.write_line(r#"{"a":1}"#);
        a.write_line(r#"{"a":2}"#);
        b.write_line(r#"{"b":1}"#);
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert_eq!(files.len(), 2);
        assert!(files[0]
            .to_string_lossy()
            .ends_with("-_counter.trace.jsonl"));
        let texts: Vec<String> = files
            .iter()
            .map(|f| fs::read_to_string(f).unwrap())
            .collect();
        assert!(
            texts.contains(&"{\"a\":1}\n{\"a\":2}\n".to_string()),
            "{texts:?}"
        );
        assert!(texts.contains(&"{\"b\":1}\n".to_string()));
        fs::remove_dir_all(&dir).unwrap();
    }
}
