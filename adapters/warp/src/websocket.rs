//! The server side of a WebSocket (RFC 6455), read and written straight on
//! the TCP stream, holding no buffer between frames.
//!
//! Used by the sockets [`serve`](crate::serve) upgrades itself. A general
//! WebSocket library keeps a read buffer per connection, grown to the largest
//! frame seen and never shrunk (for a LiveView that is the join frame, about
//! 1 KiB), and a write buffer likewise. Here reads go into a buffer on the
//! stack; complete frames are decoded from it in place, and only the bytes
//! of an unfinished frame (or of frames after the one returned) are kept on
//! the heap until they are used. Writes go from the outgoing frames
//! themselves with one vectored write. An idle socket then holds nothing
//! but the stream.
//!
//! [`Decoder`] is the sans-IO part (frame parsing with `tungstenite`'s
//! header codec, unmasking, fragmentation, control frames, the checks a
//! server owes: masked client frames, no reserved bits or opcodes, control
//! frames short and unfragmented, text in UTF-8, valid close codes, the
//! size limit); [`WebSocket`] adds the stream.

use std::collections::VecDeque;
use std::io::{self, Cursor, IoSlice};
use std::task::{Context, Poll};
use tokio::net::TcpStream;
use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

/// How much one read takes from the stream (a stack buffer).
const READ_CHUNK: usize = 8 * 1024;

/// How many outgoing frames one vectored write covers at most.
const WRITE_BATCH: usize = 16;

/// The longest payload of a control frame (RFC 6455 §5.5).
const MAX_CONTROL_PAYLOAD: usize = 125;

/// A message from the client.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A ping; the socket answers with [`Outgoing::Pong`].
    Ping(Vec<u8>),
    /// A close frame, with its code if it had one.
    Close(Option<u16>),
}

/// Why the client's input cannot be read on: the close code to answer with.
#[derive(Debug)]
pub(crate) enum WsError {
    /// The connection failed.
    Io(io::Error),
    /// The client broke the protocol (close 1002).
    Protocol(&'static str),
    /// A text message or close reason that is not UTF-8 (close 1007).
    InvalidUtf8,
    /// A frame or message over the size limit (close 1009).
    TooBig,
}

impl WsError {
    /// The close code and reason to send, or `None` for a failed connection.
    pub(crate) fn close(&self) -> Option<(u16, &'static str)> {
        match self {
            WsError::Io(_) => None,
            WsError::Protocol(why) => Some((1002, why)),
            WsError::InvalidUtf8 => Some((1007, "text is not valid UTF-8")),
            WsError::TooBig => Some((1009, "frame exceeds the maximum size")),
        }
    }
}

impl std::fmt::Display for WsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WsError::Io(e) => write!(f, "{e}"),
            WsError::Protocol(why) => write!(f, "protocol error: {why}"),
            WsError::InvalidUtf8 => f.write_str("text is not valid UTF-8"),
            WsError::TooBig => f.write_str("frame exceeds the maximum size"),
        }
    }
}

/// One frame, unmasked in place.
struct Frame<'a> {
    fin: bool,
    opcode: OpCode,
    payload: &'a [u8],
}

/// A fragmented message being put together.
struct Fragments {
    text: bool,
    data: Vec<u8>,
}

/// The sans-IO reading side: bytes in, messages out (see the [module docs](self)).
pub(crate) struct Decoder {
    /// Bytes not decoded yet. Empty, with no allocation, between frames.
    input: Vec<u8>,
    /// The fragmented message in progress, if any.
    fragments: Option<Box<Fragments>>,
    /// The largest frame or message accepted.
    max: usize,
}

impl Decoder {
    /// A decoder accepting frames and messages of up to `max` bytes.
    pub(crate) fn new(max: usize) -> Decoder {
        Decoder {
            input: Vec::new(),
            fragments: None,
            max,
        }
    }

