// Browser end-to-end tests: headless Chromium (Debian's /usr/bin/chromium)
// with the official phoenix_live_view 1.2.12 client, against a running
// liveview example server.
//
//   LIVEVIEW_URL=http://127.0.0.1:3000 node --test --test-concurrency=1 browser.test.mjs
//
// Environment:
//   LIVEVIEW_URL     the server (required)
//   CHROMIUM         the browser binary (default /usr/bin/chromium)
//   SCREENSHOT_DIR   if set, PNG screenshots of some pages are written there
//
// tests/tests/e2e.rs builds and starts the server and runs this file.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { connected, launchChromium, noErrors, openIn, sent, until } from "./support.mjs";

const BASE = (process.env.LIVEVIEW_URL || "").replace(/\/$/, "");
const SHOTS = process.env.SCREENSHOT_DIR || "";

if (!BASE) throw new Error("set LIVEVIEW_URL to the example server, e.g. http://127.0.0.1:3000");

let browser;
const contexts = [];

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  if (browser) await browser.close();
});

/** A joined page of `path` in a fresh browser context, or in `context`. */
async function open(path, { context } = {}) {
  const ctx = context || (await browser.newContext());
  if (!context) contexts.push(ctx);
  return openIn(ctx, BASE + path);
}

const text = (page, sel) => page.locator(sel).innerText();

/**
 * Clicks a `phx-click` element and waits for the server's ack. The official
 * client ignores a click on an element whose previous event is still awaiting
 * its reply (`data-phx-ref-src`), as a user double-clicking would see; so a
 * test clicking the same button twice must wait in between.
 */
