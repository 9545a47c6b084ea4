//! `liveview-examples`: serves the conformance app on `HOST:PORT` (default 127.0.0.1:3000).

use liveview_core::protocol::App;
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> ExitCode {
    let server = match liveview_warp::ServerConfig::from_env(3000) {
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
    let opts = match options(|k| std::env::var(k).ok()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("liveview-examples: {e}");
            return ExitCode::from(2);
        }
    };
    match liveview_warp::serve(app, server.addr, opts).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("liveview-examples: cannot listen on {}: {e}", server.addr);
            ExitCode::FAILURE
        }
    }
}

/// The adapter's options, with the per-socket limits from
/// `LIVEVIEW_MAX_OUTPUT_BYTES` and `LIVEVIEW_MAX_INPUT_QUEUE` when set, and
/// extra allowed WebSocket origins from `LIVEVIEW_ALLOWED_ORIGINS`
/// (comma-separated, `*` for any).
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
