//! `/form/feedback`: `phx-feedback-for` (gone from the client since 1.0)
//! brought back by a page script through the client's `dom` callbacks and
//! `isUsedInput`, in the view's own layout: feedback shows once its input
//! is used or the form submitted, hides on reset, and can be switched off.

use liveview_core::prelude::*;
use liveview_core::view::ViewLayout;
use serde::Deserialize;

/// The page's counters, and whether the feedback element names its input.
pub struct FormFeedbackLive {
    count: i64,
    submit_count: u32,
    validate_count: u32,
    feedback: bool,
}

/// The page's events.
#[derive(Debug, Deserialize)]
pub enum FeedbackEvent {
    /// `phx-change`.
    #[serde(rename = "validate")]
    Validate {},
    /// `phx-submit`.
    #[serde(rename = "submit")]
    Submit {},
    /// `+`.
    #[serde(rename = "inc")]
    Inc {},
    /// `-`.
    #[serde(rename = "dec")]
    Dec {},
    /// Whether the feedback element names its input.
    #[serde(rename = "toggle-feedback")]
    ToggleFeedback {},
}

/// Boots the client with `dom` callbacks that set `phx-no-feedback` on
/// `[phx-feedback-for]` elements whose input is not used yet.
const BOOT: &str = r#"<script src="/assets/phoenix/phoenix.min.js"></script>
<script type="module">
  import { LiveSocket, isUsedInput } from "/assets/phoenix_live_view/phoenix_live_view.esm.js";
  const resetFeedbacks = (container, feedbacks) => {
    feedbacks = feedbacks ||
      Array.from(container.querySelectorAll("[phx-feedback-for]")).map((el) => [el, el.getAttribute("phx-feedback-for")]);
    for (const [el, name] of feedbacks) {
      const used = Array.from(container.querySelectorAll(`[name="${name}"], [name="${name}[]"]`)).some((input) => isUsedInput(input));
      if (used || !el.hasAttribute("phx-feedback-for")) {
        el.classList.remove("phx-no-feedback");
      } else {
        el.classList.add("phx-no-feedback");
      }
    }
  };
  const feedbackDom = (dom) => {
    window.addEventListener("reset", () => resetFeedbacks(document));
    let feedbacks;
    let submitPending = false;
    let inputPending = false;
    window.addEventListener("submit", (e) => (submitPending = e.target));
    window.addEventListener("input", (e) => (inputPending = e.target));
    return {
      onPatchStart(container) {
        feedbacks = [];
        dom.onPatchStart && dom.onPatchStart(container);
      },
      onNodeAdded(node) {
        if (node.hasAttribute && node.hasAttribute("phx-feedback-for")) {
          feedbacks.push([node, node.getAttribute("phx-feedback-for")]);
        }
        dom.onNodeAdded && dom.onNodeAdded(node);
      },
      onBeforeElUpdated(from, to) {
        const fromFor = from.getAttribute("phx-feedback-for");
        const toFor = to.getAttribute("phx-feedback-for");
        if (fromFor || toFor) {
          feedbacks.push([from, fromFor || toFor], [to, toFor || fromFor]);
        }
        dom.onBeforeElUpdated && dom.onBeforeElUpdated(from, to);
      },
      onPatchEnd(container) {
        resetFeedbacks(container, feedbacks);
        // Elements skipped by the patch are not in `feedbacks`: after an
        // input or a submit, look at all of them.
        if (inputPending || submitPending) {
          resetFeedbacks(container);
          inputPending = null;
          submitPending = null;
        }
        dom.onPatchEnd && dom.onPatchEnd(container);
      },
    };
  };
  const token = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  const liveSocket = new LiveSocket("/live", window.Phoenix.Socket, {
    params: { _csrf_token: token },
    dom: feedbackDom({}),
  });
  liveSocket.connect();
  window.liveSocket = liveSocket;
</script>
"#;

/// The form, with one input from a nested function component.
fn my_form() -> Rendered {
    let other = other_input();
    html!(
        r#"<form id="myform" name="test" phx-change="validate" phx-submit="submit">
  <input type="text" name="name" class="border border-gray-500" placeholder="type sth" />
  {other}
  <button type="submit">Submit</button>
  <button type="reset">Reset</button>
</form>"#
    )
}

fn other_input() -> Rendered {
    html!(
        r#"<input type="text" name="myfeedback" class="border border-gray-500" placeholder="myfeedback" />"#
    )
}

/// The element whose visibility follows `myfeedback` while `feedback` is on.
fn my_feedback(feedback: bool) -> Rendered {
    html!(
        r#"<div phx-feedback-for={feedback.then_some("myfeedback")} data-feedback-container>
  I am visible, because phx-no-feedback is not set for myfeedback!
</div>"#
    )
}

impl LiveView for FormFeedbackLive {
    type Event = FeedbackEvent;
    type Info = ();

    fn mount(_: &Mount) -> Update<Self> {
        let view = FormFeedbackLive {
            count: 0,
            submit_count: 0,
            validate_count: 0,
            feedback: true,
        };
        (view, vec![])
    }

    fn handle_event(mut self, event: FeedbackEvent) -> Update<Self> {
        match event {
            FeedbackEvent::Validate {} => self.validate_count += 1,
            FeedbackEvent::Submit {} => self.submit_count += 1,
            FeedbackEvent::Inc {} => self.count += 1,
            FeedbackEvent::Dec {} => self.count -= 1,
            FeedbackEvent::ToggleFeedback {} => self.feedback = !self.feedback,
        }
        (self, vec![])
    }

    fn render(&self) -> Rendered {
        let form = my_form();
        let feedback = my_feedback(self.feedback);
        html!(
            r#"<style>
  .phx-no-feedback {{ display: none; }}
</style>
<p>Button Count: {self.count}</p>
<p>Validate Count: {self.validate_count}</p>
<p>Submit Count: {self.submit_count}</p>
<button phx-click="inc" class="bg-blue-500 text-white p-4">+</button>
<button phx-click="dec" class="bg-blue-500 text-white p-4">-</button>
{form}
{feedback}
<button phx-click="toggle-feedback">Toggle feedback</button>"#
        )
    }

    fn layout(&self) -> ViewLayout<Self> {
        ViewLayout::Own(|_, _, inner| {
            let boot = Html::raw(BOOT);
            html!("{boot}{inner}")
        })
    }
}
