//! Every conformance view (`shared/conformance/APP.md`) tested with
//! `liveview-test` through the app's real router: what a user of the
//! harness writes for their own views.

use liveview_examples::views::feed::Feed;
use liveview_test::{TestApp, TestError, TraceOutput};
use std::time::Duration;

fn app() -> TestApp {
    TestApp::with_router(liveview_examples::router())
}

#[test]
fn counter_counts_up_and_down() -> Result<(), TestError> {
    let view = app().mount("/counter")?;
    assert_eq!(view.text("#count")?, "0");
    view.click("#inc")?;
    view.click("#inc")?;
    view.click("#dec")?;
    assert_eq!(view.text("#count")?, "1");
    // Only the changed slot travels.
    let diff = view.last_diff().expect("a diff");
    assert!(diff.to_string().len() < 40, "{diff}");
    Ok(())
}

#[test]
fn dashboard_ticks_only_when_connected() -> Result<(), TestError> {
    let app = app();
    let dead = app.dead_render("/dashboard?ms=100")?;
    assert_eq!(dead.timer_count(), 0, "no timer for the dead render");
    let view = app.mount("/dashboard?ms=100")?;
    assert_eq!(view.timer_count(), 1);
    view.advance(Duration::from_millis(350))?;
    assert_eq!(view.text("#ticks")?, "3");
    view.advance(Duration::from_millis(50))?;
    assert_eq!(view.text("#ticks")?, "4");
    view.stop();
    assert_eq!(view.timer_count(), 0, "stopping ends the repeat");
    Ok(())
}

#[test]
fn search_shows_loading_then_the_results_of_its_task() -> Result<(), TestError> {
    use liveview_examples::views::search::{latency, search_words, Info, Search};
    let view = app().mount("/search")?;
    // The search service, on the virtual clock, with its real latency.
    view.run_tasks_with::<Search>(|_, task| match task {
        Info::RunSearch { query } => (latency(&query), Ok(Info::Results(search_words(&query)))),
        other => panic!("not a task: {other:?}"),
    })?;
    view.submit("#search-form", &[("query", "pe")])?;
    assert_eq!(view.text("#status")?, "loading");
    assert_eq!(
        view.pending_tasks::<Search>()?,
        vec![("search".into(), Info::RunSearch { query: "pe".into() })]
    );
    view.advance(latency("pe"))?;
    assert_eq!(view.text("#status")?, "2 results");
    assert_eq!(view.texts("#results li")?, vec!["peach", "pear"]);
    // The submit's reply rendered `loading` before the task's push brought the results.
    let produced = view.produced();
    let reply = produced
        .iter()
        .rposition(|o| matches!(o, TraceOutput::Reply { .. }))
        .expect("a reply");
    let push = produced
        .iter()
        .rposition(|o| matches!(o, TraceOutput::Push { .. }))
        .expect("a push");
    assert!(reply < push, "{produced:?}");
    let TraceOutput::Reply {
        diff: Some(diff), ..
    } = &produced[reply]
    else {
        panic!("the reply carries a diff: {produced:?}");
    };
    assert!(diff.to_string().contains("loading"), "{diff}");

    // A newer search supersedes one still running: only its results show.
    view.submit("#search-form", &[("query", "a")])?;
    view.submit("#search-form", &[("query", "b")])?;
    view.advance(std::time::Duration::from_millis(300))?;
    assert_eq!(view.texts("#results li")?, vec!["banana", "blueberry"]);
    Ok(())
}

#[test]
fn form_validates_and_saves_escaped() -> Result<(), TestError> {
    let view = app().mount("/form")?;
    view.change("#user-form", &[("user[name]", "Al")])?;
    assert!(view.has_element("#name-error")?);
    view.change("#user-form", &[("user[name]", "Alan")])?;
    assert!(!view.has_element("#name-error")?);
    view.submit("#user-form", &[("user[name]", "Al")])?;
    assert!(view.has_element("#name-error")?);
    assert!(!view.has_element("#saved")?);
    view.submit("#user-form", &[("user[name]", "<b>x</b>")])?;
    assert_eq!(view.text("#saved")?, "Saved <b>x</b>");
    assert!(
        view.render().contains("Saved &lt;b&gt;x&lt;/b&gt;"),
        "escaped in the HTML"
    );
    Ok(())
}

#[test]
fn chat_reaches_every_connected_view() -> Result<(), TestError> {
    let app = app();
    let alice = app.mount("/chat")?;
    let bob = app.mount("/chat")?;
    assert_eq!(alice.subscriptions(), vec!["chat".to_string()]);
    alice.submit("#chat-form", &[("body", "hi bob")])?;
    bob.submit("#chat-form", &[("body", "hi <alice>")])?;
    for view in [&alice, &bob] {
        assert_eq!(view.texts("#messages li")?, vec!["hi bob", "hi <alice>"]);
    }
    Ok(())
}

