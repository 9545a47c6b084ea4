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

import { attr, openPage as loadPage, rssKib as rss, strings } from "./live-page.mjs";

const [base, path, pagesArg, pid] = process.argv.slice(2);
const pages = Number(pagesArg ?? 100);
const rssKib = () => rss(pid);

/// A page of PATH with its view and every child view joined.
async function openPage() {
  const page = await loadPage(base, path);
  const { params } = page;
  const reply = await page.join(page.topic, { url: base + path, params, session: page.session, static: null });
  if (reply.status !== "ok") throw new Error(`join: ${JSON.stringify(reply)}`);
  const rendered = strings(reply.response.rendered);
  const children = [...rendered.matchAll(/<[^>]* data-phx-parent-id="[^"]*"[^>]*>/g)].map((m) => ({
    id: attr(m[0], "id"),
    token: attr(m[0], "data-phx-session"),
  }));
  for (const c of children) {
    const r = await page.join(`lv:${c.id}`, { params, session: c.token, static: "" });
    if (r.status !== "ok") throw new Error(`child join: ${JSON.stringify(r)}`);
  }
  return { ws: page.ws, children: children.length };
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
