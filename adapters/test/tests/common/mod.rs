//! Small views used by the harness's tests, written as an application would write them.
#![allow(dead_code)]

use liveview_core::{html, Command, LiveView, Mount, Params, Rendered, Update, Url};
use serde::{Deserialize, Serialize};
use std::time::Duration;

// ---------------------------------------------------------------- counter

/// `/counter`: a count with buttons, plus a few commands to inspect.
#[derive(Debug, Default)]
pub struct Counter {
    pub count: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterEvent {
    Inc,
    Dec,
    /// `phx-value-by="5"` arrives as the string "5" and decodes into an integer.
    Add {
        by: i64,
    },
    /// Sets the title and pushes an event to the client.
    Celebrate,
    /// Puts a flash and navigates away.
    Leave,
    /// A key press: ArrowUp / ArrowDown change the count.
    Arrow {
        key: String,
    },
}

impl LiveView for Counter {
    type Event = CounterEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Counter::default(), vec![])
    }

    fn handle_event(self, event: CounterEvent) -> Update<Self> {
        match event {
            CounterEvent::Inc => (
                Counter {
                    count: self.count + 1,
                },
                vec![],
            ),
            CounterEvent::Dec => (
                Counter {
                    count: self.count - 1,
                },
                vec![],
            ),
            CounterEvent::Add { by } => (
                Counter {
                    count: self.count + by,
                },
                vec![],
            ),
            CounterEvent::Celebrate => {
                let count = self.count;
                (
                    self,
                    vec![
                        Command::PageTitle(format!("Count {count}")),
                        Command::push_event("confetti", serde_json::json!({ "count": count })),
                    ],
                )
            }
            CounterEvent::Arrow { key } => match key.as_str() {
                "ArrowUp" => (
                    Counter {
                        count: self.count + 1,
                    },
                    vec![],
                ),
                "ArrowDown" => (
                    Counter {
                        count: self.count - 1,
                    },
                    vec![],
                ),
                _ => (self, vec![]),
            },
            CounterEvent::Leave => (
                self,
                vec![
                    Command::put_flash("info", "bye"),
                    Command::push_navigate("/elsewhere"),
                ],
            ),
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<div><span id="count">{self.count}</span>
<button id="inc" phx-click="inc">+</button>
<button id="dec" phx-click="dec">-</button>
<button id="add5" phx-click="add" phx-value-by="5">+5</button>
<button id="add-js" phx-click='[["push",{{"event":"add","value":{{"by":"10"}}}}]]'>+10</button>
<button id="party" phx-click="celebrate">party</button>
<button id="leave" phx-click="leave">leave</button>
<button id="bogus" phx-click="explode">bogus</button>
<p id="plain">no binding</p>
<div id="keys" phx-window-keyup="arrow"></div>
<input id="focusable" phx-focus="inc" phx-blur="dec" value="v">
<input id="amount" phx-keyup="add" phx-key="Enter" phx-value-by="100" value="x"></div>"#
        )
    }
}

// ---------------------------------------------------------------- dashboard (timers)

