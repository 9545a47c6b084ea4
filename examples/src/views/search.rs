//! `/search`: a form whose submit shows `loading`, then the results of an
//! async search task ([`search_service`], 100–300 ms), which a newer search
//! supersedes.

use liveview_core::tasks::Tasks;
use liveview_core::{html, AsyncError, Command, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The words searched.
pub const WORDS: &[&str] = &[
    "apple",
    "apricot",
    "banana",
    "blueberry",
    "cherry",
    "grape",
    "lemon",
    "lime",
    "mango",
    "melon",
    "orange",
    "peach",
    "pear",
    "plum",
];

/// The state.
#[derive(Clone, Debug, Default)]
pub struct Search {
    query: String,
    loading: bool,
    results: Vec<String>,
    failed: Option<String>,
}

/// The form's submit.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// `phx-submit="search"` with the input `query`.
    Search {
        /// The text typed.
        #[serde(default)]
        query: String,
    },
}

/// The search task and its result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Info {
    /// The task: search for this query.
    RunSearch {
        /// The query.
        query: String,
    },
    /// Its result: the words found.
    Results(Vec<String>),
}

impl LiveView for Search {
    type Event = Event;
    type Info = Info;

    fn mount(_: &Mount) -> Update<Self> {
        (Search::default(), vec![])
    }

    /// Shows `loading` and starts the search; a new search supersedes one
    /// still running (its results never show).
    fn handle_event(self, event: Event) -> Update<Self> {
        match event {
            Event::Search { query } => {
                let task = Info::RunSearch {
                    query: query.clone(),
                };
                (
                    Search {
                        query,
                        loading: true,
                        results: vec![],
                        failed: None,
                    },
                    vec![Command::start_async("search", task)],
                )
            }
        }
    }

    fn handle_async(self, _key: String, result: Result<Info, AsyncError>) -> Update<Self> {
        let (results, failed) = match result {
            Ok(Info::Results(words)) => (words, None),
            Ok(other) => (vec![], Some(format!("unexpected {other:?}"))),
            Err(e) => (vec![], Some(e.to_string())),
        };
        (
            Search {
                loading: false,
                results,
                failed,
                ..self
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Search</h1>
<form id="search-form" phx-submit="search">
  <input type="text" name="query" value="{self.query}" placeholder="fruit">
  <button type="submit">Search</button>
</form>
{#if self.loading}<div id="status">loading</div>{:else if let Some(e) = &self.failed}<div id="status" class="error">search failed: {e}</div>{:else}<div id="status">{self.results.len()} results</div>{/if}
<ul id="results">{#for word in &self.results}<li>{word}</li>{/for}</ul>"#
        )
    }
}

/// The search service: the words of [`WORDS`] that start with `query`,
/// after a latency of 100–300 ms that depends on the query (a stand-in for
/// a remote search service).
pub async fn search_service(query: &str) -> Vec<String> {
    tokio::time::sleep(latency(query)).await;
    search_words(query)
}

/// The words of [`WORDS`] that start with `query`.
pub fn search_words(query: &str) -> Vec<String> {
    WORDS
        .iter()
        .filter(|w| w.starts_with(query))
        .map(|w| w.to_string())
        .collect()
}

/// 100–300 ms, a function of the query (FNV-1a of its bytes).
pub fn latency(query: &str) -> Duration {
    let hash = query.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    Duration::from_millis(100 + hash % 201)
}

/// Registers the runner of the search task: [`search_service`].
pub fn tasks(tasks: Tasks) -> Tasks {
    tasks.view::<Search, _, _, _>(|info| async move {
        match info {
            Info::RunSearch { query } => Ok(Info::Results(search_service(&query).await)),
            other => Err(format!("not a task: {other:?}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_sets_loading_starts_the_task_and_its_result_fills_results() {
        let (s, _) = Search::mount(&Mount::default());
        let (s, cmds) = s.handle_event(Event::Search { query: "pe".into() });
        assert!(s.loading);
        assert_eq!(
            cmds,
            vec![Command::start_async(
                "search",
                Info::RunSearch { query: "pe".into() }
            )]
        );
        let found = Info::Results(vec!["peach".into(), "pear".into()]);
        let (s, _) = s.handle_async("search".into(), Ok(found));
        assert!(!s.loading);
        assert_eq!(s.results, vec!["peach", "pear"]);
        let (s, _) = s.handle_async("search".into(), Err(AsyncError::Cancelled));
        assert!(s.render().to_html().contains("search failed: cancelled"));
    }

    #[test]
    fn the_service_takes_100_to_300_ms_and_finds_prefixes() {
        for q in ["", "a", "ap", "pe", "zz", "blueberry"] {
            let ms = latency(q).as_millis();
            assert!((100..=300).contains(&ms), "{q}: {ms} ms");
        }
        assert_eq!(search_words("ap"), vec!["apple", "apricot"]);
        assert!(search_words("zz").is_empty());
    }
}
