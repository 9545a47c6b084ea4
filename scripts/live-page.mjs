// What the measuring scripts share: reading the server's RSS, and loading a
// page and opening its socket as the official client does (the page's
// container id, session and CSRF token; a WebSocket whose replies resolve
// the push that asked, by ref).

import { readFileSync } from "node:fs";

/// The RSS of process `pid`, in KiB.
export const rssKib = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

/// The value of attribute `name` in an HTML tag's text.
export const attr = (tag, name) => new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];

/// Every string in a rendered tree, concatenated (its HTML pieces).
export const strings = (v) =>
  typeof v === "string"
    ? v
    : Array.isArray(v)
      ? v.map(strings).join("")
      : v && typeof v === "object"
        ? Object.values(v).map(strings).join("")
        : "";

/// Loads `base + path` and opens its socket. Returns the main view's
/// `topic` and `session`, the join `params` (the CSRF token), the `ws`, and:
/// `push(joinRef, topic, event, payload)`, a text push;
/// `pushBinary(joinRef, topic, event, bytes)`, a binary push (kind 0, the
/// lengths of join ref, ref, topic and event, them, the bytes);
/// `join(topic, payload)`, a `phx_join` whose join ref is its ref.
/// Each resolves with its reply's payload.
export async function openPage(base, path) {
  const html = await (await fetch(base + path)).text();
  const main = /<[^>]*data-phx-main[^>]*>/.exec(html)[0];
  const csrf = /<meta name="csrf-token" content="([^"]*)"/.exec(html)[1];
  const ws = new WebSocket(
    `${base.replace("http", "ws")}/live/websocket?_csrf_token=${encodeURIComponent(csrf)}&vsn=2.0.0`,
  );
  ws.binaryType = "arraybuffer";
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = fail;
  });
  let ref = 0;
  const waiting = new Map();
  ws.onmessage = (m) => {
    const [, r, , event, payload] = JSON.parse(m.data);
    if (event === "phx_reply" && waiting.has(r)) {
      waiting.get(r)(payload);
      waiting.delete(r);
    }
  };
  const reply = (r) => new Promise((ok) => waiting.set(r, ok));
  const push = (joinRef, topic, event, payload) => {
    const r = String(++ref);
    ws.send(JSON.stringify([joinRef ?? r, r, topic, event, payload]));
    return reply(r);
  };
  const pushBinary = (joinRef, topic, event, bytes) => {
    const r = String(++ref);
    const head = [joinRef, r, topic, event].map((s) => Buffer.from(s));
    ws.send(Buffer.concat([Buffer.from([0, ...head.map((h) => h.length)]), ...head, bytes]));
    return reply(r);
  };
  return {
    ws,
    topic: `lv:${attr(main, "id")}`,
    session: attr(main, "data-phx-session"),
    params: { _csrf_token: csrf, _mounts: 0 },
    push,
    pushBinary,
    join: (topic, payload) => push(null, topic, "phx_join", payload),
  };
}
