//! `/keyed-comprehension`: two tables of the same random rows, rendered with
//! keyed rows and cells, keyed rows only, or no keys (one tab each); the
//! rows are reshuffled, resized and changed by buttons. The suite reads the
//! rows' order with `evalLV("socket.assigns.items")`.

use crate::layout::with_tailwind;
use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How many rows the page starts with.
const COUNT: usize = 10;

/// One row: an id and a nested entry (the shape the suite reads back).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    id: u64,
    entry: Entry,
}

/// A row's entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    other: String,
    foo: Foo,
}

/// The name a row shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Foo {
    bar: String,
}

/// The page.
pub struct KeyedComprehensionLive {
    tab: Tab,
    items: Vec<Item>,
    size: usize,
    count: u64,
    /// The random generator's state (seeded from the mount's time).
    seed: u64,
}

/// Which keys the tables use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    All,
    Rows,
    Unkeyed,
}

/// The page's events.
#[derive(Debug, Deserialize)]
pub enum KeyedEvent {
    /// New random rows.
    #[serde(rename = "randomize")]
    Randomize {},
    /// The first row replaced.
    #[serde(rename = "change_0")]
    ChangeFirst {},
    /// Every row's `other` changed (nothing shown changes).
    #[serde(rename = "change_other")]
    ChangeOther {},
    /// That many random rows.
    #[serde(rename = "change_size")]
    ChangeSize {
        /// The count typed (empty: none).
        size: String,
    },
    /// Code the suite sends (`evalLV`).
    #[serde(rename = "sandbox:eval")]
    Eval {
        /// The Elixir code.
        value: String,
    },
}

