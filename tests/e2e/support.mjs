// What the browser test files share: launching Debian's Chromium, opening a
// page that records its console errors and websocket frames, and polling.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** Headless Chromium with a fresh temporary profile. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium) or set CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Opens `url` in `context` (a browser context) with its console errors,
 * failed responses and websocket frames recorded on the page (`errors`,
 * `framesSent`, `framesReceived`, `sockets`), and waits until the main
 * LiveView has joined.
 */
export async function openIn(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.framesSent = [];
  page.framesReceived = [];
  page.sockets = 0;
  page.on("console", (m) => {
    if (m.type() === "error") page.errors.push(`console.error: ${m.text()}`);
  });
  page.on("pageerror", (e) => page.errors.push(`uncaught: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) page.errors.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on("websocket", (ws) => {
    page.sockets += 1;
    ws.on("framesent", (f) => page.framesSent.push(String(f.payload)));
    ws.on("framereceived", (f) => page.framesReceived.push(String(f.payload)));
  });
  const resp = await page.goto(url);
  assert.equal(resp.status(), 200, `GET ${url}`);
  await connected(page);
  return page;
}

/** Waits until the main LiveView has joined (the client marks it phx-connected). */
export async function connected(page) {
  await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 10000 });
}

/** Polls `fn` until it returns true; fails with `what` and the last value. */
export async function until(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last === true) return;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} (last: ${JSON.stringify(last)})`);
}

/** Fails unless the page logged no console error, uncaught exception or HTTP error. */
export function noErrors(page) {
  assert.deepEqual(page.errors, [], "no client console errors");
}

/** Frames the page sent with this event name (V2 arrays: [join_ref, ref, topic, event, payload]). */
export function sent(page, event) {
  return page.framesSent
    .map((f) => {
      try {
        return JSON.parse(f);
      } catch {
        return null;
      }
    })
    .filter((f) => Array.isArray(f) && f[3] === event);
}
