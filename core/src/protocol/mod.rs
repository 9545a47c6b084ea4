//! Phoenix channels: framing, the per-socket channel machine, tokens, routing and the dead render.
