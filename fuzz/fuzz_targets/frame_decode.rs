//! The V2 frame codec and the client-event payload decoder never panic, and
//! accept nothing over the size limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liveview_core::protocol::frame;
use liveview_core::protocol::socket::decode_client_event;

const MAX: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(f) = frame::decode(text, MAX) {
            assert!(text.len() <= MAX);
            let _ = decode_client_event(&f.payload);
        }
    }
    if let Ok(push) = frame::decode_binary(data, MAX) {
        assert!(data.len() <= MAX);
        assert!(push.payload.len() <= data.len());
    }
});
