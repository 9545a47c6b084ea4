//! `phoenix-support`: the support app of Phoenix LiveView's browser suite
//! (`test/e2e/test_helper.exs` and the views it routes to), written with
//! liveview's public API, on `127.0.0.1:4004` (`PORT` overrides it).
//!
//! Besides the views it serves what the suite's endpoint serves:
//! `/health`, `POST /submit` (the form params back as JSON), `POST /eval`,
//! the client bundles at `/assets/phoenix/` and `/assets/phoenix_live_view/`
//! from `PHOENIX_SUPPORT_NODE_MODULES` (a `node_modules` folder holding the
//! npm packages `phoenix` and `phoenix_live_view`; `scripts/phoenix-e2e`
//! installs them), the CSS the suite loads from CDNs (`/assets/vendor/`:
//! Tailwind's browser build and daisyUI, from the same folder), and the
//! colocated hooks at `/assets/colocated/`.
//! Run by `scripts/phoenix-e2e`.

mod layout;
mod sync_gate;
mod views;

use liveview_core::prelude::*;
use liveview_core::protocol::LiveSession;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use warp::Filter;

/// The hooks of the suite's colocated views, under their fully qualified names.
const COLOCATED_JS: &str = include_str!("colocated.js");
/// The CSS of the suite's colocated views.
const COLOCATED_CSS: &str = include_str!("colocated.css");