/// `/dashboard?ms=M`: ticks every M ms once connected.
#[derive(Debug, Default)]
pub struct Dashboard {
    pub ticks: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DashboardEvent {
    Pause,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DashboardInfo {
    Tick,
}

impl LiveView for Dashboard {
    type Event = DashboardEvent;
    type Info = DashboardInfo;

    fn mount(m: &Mount) -> Update<Self> {
        let ms = m.params.parse::<u64>("ms").unwrap_or(1000);
        let cmds = if m.connected {
            vec![Command::repeat(
                "tick",
                Duration::from_millis(ms),
                DashboardInfo::Tick,
            )]
        } else {
            vec![]
        };
        (Dashboard::default(), cmds)
    }

    fn handle_event(self, DashboardEvent::Pause: DashboardEvent) -> Update<Self> {
        (self, vec![Command::CancelRepeat { key: "tick".into() }])
    }

    fn handle_info(self, DashboardInfo::Tick: DashboardInfo) -> Update<Self> {
        (
            Dashboard {
                ticks: self.ticks + 1,
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<span id="ticks">{self.ticks}</span><button id="pause" phx-click="pause">pause</button>"#
        )
    }
}

// ---------------------------------------------------------------- chat (pub/sub)

/// `/chat`: every connected view subscribes to `chat`; `send` broadcasts.
#[derive(Debug, Default)]
pub struct Chat {
    pub messages: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatEvent {
    Send { body: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub body: String,
}

impl LiveView for Chat {
    type Event = ChatEvent;
    type Info = ChatMessage;

    fn mount(m: &Mount) -> Update<Self> {
        let cmds = if m.connected {
            vec![Command::Subscribe("chat".into())]
        } else {
            vec![]
        };
        (Chat::default(), cmds)
    }

    fn handle_event(self, ChatEvent::Send { body }: ChatEvent) -> Update<Self> {
        (self, vec![Command::broadcast("chat", ChatMessage { body })])
    }

    fn handle_info(mut self, msg: ChatMessage) -> Update<Self> {
        self.messages.push(msg.body);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<ul id="messages">{#for m in self.messages.iter()}<li>{m}</li>{/for}</ul>
<form id="chat-form" phx-submit="send"><input name="body" value=""></form>"#
        )
    }
}

// ---------------------------------------------------------------- form (nested names, validation)

/// `/form`: `user[name]` must have at least 3 characters.
#[derive(Debug, Default)]
pub struct UserForm {
    pub name: String,
    pub error: Option<String>,
    pub saved: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UserParams {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserFormEvent {
    Validate { user: UserParams },
    Save { user: UserParams },
}

fn validate(name: &str) -> Option<String> {
    (name.chars().count() < 3).then(|| "must be at least 3 characters".to_owned())
}

impl LiveView for UserForm {
    type Event = UserFormEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (UserForm::default(), vec![])
    }

    fn handle_event(self, event: UserFormEvent) -> Update<Self> {
        match event {
            UserFormEvent::Validate { user } => {
                let error = if user.name.is_empty() {
                    None
                } else {
                    validate(&user.name)
                };
                (
                    UserForm {
                        name: user.name,
                        error,
                        saved: self.saved,
                    },
                    vec![],
                )
            }
            UserFormEvent::Save { user } => match validate(&user.name) {
                Some(e) => (
                    UserForm {
                        name: user.name,
                        error: Some(e),
                        saved: None,
                    },
                    vec![],
                ),
                None => (
                    UserForm {
                        saved: Some(user.name.clone()),
                        name: user.name,
                        error: None,
                    },
                    vec![],
                ),
            },
        }
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<form id="user-form" phx-change="validate" phx-submit="save">
<input id="user-name" type="text" name="user[name]" value="{self.name}">
<input type="hidden" name="user[role]" value="member">
{#if let Some(e) = &self.error}<span class="error" id="name-error">{e}</span>{/if}
<button id="save" type="submit">Save</button>
</form>
{#if let Some(n) = &self.saved}<p id="saved">Saved {n}</p>{/if}"#
        )
    }
}

// ---------------------------------------------------------------- search (SendInfo)

const WORDS: &[&str] = &[
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

/// `/search`: `search` assigns loading and sends itself `run_search`.
#[derive(Debug, Default)]
pub struct Search {
    pub query: String,
    pub loading: bool,
    pub results: Vec<&'static str>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchEvent {
    Search { query: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SearchInfo {
    RunSearch { query: String },
}

impl LiveView for Search {
    type Event = SearchEvent;
    type Info = SearchInfo;

    fn mount(_: &Mount) -> Update<Self> {
        (Search::default(), vec![])
    }

    fn handle_event(self, SearchEvent::Search { query }: SearchEvent) -> Update<Self> {
        let info = SearchInfo::RunSearch {
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

    fn handle_info(self, SearchInfo::RunSearch { query }: SearchInfo) -> Update<Self> {
        let results = WORDS
            .iter()
            .copied()
            .filter(|w| w.starts_with(query.as_str()))
            .collect();
        (
            Search {
                query,
                loading: false,
                results,
            },
            vec![],
        )
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<form id="search-form" phx-submit="search"><input type="text" name="query" value="{self.query}"></form>
{#if self.loading}<div id="status">loading</div>{:else}<div id="status">{self.results.len()} results</div>{/if}
<ul id="results">{#for r in self.results.iter()}<li>{r}</li>{/for}</ul>"#
        )
    }
}

// ---------------------------------------------------------------- nav (live patches)

/// `/nav?page=P`: params drive the page; patches never remount.
#[derive(Debug, Default)]
pub struct Nav {
    pub page: u32,
    pub mounts: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NavEvent {
    /// Server-side patch.
    Jump { page: u32 },
}

impl LiveView for Nav {
    type Event = NavEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Nav { page: 1, mounts: 1 }, vec![])
    }

    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        (
            Nav {
                page: params.parse("page").unwrap_or(1),
                ..self
            },
            vec![],
        )
    }

    fn handle_event(self, NavEvent::Jump { page }: NavEvent) -> Update<Self> {
        (self, vec![Command::push_patch(format!("/nav?page={page}"))])
    }

    fn render(&self) -> Rendered {
        let next = self.page + 1;
        html!(
            r#"<span id="page">{self.page}</span><span id="mounts">{self.mounts}</span>
<a id="next" href="/nav?page={next}" data-phx-link="patch" data-phx-link-state="push">next</a>
<a id="away" href="/counter" data-phx-link="patch">counter</a>
<a id="plain" href="/nav?page=9">full load</a>
<button id="jump" phx-click="jump" phx-value-page="7">jump</button>"#
        )
    }
}