    /// Bytes held: undecoded input and fragments.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.input.capacity() + self.fragments.as_ref().map_or(0, |f| f.data.capacity())
    }

    /// The next message from the bytes kept so far followed by `fresh`
    /// (which may be empty); `Ok(None)` when more bytes are needed. Bytes of
    /// `fresh` after the returned message are kept for the next call. After
    /// an error the decoder must not be used again.
    pub(crate) fn decode(&mut self, fresh: &mut [u8]) -> Result<Option<Incoming>, WsError> {
        if self.input.is_empty() {
            // The common case: decode straight from the caller's buffer.
            let (message, used) = self.decode_from(fresh)?;
            let rest = &fresh[used..];
            if let Some(whole) = self.frame_len(rest) {
                // Room for the rest of a long frame at once.
                self.input.reserve_exact(whole);
            }
            self.input.extend_from_slice(rest);
            return Ok(message);
        }
        let mut input = std::mem::take(&mut self.input);
        input.extend_from_slice(fresh);
        let (message, used) = self.decode_from(&mut input)?;
        if used < input.len() {
            input.drain(..used);
            match self.frame_len(&input) {
                Some(whole) => input.reserve(whole.saturating_sub(input.len())),
                None if input.capacity() > 2 * input.len().max(READ_CHUNK) => input.shrink_to_fit(),
                None => {}
            }
            self.input = input;
        }
        Ok(message)
    }

    /// Decodes frames from `buf` until one completes a message or more bytes
    /// are needed: the message and how many bytes were used.
    fn decode_from(&mut self, buf: &mut [u8]) -> Result<(Option<Incoming>, usize), WsError> {
        let mut at = 0;
        loop {
            let Some((frame, len)) = parse_frame(&mut buf[at..], self.max)? else {
                return Ok((None, at));
            };
            let message = self.on_frame(frame)?;
            at += len;
            if message.is_some() {
                return Ok((message, at));
            }
        }
    }

    /// The whole length of the frame starting `buf` once its header is in,
    /// if it is longer than one read.
    fn frame_len(&self, buf: &[u8]) -> Option<usize> {
        let mut cursor = Cursor::new(buf);
        let (_, len) = FrameHeader::parse(&mut cursor).ok()??;
        let whole = cursor.position() as usize + usize::try_from(len).ok()?;
        (whole > READ_CHUNK && whole <= self.max + 14).then_some(whole)
    }

    fn on_frame(&mut self, frame: Frame<'_>) -> Result<Option<Incoming>, WsError> {
        let Frame {
            fin,
            opcode,
            payload,
        } = frame;
        match opcode {
            OpCode::Data(Data::Text | Data::Binary) => {
                if self.fragments.is_some() {
                    return Err(WsError::Protocol(
                        "a new message began before the fragmented one ended",
                    ));
                }
                let text = opcode == OpCode::Data(Data::Text);
                if fin {
                    return message(text, payload.to_vec()).map(Some);
                }
                self.fragments = Some(Box::new(Fragments {
                    text,
                    data: payload.to_vec(),
                }));
                Ok(None)
            }
            OpCode::Data(Data::Continue) => {
                let Some(fragments) = self.fragments.as_mut() else {
                    return Err(WsError::Protocol("a continuation frame outside a message"));
                };
                if fragments.data.len() + payload.len() > self.max {
                    return Err(WsError::TooBig);
                }
                fragments.data.extend_from_slice(payload);
                if !fin {
                    return Ok(None);
                }
                let Some(done) = self.fragments.take() else {
                    return Ok(None);
                };
                let Fragments { text, data } = *done;
                message(text, data).map(Some)
            }
            OpCode::Control(Control::Ping) => Ok(Some(Incoming::Ping(payload.to_vec()))),
            OpCode::Control(Control::Pong) => Ok(None),
            OpCode::Control(Control::Close) => match payload {
                [] => Ok(Some(Incoming::Close(None))),
                [_] => Err(WsError::Protocol("a close frame with a 1-byte payload")),
                [hi, lo, reason @ ..] => {
                    let code = u16::from_be_bytes([*hi, *lo]);
                    if !CloseCode::from(code).is_allowed() {
                        return Err(WsError::Protocol("a close frame with an invalid code"));
                    }
                    std::str::from_utf8(reason).map_err(|_| WsError::InvalidUtf8)?;
                    Ok(Some(Incoming::Close(Some(code))))
                }
            },
            OpCode::Data(Data::Reserved(_)) | OpCode::Control(Control::Reserved(_)) => {
                Err(WsError::Protocol("a reserved opcode"))
            }
        }
    }
}

