//! `/form`: validation on change, save on submit.

use liveview_core::{html, LiveView, Mount, Rendered, Update};
use serde::Deserialize;

/// The state.
#[derive(Clone, Debug, Default)]
pub struct Form {
    name: String,
    /// Whether to show the error (after a validate of a non-empty invalid name, or a failed save).
    show_error: bool,
    saved: Option<String>,
}

/// The form's fields (`user[name]`).
#[derive(Debug, Default, Deserialize)]
pub struct User {
    /// `user[name]`.
    #[serde(default)]
    pub name: String,
}

/// `phx-change` and `phx-submit`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The form changed.
    Validate {
        /// The fields.
        #[serde(default)]
        user: User,
    },
    /// The form was submitted.
    Save {
        /// The fields.
        #[serde(default)]
        user: User,
    },
}

/// A name is valid with at least 3 characters.
pub fn valid(name: &str) -> bool {
    name.chars().count() >= 3
}

impl LiveView for Form {
    type Event = Event;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        (Form::default(), vec![])
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        let next = match event {
            Event::Validate { user } => Form {
                show_error: !user.name.is_empty() && !valid(&user.name),
                name: user.name,
                saved: self.saved,
            },
            Event::Save { user } if valid(&user.name) => Form {
                show_error: false,
                saved: Some(user.name.clone()),
                name: user.name,
            },
            Event::Save { user } => Form {
                show_error: true,
                name: user.name,
                saved: None,
            },
        };
        (next, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Form</h1>
<form id="user-form" phx-change="validate" phx-submit="save">
  <label for="user-name">Name</label>
  <input type="text" id="user-name" name="user[name]" value="{self.name}">
  {#if self.show_error}<span class="error" id="name-error">must be at least 3 characters</span>{/if}
  <button type="submit" id="save">Save</button>
</form>
{#if let Some(name) = &self.saved}<p id="saved">Saved {name}</p>{/if}"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> User {
        User { name: name.into() }
    }

    #[test]
    fn validate_shows_the_error_only_for_short_non_empty_names() {
        let (f, _) = Form::mount(&Mount::default());
        let (f, _) = f.handle_event(Event::Validate { user: user("ab") });
        assert!(f.show_error);
        let (f, _) = f.handle_event(Event::Validate { user: user("abc") });
        assert!(!f.show_error);
        let (f, _) = f.handle_event(Event::Validate { user: user("") });
        assert!(!f.show_error);
    }

    #[test]
    fn save_escapes_and_refuses_invalid_names() {
        let (f, _) = Form::mount(&Mount::default());
        let (f, _) = f.handle_event(Event::Save {
            user: user("<b>x</b>"),
        });
        assert_eq!(f.saved.as_deref(), Some("<b>x</b>"));
        let html = f.render().to_html();
        assert!(html.contains("Saved &lt;b&gt;x&lt;/b&gt;"), "{html}");
        let (f, _) = f.handle_event(Event::Save { user: user("ab") });
        assert!(f.saved.is_none() && f.show_error);
    }
}
