//! The Phoenix channels V2 serializer: `[join_ref, ref, topic, event, payload]`.
