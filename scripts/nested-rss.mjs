// Memory of connected pages with child LiveViews, measured as the server's
// RSS: opens PAGES pages of PATH (each its own WebSocket, as a browser tab),
// joins each page's view and then every child container its join reply
// shows (the official client's order), and prints the server's RSS growth
// per page. lvbench joins only a page's main view; this joins the children
// too.
//
//   node --experimental-websocket scripts/nested-rss.mjs URL PATH PAGES SERVER_PID
//   e.g. ... http://127.0.0.1:4001 "/nested?children=2" 100 12345
//
// Node 20 needs --experimental-websocket (Node 22 has WebSocket built in).

import { readFileSync } from "node:fs";

const [base, path, pagesArg, pid] = process.argv.slice(2);
const pages = Number(pagesArg ?? 100);

const rssKib = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

const attr = (tag, name) => new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];

/// Every string in a rendered tree, concatenated (its HTML pieces).
const strings = (v) =>
  typeof v === "string"
    ? v
    : Array.isArray(v)
      ? v.map(strings).join("")
      : v && typeof v === "object"
        ? Object.values(v).map(strings).join("")
        : "";

async function openPage() {
  const html = await (await fetch(base + path)).text();
  const main = /<[^>]*data-phx-main[^>]*>/.exec(html)[0];
  const csrf = /<meta name="csrf-token" content="([^"]*)"/.exec(html)[1];
  const id = attr(main, "id");
  const session = attr(main, "data-phx-session");
  const ws = new WebSocket(
    `${base.replace("http", "ws")}/live/websocket?_csrf_token=${encodeURIComponent(csrf)}&vsn=2.0.0`,
  );
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
  const join = (topic, payload) => {
    const r = String(++ref);
    ws.send(JSON.stringify([r, r, topic, "phx_join", payload]));
    return new Promise((ok) => waiting.set(r, ok));
  };
  const params = { _csrf_token: csrf, _mounts: 0 };
  const reply = await join(`lv:${id}`, { url: base + path, params, session, static: null });
  if (reply.status !== "ok") throw new Error(`join: ${JSON.stringify(reply)}`);
  const rendered = strings(reply.response.rendered);
  const children = [...rendered.matchAll(/<[^>]* data-phx-parent-id="[^"]*"[^>]*>/g)].map((m) => ({
    id: attr(m[0], "id"),
    token: attr(m[0], "data-phx-session"),
  }));
  for (const c of children) {
    const r = await join(`lv:${c.id}`, { params, session: c.token, static: "" });
    if (r.status !== "ok") throw new Error(`child join: ${JSON.stringify(r)}`);
  }
  return { ws, children: children.length };
}

const before = rssKib();
const open = [];
for (let i = 0; i < pages; i++) open.push(await openPage());
await new Promise((r) => setTimeout(r, 500));
const after = rssKib();
const views = open.reduce((n, p) => n + 1 + p.children, 0);
console.log(
  `${path}: ${pages} pages, ${views} views joined; server RSS ${before} -> ${after} KiB, ` +
    `${((after - before) / pages).toFixed(1)} KiB per page`,
);
for (const p of open) p.ws.close();
process.exit(0);
