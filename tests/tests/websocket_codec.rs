//! The server's own WebSocket codec (`adapters/warp/src/websocket.rs`) over
//! a real connection, with a raw client that writes frames byte by byte:
//! split, fragmented and pipelined frames, pings, the closing handshake, and
//! each protocol violation closed with its code while other clients go on.

use liveview_tests::{click, heartbeat, Page, Server};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;
use tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode;
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::launch().start_for_process())
}

/// A WebSocket client on a plain TCP stream: every byte it sends is chosen
/// by the test.
struct Raw {
    stream: TcpStream,
    input: Vec<u8>,
}

/// A frame from the server: opcode and payload.
#[derive(Debug)]
struct ServerFrame {
    fin: bool,
    opcode: u8,
    payload: Vec<u8>,
}

impl ServerFrame {
    fn json(&self) -> Value {
        assert_eq!(self.opcode, 1, "a text frame: {self:?}");
        serde_json::from_slice(&self.payload).expect("JSON text")
    }

    fn close_code(&self) -> u16 {
        assert_eq!(self.opcode, 8, "a close frame: {self:?}");
        u16::from_be_bytes([self.payload[0], self.payload[1]])
    }
}

/// A masked client frame with first byte `first` (FIN, RSV, opcode); the
/// header is written by tungstenite's (client-side) frame header codec.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let header = FrameHeader {
        is_final: first & 0x80 != 0,
        rsv1: first & 0x40 != 0,
        rsv2: first & 0x20 != 0,
        rsv3: first & 0x10 != 0,
        opcode: OpCode::from(first & 0x0f),
        mask: Some(mask),
    };
    let mut f = Vec::new();
    header
        .format(payload.len() as u64, &mut f)
        .expect("a header");
    f.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    f
}

fn text(v: &Value) -> Vec<u8> {
    frame(0x81, v.to_string().as_bytes())
}

impl Raw {
    /// Opens the WebSocket of `page` with a hand-written upgrade request.
    fn open(page: &Page) -> Raw {
        let mut stream = TcpStream::connect(&page.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        let request = format!(
            "GET /live/websocket?{} HTTP/1.1\r\nHost: {addr}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Origin: http://{addr}\r\nCookie: {}\r\n\r\n",
            page.socket_query(),
            page.cookie,
            addr = page.addr,
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Raw {
            stream,
            input: Vec::new(),
        };
        let head = loop {
            if let Some(end) = raw.input.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw.input[..end]).into_owned();
                raw.input.drain(..end + 4);
                break head;
            }
            assert!(raw.fill(), "the server closed during the handshake");
        };
        assert!(head.starts_with("HTTP/1.1 101"), "upgrade refused: {head}");
        assert!(
            head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            "the RFC 6455 accept key: {head}"
        );
        raw
    }

    /// Reads more bytes; `false` at the end of the stream.
    fn fill(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        match self.stream.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                self.input.extend_from_slice(&buf[..n]);
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => false,
            Err(e) => panic!("reading from the server: {e}"),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends `bytes` one byte per write.
    fn trickle(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.send(&[*b]);
        }
    }

    /// The next frame from the server; `None` when it closed the connection.
    fn next(&mut self) -> Option<ServerFrame> {
        loop {
            if self.input.len() >= 2 {
                assert_eq!(self.input[1] & 0x80, 0, "server frames are unmasked");
                let (len, start) = match self.input[1] & 0x7f {
                    126 if self.input.len() >= 4 => (
                        u16::from_be_bytes([self.input[2], self.input[3]]) as usize,
                        4,
                    ),
                    127 if self.input.len() >= 10 => {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(&self.input[2..10]);
                        (u64::from_be_bytes(b) as usize, 10)
                    }
                    126 | 127 => (usize::MAX, 0),
                    n => (n as usize, 2),
                };
                if len != usize::MAX && self.input.len() >= start + len {
                    let f = ServerFrame {
                        fin: self.input[0] & 0x80 != 0,
                        opcode: self.input[0] & 0x0f,
                        payload: self.input[start..start + len].to_vec(),
                    };
                    self.input.drain(..start + len);
                    return Some(f);
                }
            }
            if !self.fill() {
                return None;
            }
        }
    }

    /// Joins `page` (join ref "1", ref "1") and checks the reply.
    fn join(&mut self, page: &Page) {
        self.send(&text(&page.join_frame("1")));
        let reply = self.next().expect("join reply").json();
        assert_eq!(reply[4]["status"], "ok", "join: {reply}");
    }