fn message(text: bool, data: Vec<u8>) -> Result<Incoming, WsError> {
    if text {
        String::from_utf8(data)
            .map(Incoming::Text)
            .map_err(|_| WsError::InvalidUtf8)
    } else {
        Ok(Incoming::Binary(data))
    }
}

/// The first frame of `buf` and its length, unmasked in place; `Ok(None)`
/// when `buf` does not hold all of it yet.
fn parse_frame(buf: &mut [u8], max: usize) -> Result<Option<(Frame<'_>, usize)>, WsError> {
    let mut cursor = Cursor::new(&*buf);
    let (header, len) = match FrameHeader::parse(&mut cursor) {
        Ok(Some(h)) => h,
        Ok(None) => return Ok(None),
        Err(_) => return Err(WsError::Protocol("a reserved opcode")),
    };
    let start = cursor.position() as usize;
    if header.rsv1 || header.rsv2 || header.rsv3 {
        return Err(WsError::Protocol(
            "reserved bits set (no extension was agreed)",
        ));
    }
    let Some(mask) = header.mask else {
        return Err(WsError::Protocol("an unmasked frame from the client"));
    };
    let control = matches!(header.opcode, OpCode::Control(_));
    if control && (!header.is_final || len > MAX_CONTROL_PAYLOAD as u64) {
        return Err(WsError::Protocol(
            "a control frame fragmented or over 125 bytes",
        ));
    }
    let len = match usize::try_from(len) {
        Ok(len) if len <= max => len,
        _ => return Err(WsError::TooBig),
    };
    let end = start + len;
    if buf.len() < end {
        return Ok(None);
    }
    let payload = &mut buf[start..end];
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
    Ok(Some((
        Frame {
            fin: header.is_final,
            opcode: header.opcode,
            payload,
        },
        end,
    )))
}

/// A frame to send (server frames are unmasked and never fragmented).
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A text message.
    Text(String),
    /// A close frame: code and reason, already encoded.
    Close(Vec<u8>),
    /// The answer to a ping.
    Pong(Vec<u8>),
}

impl Outgoing {
    /// A close frame with `code` and `reason` (cut to fit a control frame).
    pub(crate) fn close(code: u16, reason: &str) -> Outgoing {
        let mut end = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let mut payload = Vec::with_capacity(2 + end);
        payload.extend_from_slice(&code.to_be_bytes());
        payload.extend_from_slice(&reason.as_bytes()[..end]);
        Outgoing::Close(payload)
    }

    /// The close code and reason of a close frame.
    pub(crate) fn close_parts(&self) -> Option<(u16, &str)> {
        match self {
            Outgoing::Close(p) if p.len() >= 2 => Some((
                u16::from_be_bytes([p[0], p[1]]),
                std::str::from_utf8(&p[2..]).unwrap_or(""),
            )),
            Outgoing::Close(_) => Some((1000, "")),
            _ => None,
        }
    }

    pub(crate) fn payload(&self) -> &[u8] {
        match self {
            Outgoing::Text(t) => t.as_bytes(),
            Outgoing::Close(p) | Outgoing::Pong(p) => p,
        }
    }

    fn opcode(&self) -> OpCode {
        match self {
            Outgoing::Text(_) => OpCode::Data(Data::Text),
            Outgoing::Close(_) => OpCode::Control(Control::Close),
            Outgoing::Pong(_) => OpCode::Control(Control::Pong),
        }
    }

    /// The frame header (final, unmasked), written by tungstenite's header
    /// codec: bytes and length.
    fn header(&self) -> ([u8; 10], usize) {
        let header = FrameHeader {
            opcode: self.opcode(),
            ..FrameHeader::default()
        };
        let mut h = [0u8; 10];
        let mut out = &mut h[..];
        header
            .format(self.payload().len() as u64, &mut out)
            .expect("an unmasked frame header fits in 10 bytes");
        let used = 10 - out.len();
        (h, used)
    }

    /// Bytes on the wire: header and payload.
    pub(crate) fn wire_len(&self) -> usize {
        self.header().1 + self.payload().len()
    }
}

/// A WebSocket on a TCP stream (see the [module docs](self)).
pub(crate) struct WebSocket {
    stream: TcpStream,
    decoder: Decoder,
    /// Bytes of the first queued frame already written.
    written: usize,
}

