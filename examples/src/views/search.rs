//! `/search`: a form whose submit shows `loading`, then the results computed by an info.

use liveview_core::{html, Command, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};

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
    results: Vec<&'static str>,
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

/// The deferred search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Info {
    /// Compute the results for this query.
    RunSearch {
        /// The query.
        query: String,
    },
}

impl LiveView for Search {
    type Event = Event;
    type Info = Info;

    fn mount(_: &Mount) -> Update<Self> {
        (Search::default(), vec![])
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        match event {
            Event::Search { query } => {
                let info = Info::RunSearch {
                    query: query.clone(),
                };
                (
                    Search {
                        query,
                        loading: true,
                        results: vec![],
                    },
                    vec![Command::SendInfo(info)],
                )
            }
        }
    }

    fn handle_info(self, info: Info) -> Update<Self> {
        match info {
            Info::RunSearch { query } => {
                let results = WORDS
                    .iter()
                    .copied()
                    .filter(|w| w.starts_with(query.as_str()))
                    .collect();
                (
                    Search {
                        loading: false,
                        results,
                        ..self
                    },
                    vec![],
                )
            }
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Search</h1>
<form id="search-form" phx-submit="search">
  <input type="text" name="query" value="{self.query}" placeholder="fruit">
  <button type="submit">Search</button>
</form>
{#if self.loading}<div id="status">loading</div>{:else}<div id="status">{self.results.len()} results</div>{/if}
<ul id="results">{#for word in &self.results}<li>{word}</li>{/for}</ul>"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_sets_loading_then_the_info_fills_results() {
        let (s, _) = Search::mount(&Mount::default());
        let (s, cmds) = s.handle_event(Event::Search { query: "pe".into() });
        assert!(s.loading);
        assert_eq!(
            cmds,
            vec![Command::SendInfo(Info::RunSearch { query: "pe".into() })]
        );
        let (s, _) = s.handle_info(Info::RunSearch { query: "pe".into() });
        assert!(!s.loading);
        assert_eq!(s.results, vec!["peach", "pear"]);
    }
}