    /// Expects the server's close frame with `code`, then the end of the stream.
    fn expect_close(&mut self, code: u16, what: &str) {
        let f = loop {
            match self.next() {
                Some(f) if f.opcode == 8 => break f,
                Some(_) => continue,
                None => panic!("{what}: the connection ended without a close frame"),
            }
        };
        assert!(f.fin);
        assert_eq!(
            f.close_code(),
            code,
            "{what}: {:?}",
            String::from_utf8_lossy(&f.payload)
        );
        assert!(
            self.next().is_none(),
            "{what}: the server ends the connection"
        );
    }
}

#[test]
fn split_fragmented_and_pipelined_frames_are_read() {
    let page = server().load("/counter");
    let mut ws = Raw::open(&page);
    let join = page.join_frame("1").to_string().into_bytes();
    let (a, rest) = join.split_at(join.len() / 3);
    let (b, c) = rest.split_at(rest.len() / 2);
    // A fragmented join with a ping between its fragments, one byte per write.
    let mut bytes = frame(0x01, a);
    bytes.extend(frame(0x00, b));
    bytes.extend(frame(0x89, b"are you there"));
    bytes.extend(frame(0x80, c));
    ws.trickle(&bytes);
    let pong = ws.next().expect("pong");
    assert_eq!(
        (pong.opcode, &pong.payload[..]),
        (0xA, &b"are you there"[..])
    );
    let reply = ws.next().expect("join reply").json();
    assert_eq!(reply[4]["status"], "ok", "{reply}");

    // Three frames in one write: three replies, in order.
    let topic = page.topic();
    let mut burst = text(&click(&topic, "2", "inc", json!({})));
    burst.extend(text(&click(&topic, "3", "inc", json!({}))));
    burst.extend(text(&heartbeat("4")));
    ws.send(&burst);
    for expected in ["2", "3", "4"] {
        let r = ws.next().expect("reply").json();
        assert_eq!(r[1], expected, "replies in order: {r}");
        assert_eq!(r[4]["status"], "ok", "{r}");
    }

    // A frame of 70 000 bytes (64-bit length) in pieces: a clear error reply, not a close.
    let long = json!(["1", "5", topic, "event", {"type": "click", "event": "x".repeat(70_000), "value": {}}]);
    let long = text(&long);
    for piece in long.chunks(9_000) {
        ws.send(piece);
        std::thread::sleep(Duration::from_millis(2));
    }
    let r = ws.next().expect("reply to the long frame").json();
    assert_eq!(r[1], "5");
    assert_eq!(r[4]["status"], "error", "an unknown event: {r}");
}

#[test]
fn a_close_frame_is_answered_with_its_code() {
    let page = server().load("/counter");
    let mut ws = Raw::open(&page);
    ws.join(&page);
    let mut close = 1000u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"bye");
    ws.send(&frame(0x88, &close));
    ws.expect_close(1000, "client close");

    let mut ws = Raw::open(&page);
    ws.send(&frame(0x88, &[]));
    let f = ws.next().expect("close reply");
    assert_eq!(
        (f.opcode, f.payload.len()),
        (8, 0),
        "an empty close is echoed empty"
    );
    assert!(ws.next().is_none());
}

#[test]
fn protocol_violations_close_with_their_code_and_others_go_on() {
    let page = server().load("/counter");
    let mut unmasked = vec![0x81, 2];
    unmasked.extend_from_slice(b"hi");
    let mut too_long = frame(0x81, &[b'x'; 16]);
    // A header announcing 2 MiB: refused before any of it arrives.
    too_long.splice(1..2, [0x80 | 127, 0, 0, 0, 0, 0, 0x20, 0, 0]);
    too_long.truncate(14);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("unmasked frame", unmasked, 1002),
        ("reserved bit", frame(0xC1, b"{}"), 1002),
        ("reserved opcode", frame(0x83, b"{}"), 1002),
        ("fragmented ping", frame(0x09, b"p"), 1002),
        ("continuation first", frame(0x80, b"{}"), 1002),
        (
            "message inside a message",
            [frame(0x01, b"["), frame(0x81, b"{}")].concat(),
            1002,
        ),
        ("close code 1005", frame(0x88, &1005u16.to_be_bytes()), 1002),
        ("1-byte close", frame(0x88, &[3]), 1002),
        ("text not UTF-8", frame(0x81, &[0xc3, 0x28]), 1007),
        ("2 MiB header", too_long, 1009),
    ];
    for (what, bytes, code) in cases {
        let mut ws = Raw::open(&page);
        ws.join(&page);
        ws.send(&bytes);
        ws.expect_close(code, what);
    }
    // The server still serves.
    let mut ws = Raw::open(&page);
    ws.join(&page);
    ws.send(&text(&click(&page.topic(), "2", "inc", json!({}))));
    let r = ws.next().expect("reply").json();
    assert_eq!(r[4]["status"], "ok", "{r}");
}
