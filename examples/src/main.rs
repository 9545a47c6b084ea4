//! `liveview-examples`: serves the conformance app on `HOST:PORT` (default 127.0.0.1:3000).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match liveview_warp::ServerConfig::from_env(3000) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("liveview-examples: {e}");
            return ExitCode::from(2);
        }
    };
    let app = liveview_examples::app(config.secret.clone());
    match liveview_warp::serve(app, config.addr, liveview_warp::Options::default()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("liveview-examples: cannot listen on {}: {e}", config.addr);
            ExitCode::FAILURE
        }
    }
}
