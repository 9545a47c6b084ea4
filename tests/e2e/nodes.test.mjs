// Two example-server nodes on one Redis, with headless Chromium and the
// official phoenix_live_view client: chat between a browser on each node,
// and a node killed under a browser that reaches it through a load balancer.
//
// Environment (tests/tests/nodes.rs starts all of it and runs this file):
//   NODE_B_URL   node B, reached directly
//   PROXY_URL    the TCP proxy in front of node A then node B
//   NODE_A_PID   node A's process, killed by the second test
//   CHROMIUM     the browser binary (default /usr/bin/chromium)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connected, launchChromium, noErrors, openIn, sent, until } from "./support.mjs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name} (tests/tests/nodes.rs sets it)`);
  return v.replace(/\/$/, "");
};
const NODE_B = env("NODE_B_URL");
const PROXY = env("PROXY_URL");
const NODE_A_PID = Number(env("NODE_A_PID"));

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
});

/** A joined /chat page in a browser of its own. */
async function chat(base) {
  return openIn(await browser.newContext(), base + "/chat");
}

async function say(page, body) {
  await page.fill("input[name=body]", body);
  await page.press("input[name=body]", "Enter");
}

async function hears(page, body, what) {
  await until(async () => (await page.locator("#messages li").allInnerTexts()).includes(body), what);
}

test("chat crosses nodes both ways, and survives the death of a node", async () => {
  const tag = `t${Date.now()}`;
  // Browser 1 on node B; browser 2 through the proxy, which sends it to node A.
  const onB = await chat(NODE_B);
  const viaProxy = await chat(PROXY);

  await say(viaProxy, `from A ${tag}`);
  await hears(onB, `from A ${tag}`, "node B's browser gets node A's message");
  await hears(viaProxy, `from A ${tag}`, "node A's browser gets its own message");
  await say(onB, `from B ${tag}`);
  await hears(viaProxy, `from B ${tag}`, "node A's browser gets node B's message");
  await hears(onB, `from B ${tag}`, "node B's browser gets its own message");

  // Node A dies. A full page load would reset this marker; a live rejoin keeps it.
  await viaProxy.evaluate(() => {
    window.__sameDocument = true;
  });
  const joinsBefore = sent(viaProxy, "phx_join").length;
  process.kill(NODE_A_PID, "SIGKILL");

  // Node B keeps serving its own view meanwhile.
  await say(onB, `B alone ${tag}`);
  await hears(onB, `B alone ${tag}`, "node B's browser keeps working");

  // The browser of the dead node reconnects through the proxy, now to node
  // B, and its view rejoins there with the page node A rendered.
  await until(
    async () => viaProxy.sockets >= 2 && sent(viaProxy, "phx_join").length > joinsBefore,
    "the client opens a new socket and joins again",
    20000,
  );
  await connected(viaProxy);
  assert.equal(await viaProxy.evaluate(() => window.liveSocket.isConnected()), true);
  assert.equal(await viaProxy.evaluate(() => window.__sameDocument), true, "rejoined without reloading the page");

  // Both browsers are on node B now, and chat works between them.
  await say(viaProxy, `after failover ${tag}`);
  await hears(onB, `after failover ${tag}`, "the failed-over browser reaches node B's browser");
  await hears(viaProxy, `after failover ${tag}`, "the failed-over browser gets its own message");
  await say(onB, `welcome back ${tag}`);
  await hears(viaProxy, `welcome back ${tag}`, "node B's browser reaches the failed-over browser");
  noErrors(onB);
  noErrors(viaProxy);
});
