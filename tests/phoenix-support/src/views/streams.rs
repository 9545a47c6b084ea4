//! The suite's stream routes (`test/support/live_views/streams.ex`):
//! `/stream` (two streams of users with per-item updates, deletes, moves and
//! resets, and a LiveComponent with a stream of its own), `/stream/reset`
//! (resets, reorders and inserts at positions, `update_only`),
//! `/stream/reset-lc` (issue #2982: a stream whose items are LiveComponents),
//! `/stream/nested-component-reset` (the same, each component with a stream
//! of its own), `/stream/limit` (`at` and `limit`), `/stream/inside-for` (a
//! stream filled by async work, rendered inside a comprehension) and
//! `/healthy/:category` (a stream reset from `handle_params` on every patch).

use super::{live_link, Live};
use liveview_core::prelude::*;
use liveview_core::stream::{Insert, Stream};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::atomic::{AtomicI64, Ordering};

/// A unique (negative, as the BEAM's first ones are) integer: Elixir's
/// `System.unique_integer()`.
pub(crate) fn unique_integer() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(-576_460_752_303_423_488);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// `at`/`limit` as the suite passes them to `stream/4`: `-1` appends,
/// `n >= 0` inserts at `n`.
fn insert_at(at: i64, limit: Option<i64>) -> Insert {
    let how = usize::try_from(at).map_or(Insert::append(), Insert::at);
    match limit {
        Some(l) => how.limit(l),
        None => how,
    }
}

/// A user of `/stream`: an id (a number, or the text after `users-` of a
/// clicked item) and a name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    id: String,
    name: String,
}

fn user(id: impl ToString, name: &str) -> User {
    User {
        id: id.to_string(),
        name: name.to_owned(),
    }
}

/// `/stream`: the streams `users` and `admins`, each item with buttons that
/// update, delete and move it, and a counter shown on every item (it only
/// changes on the client when the items are sent again, as on a reset).
/// At `?empty_item` the users' container also holds an element that is not
/// a stream item (`users-empty`, shown when it is the only child).
/// The page also renders the LiveComponent `stream-component`
/// ([`StreamComponent`]), whose stream `c_users` has buttons of its own.
pub struct StreamLive {
    users: Stream<User>,
    admins: Stream<User>,
    count: u64,
    /// Render the users without ids (the suite's `no_id` render).
    no_id: bool,
    /// Render the users' container with an extra, non-stream element.
    extra_item_with_id: bool,
}

/// `/stream`'s events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamEvent {
    /// Removes the user with this DOM id.
    Delete {
        /// The DOM id.
        id: String,
    },
    /// Renames a user to "updated" (in place).
    Update {
        /// The DOM id.
        id: String,
    },
    /// Moves a user, renamed "updated", to the start.
    MoveToFirst {
        /// The DOM id.
        id: String,
    },
    /// Moves a user, renamed "updated", to the end.
    MoveToLast {
        /// The DOM id.
        id: String,
    },
    /// Moves a user, renamed, to an index.
    Move {
        /// The DOM id.
        id: String,
        /// The new name.
        name: String,
        /// The index (`-1` is the end).
        at: i64,
    },
    /// Empties the users (and bumps the counter).
    ResetUsers,
    /// Replaces the users with three others (and bumps the counter).
    ResetUsersReorder,
    /// Streams the two first users again.
    StreamUsers,
    /// Appends two users.
    AppendUsers,
    /// Switches to the render without ids and streams the users again.
    StreamNoId,
    /// Switches to the render with a non-stream element and streams the
    /// users again.
    StreamExtraWithId,
    /// Removes the admin with this DOM id.
    AdminDelete {
        /// The DOM id.
        id: String,
    },
    /// Renames an admin to "updated".
    AdminUpdate {
        /// The DOM id.
        id: String,
    },
    /// Moves an admin, renamed "updated", to the start.
    AdminMoveToFirst {
        /// The DOM id.
        id: String,
    },
    /// Moves an admin, renamed "updated", to the end.
    AdminMoveToLast {
        /// The DOM id.
        id: String,
    },
    /// Code the suite sends (`evalLV`): `socket.view.handle_event("…", %{},
    /// socket)` runs one of the events above.
    #[serde(rename = "sandbox:eval")]
    Eval {
        /// The Elixir code.
        value: String,
    },
}

/// The users every `/stream` starts with.
fn first_users() -> [User; 2] {
    [user(1, "chris"), user(2, "callan")]
}

