//! `/chat`: messages broadcast to every connected chat view.

use liveview_core::im::Vector;
use liveview_core::{html, Command, LiveView, Mount, Rendered, Update};
use serde::{Deserialize, Serialize};

/// The pub/sub topic.
pub const TOPIC: &str = "chat";

/// The state: messages received, oldest first (a persistent vector: cloning the state is O(1)).
#[derive(Clone, Debug, Default)]
pub struct Chat {
    messages: Vector<String>,
}

/// The form's submit.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// `phx-submit="send"` with the input `body`.
    Send {
        /// The message.
        #[serde(default)]
        body: String,
    },
}

/// What travels on the topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// The message.
    pub body: String,
}

impl LiveView for Chat {
    type Event = Event;
    type Info = Info;

    fn mount(mount: &Mount) -> Update<Self> {
        let commands = if mount.connected {
            vec![Command::Subscribe(TOPIC.into())]
        } else {
            vec![]
        };
        (Chat::default(), commands)
    }

    fn handle_event(self, event: Event) -> Update<Self> {
        match event {
            Event::Send { body } => (self, vec![Command::broadcast(TOPIC, Info { body })]),
        }
    }

    fn handle_info(mut self, info: Info) -> Update<Self> {
        self.messages.push_back(info.body);
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        html!(
            r#"<h1>Chat</h1>
<ul id="messages">{#for (i, m) in self.messages.iter().enumerate(); key = i}<li>{m}</li>{/for}</ul>
<form id="chat-form" phx-submit="send">
  <input type="text" name="body" autocomplete="off">
  <button type="submit">Send</button>
</form>"#
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribes_when_connected_and_broadcasts_what_is_sent() {
        assert!(Chat::mount(&Mount::default()).1.is_empty());
        let (c, cmds) = Chat::mount(&Mount {
            connected: true,
            ..Mount::default()
        });
        assert_eq!(cmds, vec![Command::Subscribe(TOPIC.into())]);
        let (c, cmds) = c.handle_event(Event::Send { body: "hi".into() });
        assert_eq!(
            cmds,
            vec![Command::broadcast(TOPIC, Info { body: "hi".into() })]
        );
        assert!(
            c.messages.is_empty(),
            "the sender appends on the info, like everyone"
        );
        let (c, _) = c.handle_info(Info {
            body: "<i>a</i>".into(),
        });
        let (c, _) = c.handle_info(Info { body: "b".into() });
        let html = c.render().to_html();
        assert!(
            html.contains("<li>&lt;i&gt;a&lt;/i&gt;</li><li>b</li>"),
            "{html}"
        );
    }
}
