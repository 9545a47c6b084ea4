//! A small TCP proxy that plays the load balancer in the multi-node tests.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A TCP proxy on a free loopback port. Each accepted connection goes to the
/// first backend, in the order given, that accepts a connection within
/// 500 ms: while the first node is up it gets everything, and once it is
/// gone new connections (a browser's reconnect) fail over to the next, as a
/// load balancer with health checks does. Bytes are copied both ways until
/// either side closes; when a backend dies, its clients see their
/// connection close. Stops accepting when dropped.
pub struct TcpProxy {
    addr: String,
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
    stop: Arc<AtomicBool>,
}

impl TcpProxy {
    /// Starts the proxy in front of `backends` (`127.0.0.1:PORT` each).
    pub fn start(backends: &[&str]) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address").to_string();
        let backends: Vec<String> = backends.iter().map(|b| b.to_string()).collect();
        let counts = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (counts.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Some((backend, upstream)) = backends.iter().find_map(|b| {
                    let addr = b.parse().ok()?;
                    let conn = TcpStream::connect_timeout(&addr, Duration::from_millis(500));
                    conn.ok().map(|u| (b.clone(), u))
                }) else {
                    // No backend is up: the client sees its connection close.
                    continue;
                };
                *c.lock().unwrap().entry(backend).or_default() += 1;
                splice(client, upstream);
            }
        });
        TcpProxy { addr, counts, stop }
    }

    /// `127.0.0.1:PORT`, the address clients connect to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// How many connections went to `backend` so far.
    pub fn connections_to(&self, backend: &str) -> usize {
        self.counts
            .lock()
            .unwrap()
            .get(backend)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

/// Copies `a` → `b` and `b` → `a` on two threads; the end of one direction
/// shuts down the other side's writing half, so a close passes through.
fn splice(a: TcpStream, b: TcpStream) {
    let _ = a.set_nodelay(true);
    let _ = b.set_nodelay(true);
    for (mut from, mut to) in [
        (a.try_clone(), b.try_clone()),
        (b.try_clone(), a.try_clone()),
    ]
    .into_iter()
    .filter_map(|(f, t)| Some((f.ok()?, t.ok()?)))
    {
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to.shutdown(Shutdown::Write);
            let _ = from.shutdown(Shutdown::Read);
        });
    }
}
