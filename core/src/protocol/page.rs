//! The dead render.

/// An HTTP response produced by the core, written out by the adapter.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers (name, value), e.g. `content-type`, `set-cookie`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

/// The page around the LiveView container: replaceable by the user.
pub trait Layout: Send + Sync {
    /// Wraps the container `inner` (the root element with its attributes and
    /// content) in a full HTML document. `csrf_token` goes into
    /// `<meta name="csrf-token">`; `title` is the view's page title, if any.
    fn render(&self, title: Option<&str>, csrf_token: &str, inner: &str) -> String;
}