/// Sends the user with DOM id `id` (`<stream name>-<user id>`) again,
/// named `name`: updated in place, or deleted and inserted as `moved` says.
/// Other ids are ignored (the suite's view crashes on them: its handlers
/// match `"users-" <> id`).
fn resend(stream: &mut Stream<User>, id: String, name: &str, moved: Option<Insert>) {
    let Some(n) = id
        .strip_prefix(stream.name())
        .and_then(|rest| rest.strip_prefix('-'))
    else {
        return;
    };
    let user = user(n, name);
    match moved {
        Some(how) => stream.delete_by_dom_id(id).insert_with(user, how),
        None => stream.insert(user),
    };
}

/// The event named by `socket.view.handle_event("NAME", %{}, socket)`.
fn eval_event(code: &str) -> Option<StreamEvent> {
    let name = code
        .trim()
        .strip_prefix("socket.view.handle_event(\"")?
        .split_once("\", %{}, socket)")?
        .0;
    serde_json::from_value(json!(name)).ok()
}

impl LiveView for StreamLive {
    type Event = StreamEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let mut view = StreamLive {
            users: Stream::new("users", |u: &User| u.id.clone()),
            admins: Stream::new("admins", |u: &User| u.id.clone()),
            count: 0,
            no_id: false,
            extra_item_with_id: m.params.get("empty_item").is_some(),
        };
        view.users.extend(first_users());
        view.admins
            .extend([user(1, "chris-admin"), user(2, "callan-admin")]);
        (view, vec![])
    }

    fn handle_event(mut self, event: StreamEvent) -> Update<Self> {
        use StreamEvent as E;
        match event {
            E::Delete { id } => {
                self.users.delete_by_dom_id(id);
            }
            E::Update { id } => resend(&mut self.users, id, "updated", None),
            E::MoveToFirst { id } => {
                resend(&mut self.users, id, "updated", Some(Insert::prepend()));
            }
            E::MoveToLast { id } => {
                resend(&mut self.users, id, "updated", Some(Insert::append()));
            }
            E::Move { id, name, at } => {
                resend(&mut self.users, id, &name, Some(insert_at(at, None)));
            }
            E::ResetUsers => {
                self.count += 1;
                self.users.reset();
            }
            E::ResetUsersReorder => {
                self.count += 1;
                self.users
                    .reset()
                    .extend([user(3, "peter"), user(1, "chris"), user(4, "mona")]);
            }
            E::StreamUsers => {
                self.users.extend(first_users());
            }
            E::AppendUsers => {
                self.users.extend([user(4, "foo"), user(3, "last_user")]);
            }
            E::StreamNoId => {
                self.no_id = true;
                self.users.extend(first_users());
            }
            E::StreamExtraWithId => {
                self.extra_item_with_id = true;
                self.users.extend(first_users());
            }
            E::AdminDelete { id } => {
                self.admins.delete_by_dom_id(id);
            }
            E::AdminUpdate { id } => resend(&mut self.admins, id, "updated", None),
            E::AdminMoveToFirst { id } => {
                resend(&mut self.admins, id, "updated", Some(Insert::prepend()));
            }
            E::AdminMoveToLast { id } => {
                resend(&mut self.admins, id, "updated", Some(Insert::append()));
            }
            E::Eval { value } => {
                return match eval_event(&value) {
                    // `{:noreply, socket}`: the hook halts with an empty reply.
                    Some(event) => {
                        let (view, mut commands) = self.handle_event(event);
                        commands.push(Command::Reply(json!({})));
                        (view, commands)
                    }
                    None => {
                        let answer = json!({ "result": format!("unknown code: {value}") });
                        (self, vec![Command::Reply(answer)])
                    }
                };
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        if self.no_id {
            return html!(
                r#"<div id="users" phx-update="stream">
  <div only-child>Empty!</div>
  {#for (id, _user) in &self.users}<div id={id}></div>{/for}
</div>

<style>
  [only-child] {{
    display: none;
  }}
  [only-child]:only-child {{
    display: block;
  }}
</style>"#
            );
        }
        if self.extra_item_with_id {
            return html!(
                r#"<div id="users" phx-update="stream">
  {#for (id, user) in &self.users}<div id={id}>{user.name}</div>{/for}
  <div id="users-empty" only-child>Empty!</div>
</div>

<style>
  [only-child] {{
    display: none;
  }}
  [only-child]:only-child {{
    display: block;
  }}
</style>"#
            );
        }
        html!(
            r##"<div id="users" phx-update="stream">
  {#for (id, user) in &self.users}<div id={id} data-count={self.count}>
    {user.name}
    <button phx-click="delete" phx-value-id={id}>delete</button>
    <button phx-click="update" phx-value-id={id}>update</button>
    <button phx-click="move-to-first" phx-value-id={id}>make first</button>
    <button phx-click="move-to-last" phx-value-id={id}>make last</button>
    <button phx-click="move" phx-value-id={id} phx-value-name="moved" phx-value-at="1">
      move
    </button>
    <button phx-click={JS::new().hide().to(format!("#{id}"))}>JS Hide</button>
  </div>{/for}
</div>
<div id="admins" phx-update="stream">
  {#for (id, user) in &self.admins}<div id={id} data-count={self.count}>
    {user.name}
    <button phx-click="admin-delete" phx-value-id={id}>delete</button>
    <button phx-click="admin-update" phx-value-id={id}>update</button>
    <button phx-click="admin-move-to-first" phx-value-id={id}>make first</button>
    <button phx-click="admin-move-to-last" phx-value-id={id}>make last</button>
  </div>{/for}
</div>
{live_component::<StreamComponent>("stream-component", ())}

<button phx-click="reset-users">Reset users</button>
<button phx-click="reset-users-reorder">Reorder users</button>"##
        )
    }
}

/// The LiveComponent `stream-component` of `/stream` (the suite's
/// `StreamComponent`): the stream `c_users` (chris and callan on mount),
/// whose items' buttons update, delete and move them in the component.
pub struct StreamComponent {
    c_users: Stream<User>,
}

/// [`StreamComponent`]'s buttons (`phx-target={myself}`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamComponentEvent {
    /// Empties the stream.
    Reset {},
    /// Removes the user with this DOM id.
    Delete {
        /// The DOM id.
        id: String,
    },
    /// Renames a user to "updated" (in place).
    Update {
        /// The DOM id.
        id: String,
    },
    /// Moves a user, renamed "updated", to the start.
    MoveToFirst {
        /// The DOM id.
        id: String,
    },
    /// Moves a user, renamed "updated", to the end.
    MoveToLast {
        /// The DOM id.
        id: String,
    },
}

/// What `send_update` can tell a [`StreamComponent`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamComponentInfo {
    /// Resets `c_users` to these users (the suite's
    /// `send_update(StreamComponent, reset: {:c_users, users})`).
    Reset(Vec<User>),
}

impl LiveComponent for StreamComponent {
    type Props = ();
    type Event = StreamComponentEvent;
    type Info = StreamComponentInfo;

    fn mount((): (), _: &Context) -> ComponentUpdate<Self> {
        let mut c_users = Stream::new("c_users", |u: &User| u.id.clone());
        c_users.extend(first_users());
        (StreamComponent { c_users }, vec![])
    }

    /// The parent passes nothing, so this is never called with new props.
    fn update(self, (): (), _: &Context) -> ComponentUpdate<Self> {
        (self, vec![])
    }

    fn handle_event(mut self, event: StreamComponentEvent, _: &Context) -> ComponentUpdate<Self> {
        use StreamComponentEvent as E;
        let users = &mut self.c_users;
        match event {
            E::Reset {} => {
                users.reset();
            }
            E::Delete { id } => {
                users.delete_by_dom_id(id);
            }
            E::Update { id } => resend(users, id, "updated", None),
            E::MoveToFirst { id } => resend(users, id, "updated", Some(Insert::prepend())),
            E::MoveToLast { id } => resend(users, id, "updated", Some(Insert::append())),
        }
        (self, vec![])
    }

    fn handle_info(mut self, info: StreamComponentInfo, _: &Context) -> ComponentUpdate<Self> {
        let StreamComponentInfo::Reset(users) = info;
        self.c_users.reset().extend(users);
        (self, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<div id="c_users" phx-update="stream">
  {#for (id, user) in &self.c_users}<div id={id}>
    {user.name}
    <button phx-click="delete" phx-value-id={id} phx-target={myself}>delete</button>
    <button phx-click="update" phx-value-id={id} phx-target={myself}>update</button>
    <button phx-click="move-to-first" phx-value-id={id} phx-target={myself}>make first</button>
    <button phx-click="move-to-last" phx-value-id={id} phx-target={myself}>make last</button>
  </div>{/for}
</div>"#
        )
    }
}

/// An item of `/stream/reset`, `/stream/inside-for`, `/healthy/:category`
/// and the stream issue routes: an id and a name.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub(crate) id: String,
    pub(crate) name: String,
}

pub(crate) fn item(id: impl ToString, name: impl ToString) -> Item {
    Item {
        id: id.to_string(),
        name: name.to_string(),
    }
}

/// A stream named `items` with DOM ids `items-<id>`, holding `items`.
pub(crate) fn items_stream(items: impl IntoIterator<Item = Item>) -> Stream<Item> {
    let mut stream = Stream::new("items", |i: &Item| i.id.clone());
    stream.extend(items);
    stream
}

/// The four items of `/stream/reset`, or some of them.
fn letters(ids: &str) -> Vec<Item> {
    ids.chars()
        .map(|c| item(c, c.to_ascii_uppercase()))
        .collect()
}

/// An item with a fresh id `a-<n>` and a fresh number as its name.
fn fresh_item() -> Item {
    item(format!("a{}", unique_integer()), unique_integer())
}

/// `/stream/reset` (issues #2994, #3023): the stream `items` (A to D),
/// filtered, reordered and reset, with inserts at the start, the end, index
/// 1 (new and existing items), and `update_only` inserts. At `?phx-remove`
/// the items hide when removed.
pub struct StreamResetLive {
    items: Stream<Item>,
    use_phx_remove: bool,
}

/// `/stream/reset`'s buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamResetEvent {
    /// Resets to B, C, D.
    Filter,
    /// Resets to B, A, C, D.
    Reorder,
    /// Resets to A, B, C, D.
    Reset,
    /// Inserts a new item at the start.
    Prepend,
    /// Inserts a new item at the end.
    Append,
    /// Inserts G, F, E at index 1, one after the other.
    BulkInsert,
    /// Inserts a new item at index 1.
    InsertAtOne,
    /// Inserts C (already shown) at index 1.
    InsertExistingAtOne,
    /// Deletes C, then inserts it at index 1.
    DeleteInsertExistingAtOne,
    /// Inserts C at the start.
    PrependExisting,
    /// Inserts C at the end.
    AppendExisting,
    /// Inserts E, update only (it is not shown: nothing happens).
    NewUpdateOnly,
    /// Renames C, update only.
    ExistingUpdateOnly,
}

impl LiveView for StreamResetLive {
    type Event = StreamResetEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let view = StreamResetLive {
            items: items_stream(letters("abcd")),
            use_phx_remove: m.params.get("phx-remove").is_some(),
        };
        (view, vec![])
    }

    fn handle_event(mut self, event: StreamResetEvent) -> Update<Self> {
        use StreamResetEvent as E;
        let c = || item("c", "C");
        match event {
            E::Filter => {
                self.items.reset().extend(letters("bcd"));
            }
            E::Reorder => {
                self.items.reset().extend(letters("bacd"));
            }
            E::Reset => {
                self.items.reset().extend(letters("abcd"));
            }
            E::Prepend => {
                self.items.insert_with(fresh_item(), Insert::prepend());
            }
            E::Append => {
                self.items.insert_with(fresh_item(), Insert::append());
            }
            E::BulkInsert => {
                self.items.extend_with(letters("gfe"), Insert::at(1));
            }
            E::InsertAtOne => {
                self.items.insert_with(fresh_item(), Insert::at(1));
            }
            E::InsertExistingAtOne => {
                self.items.insert_with(c(), Insert::at(1));
            }
            E::DeleteInsertExistingAtOne => {
                self.items
                    .delete_by_dom_id("items-c")
                    .insert_with(c(), Insert::at(1));
            }
            E::PrependExisting => {
                self.items.insert_with(c(), Insert::prepend());
            }
            E::AppendExisting => {
                self.items.insert_with(c(), Insert::append());
            }
            E::NewUpdateOnly => {
                self.items
                    .insert_with(item("e", "E"), Insert::append().update_only());
            }
            E::ExistingUpdateOnly => {
                let renamed = item("c", format!("C {}", unique_integer()));
                self.items
                    .insert_with(renamed, Insert::append().update_only());
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let remove = self.use_phx_remove.then(|| JS::new().hide());
        html!(
            r#"<ul phx-update="stream" id="thelist">
  {#for (id, item) in &self.items}<li id={id} phx-remove={&remove}>
    {item.name}
  </li>{/for}
</ul>

<button phx-click="filter">Filter</button>
<button phx-click="reorder">Reorder</button>
<button phx-click="reset">Reset</button>
<button phx-click="prepend">Prepend</button>
<button phx-click="append">Append</button>
<button phx-click="bulk-insert">Bulk insert</button>
<button phx-click="insert-at-one">Insert at 1</button>
<button phx-click="insert-existing-at-one">Insert C at 1</button>
<button phx-click="delete-insert-existing-at-one">Delete C and insert at 1</button>
<button phx-click="prepend-existing">Prepend C</button>
<button phx-click="append-existing">Append C</button>
<button phx-click="new-update-only">Add E (update only)</button>
<button phx-click="existing-update-only">Update C (update only)</button>"#
        )
    }
}

/// `/stream/reset-lc` (issue #2982): the stream `items` (A to D) whose
/// items are LiveComponents ([`ItemComponent`]), reordered by a reset that
/// keeps A and adds E, F and G.
pub struct StreamResetLcLive {
    items: Stream<Item>,
}

/// The reset of `/stream/reset-lc` and `/stream/nested-component-reset`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReorderEvent {
    /// Resets the stream to E, A, F, G.
    Reorder {},
}

/// The items after "Reorder": E, A, F, G.
fn reordered() -> Vec<Item> {
    letters("eafg")
}

impl LiveView for StreamResetLcLive {
    type Event = ReorderEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let items = items_stream(letters("abcd"));
        (StreamResetLcLive { items }, vec![])
    }

    fn handle_event(mut self, ReorderEvent::Reorder {}: ReorderEvent) -> Update<Self> {
        self.items.reset().extend(reordered());
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<ul phx-update="stream" id="thelist">
  {#for (id, item) in &self.items}{live_component::<ItemComponent>(&id, (id.clone(), item))}{/for}
</ul>

<button phx-click="reorder">Reorder</button>"#
        )
    }
}

/// An item of `/stream/reset-lc` as a LiveComponent: its DOM id (also its
/// component id) and the item, shown in an `<li>`.
pub struct ItemComponent {
    id: String,
    item: Item,
}

impl LiveComponent for ItemComponent {
    type Props = (String, Item);
    type Event = ();
    type Info = ();

    fn mount((id, item): (String, Item), _: &Context) -> ComponentUpdate<Self> {
        (ItemComponent { id, item }, vec![])
    }

    fn update(self, (id, item): (String, Item), _: &Context) -> ComponentUpdate<Self> {
        (ItemComponent { id, item }, vec![])
    }

    fn render(&self, _: Cid) -> Rendered {
        html!(
            r#"<li id={self.id}>
  {self.item.name}
</li>"#
        )
    }
}

/// `/stream/nested-component-reset`: `/stream/reset-lc` whose item
/// components ([`NestedStreamComponent`]) each hold a stream of their own,
/// with a button that resets it; the parent's reset must leave the kept
/// component's reordered stream as it was.
pub struct StreamNestedComponentResetLive {
    items: Stream<Item>,
}

impl LiveView for StreamNestedComponentResetLive {
    type Event = ReorderEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let items = items_stream(letters("abcd"));
        (StreamNestedComponentResetLive { items }, vec![])
    }

    fn handle_event(mut self, ReorderEvent::Reorder {}: ReorderEvent) -> Update<Self> {
        self.items.reset().extend(reordered());
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<ul phx-update="stream" id="thelist">
  {#for (id, item) in &self.items}{live_component::<NestedStreamComponent>(&id, (id.clone(), item))}{/for}
</ul>

<button phx-click="reorder" id="parent-reorder">Reorder</button>"#
        )
    }
}

/// An item of `/stream/nested-component-reset`: its DOM id, the item, and
/// the stream `nested` of four items whose ids start with the DOM id (N-A
/// to N-D when connected, N-E to N-H in the dead render), which its button
/// resets to N-E, N-A, N-F, N-G.
pub struct NestedStreamComponent {
    id: String,
    item: Item,
    nested: Stream<Item>,
}

impl NestedStreamComponent {
    /// The nested items with these letters: ids `<dom id>-<letter>`, names
    /// `N-<LETTER>`.
    fn nested_items(&self, letters: &str) -> Vec<Item> {
        letters
            .chars()
            .map(|c| {
                let name = format!("N-{}", c.to_ascii_uppercase());
                item(format!("{}-{c}", self.id), name)
            })
            .collect()
    }
}

impl LiveComponent for NestedStreamComponent {
    type Props = (String, Item);
    type Event = ReorderEvent;
    type Info = ();

    fn mount((id, item): (String, Item), cx: &Context) -> ComponentUpdate<Self> {
        let mut component = NestedStreamComponent {
            id,
            item,
            nested: Stream::new("nested", |i: &Item| i.id.clone()),
        };
        let first = if cx.connected { "abcd" } else { "efgh" };
        let items = component.nested_items(first);
        component.nested.reset().extend(items);
        (component, vec![])
    }

    /// The stream is only filled on mount.
    fn update(self, (id, item): (String, Item), _: &Context) -> ComponentUpdate<Self> {
        (NestedStreamComponent { id, item, ..self }, vec![])
    }

    fn handle_event(
        mut self,
        ReorderEvent::Reorder {}: ReorderEvent,
        _: &Context,
    ) -> ComponentUpdate<Self> {
        let items = self.nested_items("eafg");
        self.nested.reset().extend(items);
        (self, vec![])
    }

    fn render(&self, myself: Cid) -> Rendered {
        html!(
            r#"<li id={self.id}>
  {self.item.name}
  <div id="{self.id}-nested" phx-update="stream" style="display: flex; gap: 4px;">
    {#for (id, item) in &self.nested}<span id={id}>{item.name}</span>{/for}
  </div>
  <button phx-click="reorder" phx-target={myself}>Reorder</button>
</li>"#
        )
    }
}

/// `/stream/limit` (issue #2686): a stream of numbered items whose inserts
/// use the `at` and `limit` the form sets (by default `-1` and `-5`: append,
/// keep the last five); "recreate stream" resets it to items 1 to 10.
pub struct StreamLimitLive {
    at: i64,
    limit: i64,
    last_id: u64,
    items: Stream<u64>,
}

/// `/stream/limit`'s form and buttons.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamLimitEvent {
    /// The form: recreates the stream with these options.
    Configure {
        /// Where inserts go.
        at: i64,
        /// The limit of every insert.
        limit: i64,
    },
    /// Inserts ten items.
    #[serde(rename = "insert_10")]
    Insert10,
    /// Inserts one item.
    #[serde(rename = "insert_1")]
    Insert1,
    /// Empties the stream.
    Clear,
}

impl StreamLimitLive {
    fn how(&self) -> Insert {
        insert_at(self.at, Some(self.limit))
    }

    /// Sets the options and resets the stream to items 1 to 10.
    fn configure(&mut self, at: i64, limit: i64) {
        self.at = at;
        self.limit = limit;
        self.last_id = 10;
        let how = self.how();
        self.items.reset().extend_with(1..=10, how);
    }
}

impl LiveView for StreamLimitLive {
    type Event = StreamLimitEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let mut view = StreamLimitLive {
            at: -1,
            limit: -5,
            last_id: 0,
            items: Stream::new("items", |n: &u64| *n),
        };
        view.configure(-1, -5);
        (view, vec![])
    }

    fn handle_event(mut self, event: StreamLimitEvent) -> Update<Self> {
        match event {
            StreamLimitEvent::Configure { at, limit } => self.configure(at, limit),
            StreamLimitEvent::Insert10 => {
                let (first, how) = (self.last_id + 1, self.how());
                self.last_id += 10;
                self.items.extend_with(first..=self.last_id, how);
            }
            StreamLimitEvent::Insert1 => {
                self.last_id += 1;
                let how = self.how();
                self.items.insert_with(self.last_id, how);
            }
            StreamLimitEvent::Clear => {
                self.last_id = 0;
                self.items.reset();
            }
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<form phx-submit="configure">
  at: <input type="text" name="at" value={self.at} /> limit:
  <input type="text" name="limit" value={self.limit} />
  <button type="submit">recreate stream</button>
</form>

<div>configured with at: {self.at}, limit: {self.limit}</div>

<button phx-click="insert_10">add 10</button>
<button phx-click="insert_1">add 1</button>
<button phx-click="clear">clear</button>

<ul id="items" phx-update="stream">
  {#for (id, n) in &self.items}<li id={id}>{n}</li>{/for}
</ul>"#
        )
    }
}

/// `/stream/inside-for` (issue #3129): a stream filled by async work after
/// mount, rendered inside a comprehension of one entry.
pub struct StreamInsideForLive {
    items: Stream<Item>,
}

/// `/stream/inside-for`'s async work and its result.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub enum StreamInsideForInfo {
    /// The task: wait a little.
    Wait,
    /// Its result.
    Done,
}