#[test]
fn list_bump_changes_one_row_with_a_small_diff() -> Result<(), TestError> {
    let view = app().mount("/list?n=1000")?;
    assert_eq!(view.count("#rows tr")?, 1000);
    view.click("#row-7 button")?;
    view.click("#row-7 button")?;
    view.click("#row-999 button")?;
    assert_eq!(view.text("#row-7 td.v")?, "2");
    assert_eq!(view.text("#row-999 td.v")?, "1");
    assert_eq!(view.text("#row-8 td.v")?, "0");
    let diff = view.last_diff().expect("a diff").to_string();
    assert!(
        diff.len() < 120,
        "one changed row of 1000: {} bytes {diff}",
        diff.len()
    );
    Ok(())
}

#[test]
fn feed_streams_rows_the_server_does_not_keep() -> Result<(), TestError> {
    let view = app().mount("/feed?n=1000")?;
    assert_eq!(view.count("#rows tr")?, 1000);
    assert_eq!(view.state(|f: &Feed| f.pending()), Some(0));
    view.click("#append")?;
    // Only the new row travels; the server still holds none.
    let diff = view.last_diff().expect("a diff").to_string();
    assert!(
        diff.len() < 400,
        "one appended row: {} bytes {diff}",
        diff.len()
    );
    assert_eq!(
        view.state(|f: &Feed| (f.len(), f.pending())),
        Some((1001, 0))
    );
    assert_eq!(view.texts("#rows-1000 td")?[0], "1000");
    // A row sent again is updated in place.
    view.click("#rows-7 button[phx-click=bump]")?;
    view.click("#rows-7 button[phx-click=bump]")?;
    assert_eq!(view.text("#rows-7 td.v")?, "2");
    assert_eq!(view.stream_ids("rows")?[7], "rows-7");
    view.click("#rows-3 button[phx-click=remove]")?;
    assert_eq!(view.count("#rows tr")?, 1000);
    assert!(!view.has_element("#rows-3")?);
    // The limit keeps the last 100 rows on the page.
    view.click("#keep")?;
    assert_eq!(view.count("#rows tr")?, 100);
    let ids = view.stream_ids("rows")?;
    assert_eq!(
        (ids[0].as_str(), ids[99].as_str()),
        ("rows-902", "rows-1001")
    );
    Ok(())
}

#[test]
fn nav_patches_without_remounting() -> Result<(), TestError> {
    let view = app().mount("/nav")?;
    assert_eq!(view.text("#page")?, "1");
    view.follow_patch("#next")?;
    view.follow_patch("#next")?;
    assert_eq!(view.text("#page")?, "3");
    assert_eq!(view.text("#mounts")?, "1");
    assert_eq!(view.url(), "/nav?page=3");
    Ok(())
}

#[test]
fn report_builds_in_the_background_and_rebuilds_keeping_the_last_report() -> Result<(), TestError> {
    use liveview_examples::views::report::{Info, Report, Summary};
    let view = app().mount("/report?ms=250")?;
    assert_eq!(view.text("#report")?, "building…");
    assert_eq!(
        view.pending_tasks::<Report>()?,
        vec![("report".into(), Info::Build { build: 1, ms: 250 })]
    );
    // The page answers clicks while the report builds.
    view.click("#inc")?;
    assert_eq!(view.text("#clicks")?, "1");
    // The runner's work, on the virtual clock: as long as the task says.
    view.run_tasks_with::<Report>(|_, task| match task {
        Info::Build { build, ms } => {
            let rows = u64::from(build) * 10;
            (
                Duration::from_millis(ms),
                Ok(Info::Built(Summary { rows, total: rows })),
            )
        }
        other => panic!("not a task: {other:?}"),
    })?;
    view.advance(Duration::from_millis(249))?;
    assert_eq!(view.text("#state")?, "loading");
    view.advance(Duration::from_millis(1))?;
    assert_eq!(view.text("#report")?, "10 rows, total 10");
    view.click("#rebuild")?;
    assert_eq!(
        view.text("#report")?,
        "10 rows, total 10",
        "kept while rebuilding"
    );
    assert_eq!(view.text("#state")?, "loading");
    view.advance(Duration::from_millis(250))?;
    assert_eq!(view.text("#report")?, "20 rows, total 20");
    assert_eq!(view.text("#builds")?, "2");
    Ok(())
}