async function click(page, sel) {
  await page.click(sel);
  await page.waitForFunction((s) => !document.querySelector(s)?.hasAttribute("data-phx-ref-src"), sel, {
    timeout: 10000,
  });
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

test("/ links every route", async () => {
  const p = await open("/");
  const hrefs = await p.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  for (const route of ["/counter", "/dashboard", "/search", "/form", "/chat", "/list", "/nav", "/report"]) {
    assert.ok(hrefs.some((h) => h.startsWith(route)), `a link to ${route} in ${JSON.stringify(hrefs)}`);
  }
  noErrors(p);
});

test("page and assets: csrf meta, root container, JS content type and caching", async () => {
  const p = await open("/counter");
  const csrf = await p.locator("meta[name='csrf-token']").getAttribute("content");
  assert.ok(csrf && csrf.length > 10, "csrf meta tag");
  const main = p.locator("[data-phx-main]");
  assert.match(await main.getAttribute("id"), /^phx-/);
  assert.ok((await main.getAttribute("data-phx-session")).length > 10);
  const app = await p.request.get(BASE + "/assets/app.js");
  assert.equal(app.status(), 200);
  assert.match(app.headers()["content-type"], /^text\/javascript/);
  const lv = await p.request.get(BASE + "/assets/phoenix_live_view-1.2.12.esm.js");
  assert.equal(lv.status(), 200);
  assert.match(lv.headers()["content-type"], /^text\/javascript/);
  assert.match(lv.headers()["cache-control"], /immutable/);
  assert.equal(await p.evaluate(() => typeof window.liveSocket?.isConnected), "function");
  assert.equal(await p.evaluate(() => window.liveSocket.isConnected()), true);
  const missing = await p.request.get(BASE + "/no-such-page");
  assert.equal(missing.status(), 404);
  noErrors(p);
});

test("/counter: clicks update the count", async () => {
  const p = await open("/counter");
  assert.equal(await text(p, "#count"), "0");
  for (const b of ["#inc", "#inc", "#inc", "#dec"]) await click(p, b);
  await until(async () => (await text(p, "#count")) === "2", "#count should be 2").catch((e) => {
    throw new Error(`${e.message}\nsent:\n${p.framesSent.join("\n")}\nreceived:\n${p.framesReceived.join("\n")}`);
  });
  for (let i = 0; i < 10; i++) await click(p, "#dec");
  await until(async () => (await text(p, "#count")) === "-8", "#count should be -8");
  await shot(p, "counter");
  noErrors(p);
});

test("/form: validate shows and hides the error; save escapes HTML", async () => {
  const p = await open("/form");
  assert.equal(await p.locator("#name-error").count(), 0);
  await p.fill("#user-name", "ab");
  await p.waitForSelector("#name-error", { timeout: 10000 });
  assert.equal(await text(p, "#name-error"), "must be at least 3 characters");
  await p.fill("#user-name", "abc");
  await p.waitForSelector("#name-error", { state: "detached", timeout: 10000 });

  await p.fill("#user-name", "<b>x</b>");
  await p.click("#save");
  await p.waitForSelector("#saved", { timeout: 10000 });
  assert.equal(await text(p, "#saved"), "Saved <b>x</b>");
  assert.equal(await p.locator("#saved b").count(), 0, "the name is text, not markup");
  assert.equal(await p.locator("#name-error").count(), 0);
  await shot(p, "form");

  await p.fill("#user-name", "ab");
  await p.click("#save");
  await p.waitForSelector("#saved", { state: "detached", timeout: 10000 });
  assert.equal(await p.locator("#name-error").count(), 1);
  noErrors(p);
});

test("/search: shows loading, then the results", async () => {
  const p = await open("/search");
  await p.evaluate(() => {
    window.__statuses = [];
    const record = () => {
      const s = document.getElementById("status");
      const t = s ? s.textContent.trim() : null;
      if (window.__statuses[window.__statuses.length - 1] !== t) window.__statuses.push(t);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    record();
  });
  await p.fill("input[name=query]", "pe");
  await p.press("input[name=query]", "Enter");
  await until(async () => (await text(p, "#status")) === "2 results", "#status should be 2 results");
  const statuses = await p.evaluate(() => window.__statuses);
  const loading = statuses.indexOf("loading");
  assert.ok(loading >= 0, `saw loading: ${JSON.stringify(statuses)}`);
  assert.ok(statuses.indexOf("2 results") > loading, `loading before results: ${JSON.stringify(statuses)}`);
  const items = await p.locator("#results li").allInnerTexts();
  assert.deepEqual(items, ["peach", "pear"]);

  await p.fill("input[name=query]", "zz");
  await p.press("input[name=query]", "Enter");
  await until(async () => (await text(p, "#status")) === "0 results", "#status should be 0 results");
  assert.equal(await p.locator("#results li").count(), 0);
  noErrors(p);
});

test("/dashboard: ticks increase", async () => {
  const p = await open("/dashboard?ms=100");
  const first = parseInt(await text(p, "#ticks"), 10);
  await until(async () => parseInt(await text(p, "#ticks"), 10) >= first + 5, "#ticks should advance by 5");
  const a = parseInt(await text(p, "#ticks"), 10);
  await p.waitForTimeout(500);
  const b = parseInt(await text(p, "#ticks"), 10);
  assert.ok(b > a, `ticks increase: ${a} then ${b}`);
  noErrors(p);
});

test("/chat: messages reach both browser contexts, oldest first", async () => {
  const a = await open("/chat");
  const b = await open("/chat");
  const tag = `t${Date.now()}`;
  await a.fill("input[name=body]", `hello from a ${tag}`);
  await a.press("input[name=body]", "Enter");
  for (const p of [a, b]) {
    await until(
      async () => (await p.locator("#messages li").allInnerTexts()).includes(`hello from a ${tag}`),
      "a's message arrives",
    );
  }
  await b.fill("input[name=body]", `<i>b</i> ${tag}`);
  await b.press("input[name=body]", "Enter");
  for (const p of [a, b]) {
    await until(async () => {
      const mine = (await p.locator("#messages li").allInnerTexts()).filter((m) => m.endsWith(tag));
      return JSON.stringify(mine) === JSON.stringify([`hello from a ${tag}`, `<i>b</i> ${tag}`]);
    }, "both messages in order, escaped");
    assert.equal(await p.locator("#messages i").count(), 0);
    noErrors(p);
  }
});

test("/report: async work builds in the background while the page stays responsive", async () => {
  // Each build takes 3 s: long enough for the checks made meanwhile on a busy machine.
  const p = await open("/report?ms=3000");
  assert.equal(await text(p, "#report"), "building…");
  await click(p, "#inc");
  assert.equal(await text(p, "#clicks"), "1");
  assert.equal(await text(p, "#report"), "building…", "the click was answered before the report was built");
  await until(async () => (await text(p, "#report")) === "1000 rows, total 500500", "the report arrives");
  assert.equal(await text(p, "#state"), "ready");
  await click(p, "#rebuild");
  assert.equal(await text(p, "#report"), "1000 rows, total 500500", "the last report stays while rebuilding");
  await until(async () => (await text(p, "#report")) === "2000 rows, total 2001000", "the rebuilt report arrives");
  assert.equal(await text(p, "#builds"), "2");
  noErrors(p);
});

test("/list?n=1000: bumping one row changes that row only", async () => {
  const p = await open("/list?n=1000");
  assert.equal(await p.locator("#rows tr").count(), 1000);
  assert.equal(await text(p, "#row-999 td.v"), "0");
  const before = p.framesReceived.length;
  await click(p, "#row-500 button");
  await click(p, "#row-500 button");
  await until(async () => (await text(p, "#row-500 td.v")) === "2", "row 500 should be 2");
  for (const i of [0, 499, 501, 999]) assert.equal(await text(p, `#row-${i} td.v`), "0", `row ${i}`);
  assert.equal(await p.locator("#rows tr").count(), 1000);
  const replies = p.framesReceived.slice(before);
  const biggest = Math.max(...replies.map((f) => f.length));
  assert.ok(biggest < 2000, `a bump's reply is small (biggest frame ${biggest} bytes)`);
  noErrors(p);
});

test("/nav: live patches, back and forward, one mount", async () => {
  const p = await open("/nav");
  await p.evaluate(() => (window.__sameDocument = true));
  assert.equal(await text(p, "#page"), "1");
  await p.click("#next");
  await until(async () => (await text(p, "#page")) === "2", "page 2");
  assert.match(p.url(), /\/nav\?page=2$/);
  await p.click("#next");
  await until(async () => (await text(p, "#page")) === "3", "page 3");
  assert.match(p.url(), /\/nav\?page=3$/);
  await p.goBack();
  await until(async () => (await text(p, "#page")) === "2", "back to page 2");
  await p.goBack();
  await until(async () => (await text(p, "#page")) === "1", "back to page 1");
  await p.goForward();
  await until(async () => (await text(p, "#page")) === "2", "forward to page 2");
  assert.equal(await text(p, "#mounts"), "1");
  assert.equal(await p.evaluate(() => window.__sameDocument), true, "no page reload");
  assert.equal(sent(p, "phx_join").length, 1, "one join: patches do not remount");
  assert.ok(sent(p, "live_patch").length >= 5, "each navigation is a live_patch");
  noErrors(p);
});

test("reconnect: after the socket drops, the view rejoins and works", async () => {
  const p = await open("/counter");
  await click(p, "#inc");
  await until(async () => (await text(p, "#count")) === "1", "count 1");

  // 1. the client disconnects and connects again
  await p.evaluate(() => window.liveSocket.disconnect());
  await p.waitForSelector("[data-phx-main]:not(.phx-connected)", { timeout: 10000 });
  await p.evaluate(() => window.liveSocket.connect());
  await connected(p);
  await until(async () => sent(p, "phx_join").length === 2, "a second join");
  // a rejoin mounts the view afresh, and its render replaces the page's content
  await until(async () => (await text(p, "#count")) === "0", "#count re-rendered by the new mount");
  await click(p, "#inc");
  await until(async () => (await text(p, "#count")) === "1", "clicks work after the rejoin");

  // 2. the connection drops under the client (as if the network went away)
  await click(p, "#inc");
  await until(async () => (await text(p, "#count")) === "2", "count 2");
  await p.evaluate(() => window.liveSocket.getSocket().conn.close(4000, "test drop"));
  await until(async () => sent(p, "phx_join").length === 3, "the client rejoins by itself", 10000);
  await connected(p);
  await until(async () => (await text(p, "#count")) === "0", "#count re-rendered after the drop");
  await click(p, "#inc");
  await until(async () => (await text(p, "#count")) === "1", "clicks work after the drop");
  noErrors(p);
});

test("every route loads without client errors", async () => {
  for (const path of ["/", "/counter", "/dashboard", "/search", "/form", "/chat", "/list", "/nav?page=4", "/report"]) {
    const p = await open(path);
    await p.waitForTimeout(200);
    noErrors(p);
    await p.close();
  }
});