impl LiveView for StreamInsideForLive {
    type Event = ();
    type Info = StreamInsideForInfo;

    fn mount(m: &Mount) -> Update<Self> {
        let view = StreamInsideForLive {
            items: items_stream([]),
        };
        // Phoenix runs `start_async` only on the connected mount.
        let start = m
            .connected
            .then(|| Command::start_async("foo", StreamInsideForInfo::Wait));
        (view, start.into_iter().collect())
    }

    fn handle_async(
        mut self,
        _key: String,
        result: Result<StreamInsideForInfo, AsyncError>,
    ) -> Update<Self> {
        if result.is_ok() {
            self.items.extend(letters("abcd"));
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"{#for _i in [1]}<div>
  <ul phx-update="stream" id="thelist">
    {#for (id, item) in &self.items}<li id={id}>
      {item.name}
    </li>{/for}
  </ul>
</div>{/for}"#
        )
    }
}

/// The runner of `/stream/inside-for`'s task: 50 ms.
pub fn stream_tasks(tasks: liveview_core::tasks::Tasks) -> liveview_core::tasks::Tasks {
    tasks.view::<StreamInsideForLive, _, _, _>(|_| async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Ok::<_, String>(StreamInsideForInfo::Done)
    })
}

/// `/healthy/:category` (issue #2656): the items of a category (fruits or
/// veggies) in a stream that `handle_params` resets, and a patch link to
/// the other category.
pub struct HealthyLive {
    category: String,
    items: Stream<Item>,
}