#[test]
fn rows_are_components_with_their_own_events() -> Result<(), TestError> {
    use liveview_examples::views::rows::{Row, RowInfo, Rows};
    let view = app().mount("/rows?n=3")?;
    assert_eq!(view.components::<Rows>().len(), 3);
    // The button's phx-target is the row's cid: the click goes to the row,
    // and only that row is rendered again.
    view.click("#row-1 button")?;
    view.click("#row-1 button")?;
    assert_eq!(view.text("#row-1 .v")?, "2");
    let diff = view.last_diff().expect("a diff").to_string();
    assert!(diff.starts_with(r#"{"c":{"#), "{diff}");
    assert_eq!(
        view.component_state::<Rows, Row, _>("1", |r| format!("{r:?}"))
            .as_deref(),
        Some("Row { i: 1, v: 2 }")
    );
    // A row tells its parent (send_parent).
    view.click("#row-1 td:first-child")?;
    assert_eq!(view.text("#told")?, "row 1 has 2");
    // send_update from the parent, and from the test.
    view.event("reset", serde_json::json!({"i": "1"}))?;
    assert_eq!(view.text("#row-1 .v")?, "0");
    view.send_update::<Row>("2", &RowInfo::Set(7))?;
    assert_eq!(view.text("#row-2 .v")?, "7");
    // Rows the parent stops rendering are destroyed once the client says so.
    view.event("resize", serde_json::json!({"n": "1"}))?;
    assert_eq!(view.count("tr")?, 1);
    assert_eq!(view.components::<Rows>().len(), 1);
    Ok(())
}

#[test]
fn events_for_components_the_view_does_not_have_are_refused_and_change_nothing(
) -> Result<(), TestError> {
    use liveview_core::event::ClientEvent;
    let view = app().mount("/rows?n=3")?;
    view.event("resize", serde_json::json!({"n": "1"}))?;
    let before = view.render();
    let bump = |cid: u64| {
        let mut e = ClientEvent::json("click", "bump", serde_json::json!({"value": ""}));
        e.cid = Some(cid);
        e
    };
    // Row 2 (cid 3) was destroyed when the client reported it gone.
    for cid in [3, 999] {
        match view.client_event(bump(cid)) {
            Err(TestError::Refused { reason, .. }) => {
                assert!(
                    reason.contains(&format!("targets component {cid}")),
                    "{reason}"
                )
            }
            other => panic!("cid {cid}: expected a refusal, got {other:?}"),
        }
        assert_eq!(view.render(), before);
    }
    // The live row still works.
    view.click("#row-0 button")?;
    assert_eq!(view.text("#row-0 .v")?, "1");
    Ok(())
}

#[test]
fn nested_children_count_on_their_own_channels_and_tell_the_page() -> Result<(), TestError> {
    let view = app().mount("/nested?children=3")?;
    assert_eq!(view.children(), vec!["child-0", "child-1", "child-2"]);
    assert_eq!(view.count(".count")?, 3);
    let child = view.live_child("child-1")?;
    child.click("button")?;
    child.click("button")?;
    assert_eq!(child.text(".count")?, "2");
    assert_eq!(view.text("#last")?, "child 1 counts 2");
    // The child's clicks rendered the child alone.
    assert_eq!(view.texts(".count")?, vec!["0", "2", "0"]);
    Ok(())
}

#[test]
fn upload_shows_progress_then_the_received_files_size_and_cancels() -> Result<(), TestError> {
    use liveview_test::File;
    let view = app().mount("/upload")?;
    let big = vec![7u8; 150_000];
    let files = view.file_input(
        "#upload-form",
        "files",
        [File::new(
            "big.bin",
            big.clone(),
            "application/octet-stream",
        )],
    )?;
    let entry = format!("#entry-{}", files.entry_ref("big.bin").expect("selected"));
    assert!(
        view.text(&entry)?.starts_with("big.bin 0%"),
        "{}",
        view.text(&entry)?
    );
    // 64 000-byte chunks: 50 % is one chunk and part of the next.
    view.render_upload(&files, "big.bin", 50)?;
    assert!(
        view.text(&entry)?.starts_with("big.bin 50%"),
        "{}",
        view.text(&entry)?
    );
    assert_eq!(view.uploaded_files()[0].bytes.len(), 75_000);
    view.render_upload(&files, "big.bin", 100)?;
    // Done: consumed at once, listed with its size.
    assert_eq!(view.text("#received")?, "big.bin: 150000 bytes");
    assert_eq!(view.text("#entries")?, "");
    assert_eq!(view.uploaded_files()[0].bytes, big);

    let other = view.file_input(
        "#upload-form",
        "files",
        [File::new("notes.txt", "some notes", "text/plain")],
    )?;
    let r = other.entry_ref("notes.txt").expect("selected").to_owned();
    view.click(&format!("#entry-{r} button"))?;
    assert_eq!(view.text("#entries")?, "");
    view.stop();
    assert!(view.uploaded_files().is_empty() && view.upload_writers() == 0);
    Ok(())
}
