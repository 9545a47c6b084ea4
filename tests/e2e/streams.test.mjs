// The official client as the oracle of streams: plays the cases written by
// tests/tests/stream_oracle.rs (random stream operations on /feed, with the
// rows the harness predicts after each one) in headless Chromium, and
// checks after every step that the page shows exactly those rows, in order.
//
//   LIVEVIEW_URL=http://127.0.0.1:3000 STREAM_CASES=cases.json node --test streams.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { launchChromium, noErrors, openIn, until } from "./support.mjs";

const BASE = (process.env.LIVEVIEW_URL || "").replace(/\/$/, "");
const CASES = process.env.STREAM_CASES || "";
if (!BASE || !CASES) throw new Error("set LIVEVIEW_URL and STREAM_CASES");
const cases = JSON.parse(readFileSync(CASES, "utf8"));

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  if (browser) await browser.close();
});

/** The rows the page shows: [DOM id, value] per child of #rows. */
const shown = (page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll("#rows > *")).map((el) => [el.id, el.querySelector("td.v")?.textContent ?? null]),
  );

cases.forEach((c, n) => {
  test(`case ${n}: ${c.steps.length} stream operations on ${c.path}`, async () => {
    const context = await browser.newContext();
    try {
      const page = await openIn(context, BASE + c.path);
      assert.deepEqual(await shown(page), c.initial, "the joined page");
      for (const [i, step] of c.steps.entries()) {
        // A JS push from the container: the event and its value, as a hook would send them.
        await page.evaluate(
          ({ event, value }) =>
            window.liveSocket.execJS(document.querySelector("#rows"), JSON.stringify([["push", { event, value }]])),
          step,
        );
        await until(async () => (await page.locator("#seq").innerText()) === String(i + 1), `step ${i} acknowledged`);
        assert.deepEqual(
          await shown(page),
          step.rows,
          `after step ${i} (${step.event} ${JSON.stringify(step.value)})`,
        );
      }
      noErrors(page);
    } finally {
      await context.close();
    }
  });
});
