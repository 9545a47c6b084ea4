//! `liveview-examples`: serves the conformance app on `HOST:PORT` (default 127.0.0.1:3000).
//!
//! With `LIVEVIEW_METRICS=1`, `GET /_lv/metrics` serves the socket gauges as JSON
//! (see `liveview_warp::metrics`). With `LIVEVIEW_REDIS_URL` set, pub/sub goes
//! through that Redis (`liveview_redis`), so several nodes share broadcasts;
//! `LIVEVIEW_REDIS_NAMESPACE` (default `liveview`) namespaces the topics. The library's `tracing` events go to
//! stderr, filtered by `RUST_LOG` (default `info`); `QUIET=1` silences them.

use liveview_core::protocol::App;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

/// jemalloc instead of the system allocator. With glibc's malloc, the memory
/// of 2 000 sockets that have left stays resident (freed chunks stay in the
/// malloc arenas: 10 MiB before, 25 MiB after, see tests/tests/leaks.rs);
/// jemalloc returns freed pages to the OS (8.4 MiB before and after).
/// (Built without the default `jemalloc` feature, the server uses the system
/// allocator, which heap profilers such as heaptrack can follow.)
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options (read at its start; `_RJEM_MALLOC_CONF` in the
/// environment overrides them): a background thread purges freed pages
/// (`dirty_decay_ms`) so an idle server shrinks back too; `muzzy_decay_ms:0`
/// returns them at once rather than keeping them lazily freed; `tcache:false`
/// because per-thread caches are only trimmed when their thread allocates
/// again, so an idle server kept the freed objects of its last burst of
/// sockets (the slabs they pin stay resident): measured with lvbench's
/// `idle`, RSS 8 s after 1000 / 4000 views left was +30 % / +56 % over the
/// fresh server with the caches and +1.0 % / +2.6 % without; `counter -u 10`
/// ran at the same rate, `counter -u 1` about 9 % slower (BENCHMARKS.md).
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: ConfString = ConfString(
    c"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,tcache:false".as_ptr(),
);

/// A C string pointer (`const char *`), as jemalloc reads its `malloc_conf`.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[repr(transparent)]
pub struct ConfString(*const std::ffi::c_char);
// SAFETY: it points to an immutable static string.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
unsafe impl Sync for ConfString {}

#[tokio::main]
async fn main() -> ExitCode {
    let env = |k: &str| std::env::var(k).ok();
    if let Err(e) = init_log(env) {
        eprintln!("liveview-examples: {e}");
        return ExitCode::from(2);
    }
    // Without LIVEVIEW_SECRET this binary (not the library) makes one up for
    // this run, and says so: pages rendered before a restart then reload.
    let made_up = env("LIVEVIEW_SECRET").is_none().then(|| {
        let mut secret = [0u8; 48];
        liveview_warp::entropy(&mut secret);
        secret
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    });
    let env = |k: &str| match (k, &made_up) {
        ("LIVEVIEW_SECRET", Some(s)) => Some(s.clone()),
        _ => env(k),
    };
    if made_up.is_some() {
        tracing::warn!(
            "LIVEVIEW_SECRET is not set: signing with a random secret made for this run \
             (open pages reload after a restart; set LIVEVIEW_SECRET to keep them)"
        );
    }
    let server = match liveview_warp::ServerConfig::from_vars(3000, env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("liveview-examples: {e}");
            return ExitCode::from(2);
        }
    };
    let mut config = liveview_examples::config(server.secret.clone());
    if let Some(dir) = std::env::var_os("LIVEVIEW_TRACE_DIR") {
        match liveview_warp::trace::FileTraces::new(&dir) {
            Ok(traces) => config.trace = Some(Arc::new(traces)),
            Err(e) => {
                eprintln!(
                    "liveview-examples: LIVEVIEW_TRACE_DIR={}: {e}",
                    dir.to_string_lossy()
                );
                return ExitCode::from(2);
            }
        }
    }
    let app = Arc::new(App::new(liveview_examples::router(), config));
    let mut opts = match options(env) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("liveview-examples: {e}");
            return ExitCode::from(2);
        }
    };
    opts.tasks = liveview_examples::tasks();
    if let Some(url) = env("LIVEVIEW_REDIS_URL") {
        let namespace = env("LIVEVIEW_REDIS_NAMESPACE").unwrap_or_else(|| "liveview".into());
        match liveview_redis::RedisPubSub::connect(&url, &namespace) {
            Ok(pubsub) => {
                tracing::info!(%namespace, node = pubsub.node_id(), "pub/sub over Redis");
                opts.pubsub = Arc::new(pubsub);
            }
            Err(e) => {
                eprintln!("liveview-examples: LIVEVIEW_REDIS_URL: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if std::env::var_os("LIVEVIEW_METRICS").is_some_and(|v| v == "1") {
        // Live sockets, views, timers and subscriptions as JSON (leak tests, monitoring).
        opts.metrics_path = Some("/_lv/metrics".into());
    }
    match liveview_warp::serve(app, server.addr, opts).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("liveview-examples: cannot listen on {}: {e}", server.addr);
            ExitCode::FAILURE
        }
    }
}

/// Prints `tracing` events on stderr (colored on a terminal), filtered by
/// `RUST_LOG` when set (e.g. `RUST_LOG=liveview_warp=debug`), else `info` and
/// up. With `QUIET=1` no subscriber is installed: nothing is printed.
fn init_log(var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
    if var("QUIET").is_some_and(|v| v == "1") {
        return Ok(());
    }
    let filter = match var("RUST_LOG") {
        Some(directives) => {
            EnvFilter::try_new(&directives).map_err(|e| format!("RUST_LOG={directives:?}: {e}"))?
        }
        None => EnvFilter::new("info"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    Ok(())
}

/// The adapter's options, with the per-socket limits from
/// `LIVEVIEW_MAX_OUTPUT_BYTES` and `LIVEVIEW_MAX_INPUT_QUEUE` when set, and
/// the WebSocket origins allowed from `LIVEVIEW_ALLOWED_ORIGINS`
/// (comma-separated, `*` for any; a list replaces the same-host default, so
/// it must name the server's own origin too).
fn options(var: impl Fn(&str) -> Option<String>) -> Result<liveview_warp::Options, String> {
    let mut opts = liveview_warp::Options::default();
    let number = |name: &str| -> Result<Option<usize>, String> {
        var(name)
            .map(|v| {
                v.parse()
                    .map_err(|e| format!("{name}={v:?} is not a number: {e}"))
            })
            .transpose()
    };
    if let Some(n) = number("LIVEVIEW_MAX_OUTPUT_BYTES")? {
        opts.max_output_bytes = n;
    }
    if let Some(n) = number("LIVEVIEW_MAX_INPUT_QUEUE")? {
        opts.max_input_queue = n;
    }
    if let Some(list) = var("LIVEVIEW_ALLOWED_ORIGINS") {
        opts.allowed_origins = if list.trim() == "*" {
            liveview_warp::AllowedOrigins::Any
        } else {
            liveview_warp::AllowedOrigins::List(
                list.split(',')
                    .map(|o| o.trim().to_string())
                    .filter(|o| !o.is_empty())
                    .collect(),
            )
        };
    }
    Ok(opts)
}