/// `/healthy/:category`'s events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealthyEvent {
    /// Appends two more items.
    LoadMore,
}

/// The items of a category (none for an unknown one).
fn healthy_stuff(category: &str) -> Vec<Item> {
    match category {
        "fruits" => vec![item(1, "Apples"), item(2, "Oranges")],
        "veggies" => vec![item(3, "Carrots"), item(4, "Tomatoes")],
        _ => vec![],
    }
}

impl LiveView for HealthyLive {
    type Event = HealthyEvent;
    type Info = ();

    fn mount(m: &Mount) -> Update<Self> {
        let view = HealthyLive {
            category: m.params.get("category").unwrap_or_default().to_owned(),
            items: items_stream([]),
        };
        (view, vec![])
    }

    fn handle_params(mut self, params: &Params, _url: &Url) -> Update<Self> {
        self.category = params.get("category").unwrap_or_default().to_owned();
        self.items.reset().extend(healthy_stuff(&self.category));
        (self, vec![])
    }

    fn handle_event(mut self, HealthyEvent::LoadMore: HealthyEvent) -> Update<Self> {
        self.items.extend([item(5, "Pumpkins"), item(6, "Melons")]);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let other = if self.category == "fruits" {
            "/healthy/veggies"
        } else {
            "/healthy/fruits"
        };
        let switch = live_link(Live::Patch, other, false, None, "Switch");
        let mut title = self.category.clone();
        if let Some(first) = title.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        html!(
            r#"<p>
  {switch}
</p>

<h1>{title}</h1>

<ul id="items" phx-update="stream">
  {#for (dom_id, item) in &self.items}<li id={dom_id}>
    {item.name}
  </li>{/for}
</ul>"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluated_code_names_an_event() {
        let code = r#"socket.view.handle_event("reset-users", %{}, socket)"#;
        assert!(matches!(eval_event(code), Some(StreamEvent::ResetUsers)));
        let code = r#"socket.view.handle_event("append-users", %{}, socket)"#;
        assert!(matches!(eval_event(code), Some(StreamEvent::AppendUsers)));
        assert!(eval_event(r#"socket.view.handle_event("nope", %{}, socket)"#).is_none());
        assert!(eval_event("1 + 1").is_none());
    }

    #[test]
    fn positions_are_phoenixs() {
        assert_eq!(insert_at(-1, None), Insert::append());
        assert_eq!(insert_at(0, Some(5)), Insert::prepend().limit(5));
        assert_eq!(insert_at(1, Some(-5)), Insert::at(1).limit(-5));
    }
}
