//! Upload refs and entry UUIDs, derived from the entropy the adapter gave
//! the view's join ([`JoinInput::entropy`](crate::runtime::JoinInput::entropy)):
//! the core draws no random numbers, and a replayed join makes the same ids.

use sha2::{Digest, Sha256};

/// A view's source of upload ids.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ids {
    seed: u64,
    view: &'static str,
    next: u64,
}

impl Ids {
    pub(crate) fn new(seed: u64, view: &'static str) -> Ids {
        Ids {
            seed,
            view,
            next: 0,
        }
    }

    fn draw(&mut self, kind: &str) -> [u8; 32] {
        self.next += 1;
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(self.view.as_bytes());
        h.update(kind.as_bytes());
        h.update(self.next.to_le_bytes());
        h.finalize().into()
    }

    /// A new upload ref: `phx-` and 16 hex digits.
    pub(crate) fn upload_ref(&mut self) -> String {
        let b = self.draw("ref");
        let mut s = String::from("phx-");
        for x in &b[..8] {
            s.push_str(&format!("{x:02x}"));
        }
        s
    }

    /// A new v4 UUID.
    pub(crate) fn uuid(&mut self) -> String {
        let mut b = self.draw("uuid");
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}