/// xorshift64*: the next value of the page's generator.
fn next_random(seed: &mut u64) -> u64 {
    let mut x = *seed;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *seed = x;
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// `size` distinct ids out of `1..=2 * size`, in random order.
fn random_items(size: usize, seed: &mut u64) -> Vec<Item> {
    let mut ids: Vec<u64> = (1..=2 * size as u64).collect();
    for i in 0..size.min(ids.len()) {
        let j = i + (next_random(seed) % (ids.len() - i) as u64) as usize;
        ids.swap(i, j);
    }
    ids.truncate(size);
    ids.into_iter()
        .map(|id| item(id, format!("New{}", id + 1)))
        .collect()
}

fn item(id: u64, bar: String) -> Item {
    Item {
        id,
        entry: Entry {
            other: "hey".into(),
            foo: Foo { bar },
        },
    }
}

/// The columns: an id and a header.
const COLUMNS: [(&str, &str); 2] = [("1", "Foo"), ("2", "Count")];

const TH: &str =
    "py-3.5 first:pr-3 first:pl-4 px-3 text-left text-sm font-semibold text-gray-900 first:sm:pl-0";
const TD: &str = "py-4 first:pr-3 first:pl-4 px-3 text-sm first:font-medium whitespace-nowrap first:text-gray-900 text-gray-500 first:sm:pl-0";

impl KeyedComprehensionLive {
    /// A cell of `row` in table `table`.
    fn cell(&self, column: &str, row: &Item, table: u32) -> Rendered {
        let count = self.count;
        if column == "1" {
            let name = &row.entry.foo.bar;
            html!(
                r#"<span>
  Count: {count} Name: {name}
</span> {table}"#
            )
        } else {
            html!("{count}")
        }
    }

    /// One table of the rows, keyed as the tab says.
    fn table(&self, table: u32) -> Rendered {
        let body = match self.tab {
            Tab::All => html!(
                r#"{#for row in &self.items; key = row.id}<tr>
  {#for (col, _) in COLUMNS; key = format!("{}_{col}", row.id)}<td class="{TD}">
    {self.cell(col, row, table)}
  </td>{/for}
</tr>{/for}"#
            ),
            Tab::Rows => html!(
                r#"{#for row in &self.items; key = row.id}<tr>
  {#for (col, _) in COLUMNS}<td class="{TD}">
    {self.cell(col, row, table)}
  </td>{/for}
</tr>{/for}"#
            ),
            Tab::Unkeyed => html!(
                r#"{#for row in &self.items}<tr>
  {#for (col, _) in COLUMNS}<td class="{TD}">
    {self.cell(col, row, table)}
  </td>{/for}
</tr>{/for}"#
            ),
        };
        let head = match self.tab {
            Tab::All => {
                html!(
                    r#"{#for (id, name) in COLUMNS; key = id}<th scope="col" class="{TH}">{name}</th>{/for}"#
                )
            }
            _ => html!(
                r#"{#for (_, name) in COLUMNS}<th scope="col" class="{TH}">{name}</th>{/for}"#
            ),
        };
        html!(
            r#"<div class="mt-8 flow-root">
  <div class="-mx-4 -my-2 overflow-x-auto sm:-mx-6 lg:-mx-8">
    <div class="inline-block min-w-full py-2 align-middle sm:px-6 lg:px-8">
      <table class="min-w-full divide-y divide-gray-300">
        <thead><tr>{head}</tr></thead>
        <tbody class="divide-y divide-gray-200">{body}</tbody>
      </table>
    </div>
  </div>
</div>"#
        )
    }
}

/// A tab's patch link.
fn tab_link(tab: Tab, active: Tab, to: &str, text: &str) -> Rendered {
    let class = if tab == active {
        "tab tab-active"
    } else {
        "tab "
    };
    html!(
        r#"<a href="{to}" data-phx-link="patch" data-phx-link-state="push" role="tab" class="{class}">{text}</a>"#
    )
}

impl LiveView for KeyedComprehensionLive {
    type Event = KeyedEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        // Any odd seed works; the time makes each mount different.
        let mut seed = m.now.as_micros() | 1;
        let items = random_items(COUNT, &mut seed);
        let view = KeyedComprehensionLive {
            tab: Tab::All,
            items,
            size: COUNT,
            count: 0,
            seed,
        };
        (view, vec![])
    }

    fn handle_params(self, params: &Params, _url: &Url) -> Update<Self> {
        let tab = match params.get("tab") {
            Some("rows_keyed") => Tab::Rows,
            Some("no_keyed") => Tab::Unkeyed,
            _ => Tab::All,
        };
        (KeyedComprehensionLive { tab, ..self }, vec![])
    }

    fn handle_event(mut self, event: KeyedEvent) -> Update<Self> {
        match event {
            KeyedEvent::Randomize {} => {
                self.items = random_items(self.size, &mut self.seed);
                self.count += 1;
            }
            KeyedEvent::ChangeSize { size } => {
                // As the Elixir view, a size that is not a number is refused
                // (there it crashes the view; here nothing changes).
                let Ok(size) = (if size.is_empty() { Ok(0) } else { size.parse() }) else {
                    return (self, vec![]);
                };
                self.size = size;
                self.items = random_items(size, &mut self.seed);
                self.count += 1;
            }
            KeyedEvent::ChangeFirst {} => {
                let bar = next_random(&mut self.seed).to_string();
                let rest = self.items.iter().skip(1).cloned();
                self.items = std::iter::once(item(2000, bar)).chain(rest).collect();
            }
            KeyedEvent::ChangeOther {} => {
                for item in &mut self.items {
                    item.entry.other = format!("hey {}", next_random(&mut self.seed));
                }
            }
            KeyedEvent::Eval { value } => {
                let result = match value.trim() {
                    "socket.assigns.items" => json!(self.items),
                    other => json!(format!("unknown code: {other}")),
                };
                return (self, vec![Command::Reply(json!({ "result": result }))]);
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let tabs = [
            tab_link(
                Tab::All,
                self.tab,
                "/keyed-comprehension?tab=all_keyed",
                "All keyed",
            ),
            tab_link(
                Tab::Rows,
                self.tab,
                "/keyed-comprehension?tab=rows_keyed",
                "Rows keyed",
            ),
            tab_link(
                Tab::Unkeyed,
                self.tab,
                "/keyed-comprehension?tab=no_keyed",
                "No keyed",
            ),
        ];
        let size = self.size;
        html!(
            r#"<link href="/assets/vendor/daisyui.css" rel="stylesheet" type="text/css" />
<div class="p-8">
  <div class="border-b border-gray-200 mb-6">
    <nav role="tablist" class="tabs tabs-border">{#for t in tabs}{t}{/for}</nav>
  </div>
  <button class="btn" phx-click="randomize">randomize</button>
  <button class="btn" phx-click="change_0">change first</button>
  <button class="btn" phx-click="change_other">change other</button>
  <form>
    <input phx-change="change_size" name="size" value="{size}" />
  </form>
  {#for i in [1u32, 2]; key = i}<div>
    {self.table(i)}
  </div>{/for}
</div>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(with_tailwind)
    }
}
