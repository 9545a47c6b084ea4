// The `frame_decode` check, shared by the fuzz target (fuzz/fuzz_targets/frame_decode.rs)
// and the regression replay (core/tests/fuzz_regressions.rs); included with `include!`.
//
// The V2 frame codec, the client-event payload decoder and the upload
// entries' reader never panic, and accept nothing over the size limit.
use liveview_core::protocol::frame;
use liveview_core::protocol::frame::decode_client_event;

const MAX: usize = 64 * 1024;

/// Runs the check on one input; panics on a finding.
pub fn check(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        match frame::decode(text, MAX) {
            Ok(f) => {
                assert!(text.len() <= MAX);
                // What decodes re-encodes to a frame that decodes to the same.
                let payload = serde_json::Value::Object(f.payload.clone());
                let again = frame::encode_value(
                    f.join_ref.as_deref(),
                    f.reference.as_deref(),
                    &f.topic,
                    &f.event,
                    &payload,
                );
                assert_eq!(frame::decode(&again, usize::MAX).as_ref(), Ok(&f));
                if let Err(reason) = decode_client_event(&f.payload) {
                    assert!(!reason.is_empty());
                }
                // An `allow_upload`'s entries read or explain why not.
                if let Some(entries) = f.payload.get("entries") {
                    if let Err(reason) = liveview_core::upload::ClientEntry::list_from_json(entries)
                    {
                        assert!(!reason.is_empty());
                    }
                }
            }
            // Every error explains itself.
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    if let Ok(push) = frame::decode_binary(data, MAX) {
        assert!(data.len() <= MAX);
        assert!(push.payload.len() <= data.len());
    }
}
