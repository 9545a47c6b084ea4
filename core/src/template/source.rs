//! [`ListSource`]: what a `{#for … in expr}` loop iterates over.

use super::{Comprehension, Statics};

/// What `html!`'s `{#for pat in expr}` accepts: anything iterable (a plain
/// list), or a reference to a [`Stream`](crate::stream::Stream) (a stream's
/// list, which takes the stream's pending items).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be looped over in `html!`",
    label = "a `{{#for}}` needs something iterable, or `&stream`"
)]
pub trait ListSource {
    /// The items the loop body sees.
    type Iter: Iterator;

    /// The (empty) list the loop fills, and the items.
    fn into_list(self, statics: &'static Statics) -> (Comprehension, Self::Iter);
}

impl<I: IntoIterator> ListSource for I {
    type Iter = I::IntoIter;

    #[inline]
    fn into_list(self, statics: &'static Statics) -> (Comprehension, Self::Iter) {
        let it = self.into_iter();
        let list = Comprehension::with_capacity(statics, it.size_hint().0);
        (list, it)
    }
}