/// Every route of the suite that this app serves so far.
fn router() -> Router {
    // Views with a layout of their own are outside any live session, as in
    // the suite's router.
    let router = Router::new()
        .live::<views::errors::ErrorLive>("/errors")
        .live::<views::form_feedback::FormFeedbackLive>("/form/feedback")
        .live::<views::colocated::ColocatedLive>("/colocated")
        .live::<views::issues_components::Issue3169>("/issues/3169")
        .live::<views::issues_components_lists::Issue3941>("/issues/3941")
        .live::<views::issues_nested::Issue3047A>("/issues/3047/a")
        .live::<views::issues_nested::Issue3047B>("/issues/3047/b")
        .live::<views::issues_nested::Issue3530>("/issues/3530")
        .live::<views::issues_nested::Issue3681>("/issues/3681")
        .live::<views::issues_nested::Issue3681Away>("/issues/3681/away")
        .live::<views::issues_uploads::Issue2965>("/issues/2965")
        .live::<views::issues_uploads::Issue3647>("/issues/3647")
        .live::<views::issues_uploads::Issue4078>("/issues/4078");
    let default = LiveSession::new("default").live_layout(layout::suite_live_layout());
    let other = LiveSession::new("other").live_layout(layout::suite_live_layout());
    // A view's own content in the root layout (the suite's render_in_root)
    // needs a root layout of its own, hence a live session each.
    let in_root = |name: &str, html: &'static str| {
        LiveSession::new(name)
            .layout(layout::SuiteRoot { in_root: html })
            .live_layout(layout::suite_live_layout())
    };
    let issue_4147 = in_root("issue_4147", views::issues_dom::IN_ROOT_4147);
    let issue_4323 = in_root("issue_4323", views::issues_dom::IN_ROOT_4323);
    let issue_4212 = in_root("issue_4212", views::issues_streams::IN_ROOT_4212);
    // The suite's route option `container:` (a `phx-remove` on the
    // LiveView's container) as a root layout, for both views of the issue.
    let issue_3199 = LiveSession::new("issue_3199")
        .layout(views::issues_streams::Issue3199Root)
        .live_layout(layout::suite_live_layout());
    // `/portal`'s root layout of its own (the suite's `:portal_root` pipeline).
    let portal = LiveSession::new("portal").layout(views::portal::PortalRoot);
    let navigation =
        LiveSession::new("navigation").live_layout(views::navigation::navigation_layout());
    router
        .live_session(default, |r| {
            use views::issues::{
                Issue3083, Issue3107, Issue3194, Issue3194Other, Issue3529, Issue3636, Issue3719,
                Issue3814, Issue3819, Issue3919, Issue3931, Issue4094, Issue4102, Issue4325,
            };
            use views::streams::{
                HealthyLive, StreamInsideForLive, StreamLimitLive, StreamLive, StreamResetLive,
            };
            r.live::<StreamLive>("/stream")
                .live::<StreamResetLive>("/stream/reset")
                .live::<views::streams::StreamResetLcLive>("/stream/reset-lc")
                .live::<StreamLimitLive>("/stream/limit")
                .live::<views::streams::StreamNestedComponentResetLive>(
                    "/stream/nested-component-reset",
                )
                .live::<StreamInsideForLive>("/stream/inside-for")
                .live::<HealthyLive>("/healthy/:category")
                .live::<views::js::JsLive>("/js")
                .live::<views::form_unsaved::FormUnsavedLive>("/form-unsaved")
                .live::<views::form_unsaved::Target>("/form-unsaved/target")
                .live::<views::select::SelectLive>("/select")
                .live::<views::components::ComponentsLive>("/components")
                .live::<views::keyed::KeyedComprehensionLive>("/keyed-comprehension")
                .live::<views::form::FormLive>("/form")
                .live::<views::form::FormDynamicInputsLive>("/form/dynamic-inputs")
                .live::<views::form_nested::NestedFormLive>("/form/nested")
                .live::<views::form_stream::FormStreamLive>("/form/stream")
                .live::<views::uploads::UploadLive>("/upload")
                .live::<views::uploads::Issue3319>("/issues/3319")
                .live::<views::uploads::Issue3368>("/issues/3368")
                .live::<Issue3083>("/issues/3083")
                .live::<Issue3107>("/issues/3107")
                .live::<Issue3194>("/issues/3194")
                .live::<Issue3194Other>("/issues/3194/other")
                .live::<Issue3529>("/issues/3529")
                .live::<Issue3636>("/issues/3636")
                .live::<Issue3719>("/issues/3719")
                .live::<Issue3814>("/issues/3814")
                .live::<Issue3819>("/issues/3819")
                .live::<Issue3919>("/issues/3919")
                .live::<Issue3931>("/issues/3931")
                .live::<Issue4094>("/issues/4094")
                .live::<Issue4102>("/issues/4102")
                .live::<Issue4325>("/issues/4325")
                .live::<views::issues_forms::Issue2787>("/issues/2787")
                .live::<views::issues_dom::Issue3040>("/issues/3040")
                .live::<views::issues_forms::Issue3448>("/issues/3448")
                .live::<views::issues_dom::Issue3651>("/issues/3651")
                .live::<views::issues_navigation::Issue3686A>("/issues/3686/a")
                .live::<views::issues_navigation::Issue3686B>("/issues/3686/b")
                .live::<views::issues_forms::Issue4095>("/issues/4095")
                .live::<views::issues_forms::Issue4107>("/issues/4107")
                .live::<views::issues_navigation::Issue4290A>("/issues/4290/a")
                .live::<views::issues_navigation::Issue4290B>("/issues/4290/b")
                .live::<views::issues_streams::Issue4121>("/issues/4121")
                .live::<views::issues_uploads::Issue2835>("/issues/2835")
                .live::<views::issues_uploads::Issue3391>("/issues/3391")
                .live::<views::issues_uploads::Issue4368>("/issues/4368")
                .live::<views::issues_components::Issue3026>("/issues/3026")
                .live::<views::issues_components::Issue3117>("/issues/3117")
                .live::<views::issues_components::Issue3200Panel>("/issues/3200/messages")
                .live::<views::issues_components::Issue3200Panel>("/issues/3200/settings")
                .live::<views::issues_components::Issue3684>("/issues/3684")
                .live::<views::issues_components_lists::Issue3709>("/issues/3709")
                .live::<views::issues_components_lists::Issue3709>("/issues/3709/:id")
                .live::<views::issues_components_lists::Issue3979>("/issues/3979")
                .live::<views::issues_components_lists::Issue4027>("/issues/4027")
                .live::<views::issues_components_hooks::Issue4066>("/issues/4066")
                .live::<views::issues_components_hooks::Issue4088>("/issues/4088")
                .live::<views::issues_components_hooks::Issue4334>("/issues/4334")
                .live::<views::issues_components_lists::Issue4350>("/issues/4350")
                .live::<views::issues_nested_components::Issue3953>("/issues/3953")
                .live::<views::issues_nested_components::Issue4209>("/issues/4209")
                .live::<views::issues_nested::Issue3378>("/issues/3378")
                .live::<views::issues_nested::Issue3496A>("/issues/3496/a")
                .live::<views::issues_nested::Issue3496B>("/issues/3496/b")
                .live::<views::issues_nested::Issue3612A>("/issues/3612/a")
                .live::<views::issues_nested::Issue3612B>("/issues/3612/b")
                .live::<views::issues_nested::Issue3656>("/issues/3656")
                .live::<views::issues_nested::Issue3658>("/issues/3658")
                .live::<views::issues_nested::Issue4359>("/issues/4359")
        })
        .live_session(other, |r| {
            r.live::<views::issues_navigation::Issue3686C>("/issues/3686/c")
        })
        .live_session(portal, |r| r.live::<views::portal::PortalLive>("/portal"))
        .live_session(issue_4147, |r| {
            r.live::<views::issues_dom::Issue4147>("/issues/4147")
        })
        .live_session(issue_4323, |r| {
            r.live::<views::issues_dom::Issue4323>("/issues/4323")
        })
        .live_session(issue_4212, |r| {
            r.live::<views::issues_streams::Issue4212>("/issues/4212")
        })
        .live_session(issue_3199, |r| {
            use views::issues_streams::{Issue3199, Issue3199Away};
            r.live::<Issue3199>("/issues/3199")
                .live::<Issue3199Away>("/issues/3199/away")
        })
        .live_session(navigation, |r| {
            use views::navigation::{ALive, BLive, RedirectLoopLive};
            r.live::<ALive>("/navigation/a")
                .live::<BLive>("/navigation/b")
                .live::<BLive>("/navigation/b/:id")
                .live::<RedirectLoopLive>("/navigation/redirectloop")
        })
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::var("QUIET").as_deref() != Ok("1") {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_writer(std::io::stderr)
            .init();
    }
    let port: u16 = match std::env::var("PORT").map(|p| p.parse()) {
        Err(_) => 4004,
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            eprintln!("phoenix-support: PORT: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(modules) = std::env::var_os("PHOENIX_SUPPORT_NODE_MODULES").map(PathBuf::from) else {
        eprintln!(
            "phoenix-support: set PHOENIX_SUPPORT_NODE_MODULES to a node_modules folder with the \
             npm packages phoenix and phoenix_live_view (scripts/phoenix-e2e does)"
        );
        return ExitCode::from(2);
    };
    for needed in [
        "phoenix/priv/static",
        "phoenix_live_view/priv/static",
        "@tailwindcss/browser/dist/index.global.js",
        "daisyui/daisyui.css",
    ] {
        if !modules.join(needed).exists() {
            eprintln!("phoenix-support: {} has no {needed}", modules.display());
            return ExitCode::from(2);
        }
    }
    // A fixed secret, as the suite's endpoint has one.
    let mut config = Config::new(vec![b'a'; 64]).expect("a 64-byte secret");
    config.layout = Arc::new(layout::SuiteRoot::default());
    let app = Arc::new(App::new(router(), config));

    let health = warp::path!("health").map(|| "OK");
    let dead = warp::path!("navigation" / "dead")
        .and(warp::get())
        .map(|| warp::reply::html(views::navigation::dead_page()));
    let submit = warp::path!("submit")
        .and(warp::post())
        .and(warp::body::form::<Vec<(String, String)>>())
        .map(|params: Vec<(String, String)>| {
            let echoed: BTreeMap<String, String> = params.into_iter().collect();
            warp::reply::json(&echoed)
        });
    let gates = Arc::new(sync_gate::SyncGates::default());
    let eval = {
        let gates = Arc::clone(&gates);
        warp::path!("eval")
            .and(warp::post())
            .and(warp::body::json::<serde_json::Value>())
            .map(move |body: serde_json::Value| {
                use warp::http::StatusCode;
                let code = body["code"].as_str().unwrap_or_default().to_owned();
                let (status, answer) = match gates.eval(&code) {
                    Some(Ok(())) => (StatusCode::OK, serde_json::Value::Null),
                    Some(Err(e)) => (StatusCode::BAD_REQUEST, serde_json::json!({"error": e})),
                    None => {
                        tracing::warn!(code, "POST /eval: no equivalent for this code");
                        let answer = serde_json::json!({"error": "unknown code", "code": code});
                        (StatusCode::NOT_IMPLEMENTED, answer)
                    }
                };
                warp::reply::with_status(warp::reply::json(&answer), status)
            })
    };
    // The client bundles do not change while the app runs: a browser keeps
    // them (and their compiled code) across the many page loads of a spec.
    let cached = || warp::reply::with::header("cache-control", "public, max-age=3600");
    let phoenix = warp::path!("assets" / "phoenix" / ..)
        .and(warp::fs::dir(modules.join("phoenix/priv/static")))
        .with(cached());
    let live_view = warp::path!("assets" / "phoenix_live_view" / ..)
        .and(warp::fs::dir(modules.join("phoenix_live_view/priv/static")))
        .with(cached());
    let tailwind = warp::path!("assets" / "vendor" / "tailwind.js").and(warp::fs::file(
        modules.join("@tailwindcss/browser/dist/index.global.js"),
    ));
    let daisyui = warp::path!("assets" / "vendor" / "daisyui.css")
        .and(warp::fs::file(modules.join("daisyui/daisyui.css")));
    let colocated_js = warp::path!("assets" / "colocated" / "index.js")
        .map(|| warp::reply::with_header(COLOCATED_JS, "content-type", "text/javascript"));
    let colocated_css = warp::path!("assets" / "colocated" / "colocated.css")
        .map(|| warp::reply::with_header(COLOCATED_CSS, "content-type", "text/css"));
    let own = health
        .or(dead)
        .or(submit)
        .or(eval)
        .or(phoenix)
        .or(live_view)
        .or(tailwind)
        .or(daisyui)
        .or(colocated_js)
        .or(colocated_css)
        .or(views::uploads::downloads());

    let addr = ([127, 0, 0, 1], port).into();
    eprintln!("phoenix-support: serving on http://127.0.0.1:{port}");
    let opts = liveview_warp::Options {
        tasks: views::streams::stream_tasks(views::issues::issue_3931_tasks(
            views::issues_components::issue_component_tasks(
                views::issues_nested_components::issue_4209_tasks(
                    liveview_core::tasks::Tasks::new(),
                ),
            ),
        )),
        frame_gate: Some(gates.gate()),
        ..liveview_warp::Options::default()
    };
    let opts = liveview_warp::Options {
        tasks: views::uploads::upload_tasks(opts.tasks),
        ..opts
    };
    let opts = liveview_warp::Options {
        upload_writers: views::issues_uploads::issue_upload_writers(opts.upload_writers),
        ..opts
    };
    match liveview_warp::serve_with(app, addr, opts, |routes| own.or(routes)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("phoenix-support: cannot listen on {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}