impl WebSocket {
    /// A WebSocket on `stream` after the handshake; `early` are bytes the
    /// client sent right after its upgrade request, `max` the largest frame
    /// or message accepted.
    pub(crate) fn new(stream: TcpStream, early: &[u8], max: usize) -> WebSocket {
        let mut decoder = Decoder::new(max);
        decoder.input.extend_from_slice(early);
        WebSocket {
            stream,
            decoder,
            written: 0,
        }
    }

    /// The next message; `None` at the end of the stream.
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Incoming, WsError>>> {
        if !self.decoder.input.is_empty() {
            match self.decoder.decode(&mut []) {
                Ok(None) => {}
                Ok(Some(m)) => return Poll::Ready(Some(Ok(m))),
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
        loop {
            match self.stream.poll_read_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(WsError::Io(e)))),
                Poll::Pending => return Poll::Pending,
            }
            let mut buf = [0u8; READ_CHUNK];
            match self.stream.try_read(&mut buf) {
                Ok(0) => return Poll::Ready(None),
                Ok(n) => match self.decoder.decode(&mut buf[..n]) {
                    Ok(None) => {}
                    Ok(Some(m)) => return Poll::Ready(Some(Ok(m))),
                    Err(e) => return Poll::Ready(Some(Err(e))),
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Some(Err(WsError::Io(e)))),
            }
        }
    }

    /// Writes frames from the front of `queue` while the stream takes them,
    /// removing those fully written: how many bytes went out. `Pending` only
    /// when nothing could be written now.
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        queue: &mut VecDeque<Outgoing>,
    ) -> Poll<io::Result<usize>> {
        let mut total = 0;
        while !queue.is_empty() {
            match self.stream.poll_write_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending if total == 0 => return Poll::Pending,
                Poll::Pending => break,
            }
            let mut heads = [([0u8; 10], 0usize); WRITE_BATCH];
            let frames = queue.len().min(WRITE_BATCH);
            for (slot, frame) in heads.iter_mut().zip(queue.iter()) {
                *slot = frame.header();
            }
            let mut slices: [IoSlice<'_>; 2 * WRITE_BATCH] = [IoSlice::new(&[]); 2 * WRITE_BATCH];
            let mut skip = self.written;
            let mut n = 0;
            for (i, frame) in queue.iter().take(frames).enumerate() {
                let (h, hl) = &heads[i];
                for part in [&h[..*hl], frame.payload()] {
                    if skip >= part.len() {
                        skip -= part.len();
                        continue;
                    }
                    slices[n] = IoSlice::new(&part[skip..]);
                    skip = 0;
                    n += 1;
                }
            }
            match self.stream.try_write_vectored(&slices[..n]) {
                Ok(0) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the connection took no bytes",
                    )))
                }
                Ok(mut wrote) => {
                    total += wrote;
                    // Drop the frames now fully written.
                    while let Some(front) = queue.front() {
                        let left = front.wire_len() - self.written;
                        if wrote < left {
                            self.written += wrote;
                            break;
                        }
                        wrote -= left;
                        self.written = 0;
                        queue.pop_front();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(total))
    }

    /// Bytes of the first queued frame already written.
    pub(crate) fn written(&self) -> usize {
        self.written
    }

    /// Ends the sending side (TCP FIN) once everything was written.
    pub(crate) async fn shutdown(&mut self) {
        use tokio::io::AsyncWriteExt;
        let _ = self.stream.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A client frame: FIN/opcode byte, masked payload.
    fn client_frame(first: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
        let mut f = vec![first];
        let len = payload.len();
        if len < 126 {
            f.push(0x80 | len as u8);
        } else if len <= 0xffff {
            f.push(0x80 | 126);
            f.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            f.push(0x80 | 127);
            f.extend_from_slice(&(len as u64).to_be_bytes());
        }
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        f
    }

    fn text(s: &str) -> Vec<u8> {
        client_frame(0x81, s.as_bytes(), [1, 2, 3, 4])
    }

    /// All messages decoded from `bytes` fed in one go.
    fn decode_all(bytes: &[u8], max: usize) -> Result<Vec<Incoming>, String> {
        let mut d = Decoder::new(max);
        let mut bytes = bytes.to_vec();
        let mut out = Vec::new();
        let mut first = true;
        loop {
            let fresh: &mut [u8] = if first { &mut bytes } else { &mut [] };
            first = false;
            match d.decode(fresh) {
                Ok(Some(m)) => out.push(m),
                Ok(None) => return Ok(out),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    #[test]
    fn text_binary_and_control_frames() {
        let mut bytes = text("hello");
        bytes.extend(client_frame(0x82, &[0, 1, 2], [9, 9, 9, 9]));
        bytes.extend(client_frame(0x89, b"ping!", [5, 6, 7, 8]));
        bytes.extend(client_frame(0x8A, b"unsolicited pong", [5, 6, 7, 8]));
        bytes.extend(client_frame(
            0x88,
            &[0x03, 0xe8, b'b', b'y', b'e'],
            [1, 1, 1, 1],
        ));
        assert_eq!(
            decode_all(&bytes, 1024).unwrap(),
            vec![
                Incoming::Text("hello".into()),
                Incoming::Binary(vec![0, 1, 2]),
                Incoming::Ping(b"ping!".to_vec()),
                Incoming::Close(Some(1000)),
            ]
        );
    }

    #[test]
    fn fragments_are_joined_and_may_carry_control_frames_between_them() {
        let mut bytes = client_frame(0x01, "hé".as_bytes()[..2].as_ref(), [1, 2, 3, 4]);
        bytes.extend(client_frame(0x89, b"p", [1, 2, 3, 4]));
        bytes.extend(client_frame(0x00, &"hé".as_bytes()[2..], [4, 3, 2, 1]));
        bytes.extend(client_frame(0x80, b"llo", [4, 3, 2, 1]));
        assert_eq!(
            decode_all(&bytes, 1024).unwrap(),
            vec![
                Incoming::Ping(b"p".to_vec()),
                Incoming::Text("héllo".into())
            ]
        );
    }

    #[test]
    fn long_lengths_are_read() {
        let big = "x".repeat(70_000);
        let mid = "y".repeat(300);
        let mut bytes = text(&big);
        bytes.extend(text(&mid));
        assert_eq!(
            decode_all(&bytes, 100_000).unwrap(),
            vec![Incoming::Text(big), Incoming::Text(mid)]
        );
    }

    #[test]
    fn protocol_violations_are_errors_with_their_close_code() {
        let cases: Vec<(Vec<u8>, u16, &str)> = vec![
            (vec![0x81, 0x02, b'h', b'i'], 1002, "unmasked"),
            (client_frame(0xC1, b"hi", [1; 4]), 1002, "reserved bits"),
            (client_frame(0x83, b"hi", [1; 4]), 1002, "reserved opcode"),
            (client_frame(0x8B, b"hi", [1; 4]), 1002, "reserved opcode"),
            (client_frame(0x09, b"hi", [1; 4]), 1002, "control frame"),
            (client_frame(0x89, &[0; 126], [1; 4]), 1002, "control frame"),
            (client_frame(0x80, b"hi", [1; 4]), 1002, "continuation"),
            (
                [client_frame(0x01, b"a", [1; 4]), text("b")].concat(),
                1002,
                "a new message",
            ),
            (client_frame(0x88, &[3], [1; 4]), 1002, "1-byte"),
            (
                client_frame(0x88, &[0x03, 0xed], [1; 4]),
                1002,
                "invalid code",
            ),
            (
                client_frame(0x88, &[0x03, 0xe8, 0xff], [1; 4]),
                1007,
                "UTF-8",
            ),
            (client_frame(0x81, &[0xff, 0xfe], [1; 4]), 1007, "UTF-8"),
            (
                client_frame(0x81, &[b'x'; 2000], [1; 4]),
                1009,
                "maximum size",
            ),
            (
                [
                    client_frame(0x01, &[b'x'; 600], [1; 4]),
                    client_frame(0x80, &[b'x'; 600], [1; 4]),
                ]
                .concat(),
                1009,
                "maximum size",
            ),
        ];
        for (bytes, code, why) in cases {
            let mut d = Decoder::new(1024);
            let mut bytes = bytes;
            let err = loop {
                match d.decode(&mut bytes) {
                    Ok(Some(_)) => bytes.clear(),
                    Ok(None) => panic!("{why}: no error"),
                    Err(e) => break e,
                }
            };
            let (got, _) = err.close().unwrap();
            assert_eq!(got, code, "{why}: {err}");
            assert!(err.to_string().contains(why), "{why}: {err}");
        }
    }

    #[test]
    fn an_oversized_frame_is_refused_from_its_header() {
        // Only the header has arrived: the length alone decides.
        let mut head = client_frame(0x81, &[0; 70_000], [1; 4]);
        head.truncate(14);
        let mut d = Decoder::new(1 << 16);
        assert!(matches!(d.decode(&mut head), Err(WsError::TooBig)));
    }

    #[test]
    fn close_codes() {
        for (code, ok) in [
            (1000, true),
            (1001, true),
            (1003, true),
            (1011, true),
            (3000, true),
            (4999, true),
            (999, false),
            (1004, false),
            (1005, false),
            (1006, false),
            (1015, false),
            (1016, false),
            (2999, false),
            (5000, false),
        ] {
            let bytes = client_frame(0x88, &u16::to_be_bytes(code), [7; 4]);
            assert_eq!(decode_all(&bytes, 1024).is_ok(), ok, "{code}");
        }
    }

    #[test]
    fn nothing_is_held_between_frames() {
        let mut d = Decoder::new(1 << 20);
        let frame = text(&"x".repeat(5000));
        let (a, b) = frame.split_at(3000);
        assert_eq!(d.decode(&mut a.to_vec()).unwrap(), None);
        assert!(d.held() >= 3000, "the start of the frame is kept");
        assert!(d.decode(&mut b.to_vec()).unwrap().is_some());
        assert_eq!(d.held(), 0, "storage given back once the frame is in");
        assert!(d.decode(&mut text("small")).unwrap().is_some());
        assert_eq!(d.held(), 0);
    }

    #[test]
    fn server_frames_have_the_right_headers() {
        let (h, n) = Outgoing::Text("hi".into()).header();
        assert_eq!(&h[..n], &[0x81, 2]);
        let (h, n) = Outgoing::Text("x".repeat(300)).header();
        assert_eq!(&h[..n], &[0x81, 126, 1, 44]);
        let (h, n) = Outgoing::Text("x".repeat(70_000)).header();
        assert_eq!(&h[..n], &[0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
        let close = Outgoing::close(1009, &"é".repeat(100));
        assert_eq!(
            close.payload().len(),
            2 + 122,
            "cut at a character boundary"
        );
        assert_eq!(close.close_parts().unwrap().0, 1009);
        assert_eq!(Outgoing::Pong(b"p".to_vec()).header().0[..2], [0x8A, 1]);
    }

    /// A server-side [`WebSocket`] and the raw client end of its connection,
    /// with kernel buffers of `buffer` bytes when given (set before the
    /// connection, so the advertised window is small too).
    async fn pair(buffer: Option<u32>) -> (WebSocket, TcpStream) {
        let server = tokio::net::TcpSocket::new_v4().unwrap();
        let client = tokio::net::TcpSocket::new_v4().unwrap();
        if let Some(bytes) = buffer {
            server.set_send_buffer_size(bytes).unwrap();
            client.set_recv_buffer_size(bytes).unwrap();
        }
        server.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = server.listen(1).unwrap();
        let client = client.connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        (
            WebSocket::new(accepted.unwrap().0, &[], 1 << 20),
            client.unwrap(),
        )
    }

    /// Frames written while the client reads slowly arrive whole and in
    /// order: a partly written frame is resumed where it stopped.
    #[tokio::test]
    async fn partial_writes_resume_where_they_stopped() {
        use tokio::io::AsyncReadExt;
        // Small kernel buffers, so that the writes stop part-way.
        let (mut ws, mut client) = pair(Some(4096)).await;
        let frames: Vec<String> = (0..40)
            .map(|i| format!("{i}:").repeat(if i % 3 == 0 { 2_000 } else { 7 }))
            .collect();
        let mut expected = Vec::new();
        let mut queue = VecDeque::new();
        for f in &frames {
            let out = Outgoing::Text(f.clone());
            let (h, n) = out.header();
            expected.extend_from_slice(&h[..n]);
            expected.extend_from_slice(f.as_bytes());
            queue.push_back(out);
        }
        queue.push_back(Outgoing::close(1000, "done"));
        expected.extend_from_slice(&[0x88, 6, 0x03, 0xe8]);
        expected.extend_from_slice(b"done");
        let writer = async {
            let mut partial = 0;
            while !queue.is_empty() {
                std::future::poll_fn(|cx| ws.poll_write(cx, &mut queue))
                    .await
                    .unwrap();
                partial += usize::from(ws.written() > 0);
            }
            ws.shutdown().await;
            partial
        };
        let reader = async {
            let mut got = Vec::new();
            let mut buf = [0u8; 1500];
            loop {
                // A slow reader: the server's send buffer fills up.
                tokio::time::sleep(std::time::Duration::from_micros(50)).await;
                match client.read(&mut buf).await.unwrap() {
                    0 => break got,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
        };
        let (partial, got) = tokio::join!(writer, reader);
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "the byte stream is the frames in order");
        assert!(partial > 0, "some frame was written in parts");
    }

    /// Messages in the read buffer are returned one per call, without reading
    /// the stream again, and the end of the stream is `None`.
    #[tokio::test]
    async fn pipelined_messages_come_one_per_call() {
        use tokio::io::AsyncWriteExt;
        let (mut ws, mut client) = pair(None).await;
        let mut bytes = text("one");
        bytes.extend(text("two"));
        bytes.extend(client_frame(0x89, b"", [3; 4]));
        client.write_all(&bytes).await.unwrap();
        client.shutdown().await.unwrap();
        let mut got = Vec::new();
        while let Some(m) = std::future::poll_fn(|cx| ws.poll_next(cx)).await {
            got.push(m.unwrap());
        }
        assert_eq!(
            got,
            vec![
                Incoming::Text("one".into()),
                Incoming::Text("two".into()),
                Incoming::Ping(Vec::new())
            ]
        );
    }

    fn message_strategy() -> impl Strategy<Value = (u8, Vec<u8>)> {
        prop_oneof![
            "[a-zé]{0,300}".prop_map(|s| (0x1u8, s.into_bytes())),
            proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| (0x2u8, b)),
            proptest::collection::vec(any::<u8>(), 0..125).prop_map(|b| (0x9u8, b)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// However the bytes are split into reads, the same messages come out,
        /// and nothing is held once all of them were taken.
        #[test]
        fn any_split_gives_the_same_messages(
            messages in proptest::collection::vec(message_strategy(), 1..8),
            fragment in any::<bool>(),
            cuts in proptest::collection::vec(0usize..4000, 0..10),
            mask in any::<[u8; 4]>(),
        ) {
            let mut bytes = Vec::new();
            let mut expected = Vec::new();
            for (op, payload) in &messages {
                if fragment && *op != 0x9 && payload.len() > 1 {
                    let (a, b) = payload.split_at(payload.len() / 2);
                    bytes.extend(client_frame(*op, a, mask));
                    bytes.extend(client_frame(0x80, b, mask));
                } else {
                    bytes.extend(client_frame(0x80 | op, payload, mask));
                }
                expected.push(match op {
                    0x1 => Incoming::Text(String::from_utf8(payload.clone()).unwrap()),
                    0x2 => Incoming::Binary(payload.clone()),
                    _ => Incoming::Ping(payload.clone()),
                });
            }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let mut d = Decoder::new(1 << 16);
            let mut got = Vec::new();
            for w in cuts.windows(2) {
                let mut chunk = bytes[w[0]..w[1]].to_vec();
                let mut fresh: &mut [u8] = &mut chunk;
                while let Some(m) = d.decode(fresh).unwrap() {
                    got.push(m);
                    fresh = &mut [];
                }
            }
            prop_assert_eq!(got, expected);
            prop_assert_eq!(d.held(), 0);
        }

        /// Arbitrary bytes give messages or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut d = Decoder::new(256);
            let mut bytes = bytes;
            let mut fresh: &mut [u8] = &mut bytes;
            while let Ok(Some(_)) = d.decode(fresh) {
                fresh = &mut [];
            }
        }
    }
}
