// Uploads through the real protocol against the example server's /upload
// (an auto-upload of any file, 64 000-byte chunks, written by the server's
// default writer to a temporary file):
//
// 1. Throughput: one page uploads a MB-megabyte file as the official client
//    does (the form's change event with the file in "uploads", the
//    allow_upload preflight, the join of lvu:<ref> with the entry's token,
//    binary chunks of 64 000 bytes, each awaited, a "progress" push when
//    the whole percentage grows) and prints MB/s, wall time, and the
//    server's CPU seconds per MB (utime + stime of SERVER_PID, from
//    /proc/<pid>/stat).
// 2. Memory: N pages each start an upload of a MB-megabyte file, send 3
//    chunks and pause (the uploads stay in flight); prints the server's RSS
//    growth per in-flight upload (RSS with the N pages joined, before and
//    after their uploads start).
//
//   node --experimental-websocket scripts/upload-bench.mjs URL SERVER_PID [MB] [N]
//   e.g. ... http://127.0.0.1:4001 12345 50 50
//
// Node 20 needs --experimental-websocket (Node 22 has WebSocket built in).

import { execSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { openPage as open, rssKib as rss, strings } from "./live-page.mjs";

const [base, pid, mbArg, nArg] = process.argv.slice(2);
if (!base || !pid) {
  console.error("usage: upload-bench.mjs URL SERVER_PID [MB] [N]");
  process.exit(2);
}
const MB = Number(mbArg ?? 50);
const N = Number(nArg ?? 50);
const CHUNK = 64_000;
const PATH = "/upload";
const SIZE = MB * 1_000_000;
const TICK = Number(execSync("getconf CLK_TCK").toString().trim());

const rssKib = () => rss(pid);

/// The server's CPU time so far (user + system), in seconds.
const cpuSeconds = () => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): state is field 3,
  // utime field 14, stime field 15.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICK;
};

/// A page of /upload with its view joined; `push` sends and awaits the reply.
async function openPage() {
  const page = await open(base, PATH);
  const joined = await page.push("1", page.topic, "phx_join", {
    url: base + PATH,
    params: page.params,
    session: page.session,
    static: null,
  });
  if (joined.status !== "ok") throw new Error(`join: ${JSON.stringify(joined)}`);
  // The input's attributes are dynamics of their own in the rendered tree.
  page.uploadRef = / data-phx-upload-ref="([^"]*)"/.exec(strings(joined.response.rendered))[1];
  return page;
}

/// Selects one file of `size` bytes (entry ref "0") and joins its upload
/// channel with the preflight's token; returns the channel's topic.
async function startUpload(page, size) {
  const entry = {
    path: "files",
    ref: "0",
    name: "bench.bin",
    relative_path: "",
    size,
    type: "application/octet-stream",
    last_modified: Date.now(),
  };
  const change = await page.push("1", page.topic, "event", {
    type: "form",
    event: "validate",
    value: "_target=files",
    uploads: { [page.uploadRef]: [entry] },
  });
  if (change.status !== "ok") throw new Error(`change: ${JSON.stringify(change)}`);
  const pre = await page.push("1", page.topic, "allow_upload", {
    ref: page.uploadRef,
    entries: [entry],
  });
  const token = pre.response?.entries?.["0"];
  if (pre.status !== "ok" || typeof token !== "string")
    throw new Error(`allow_upload: ${JSON.stringify(pre)}`);
  if (pre.response.config.chunk_size !== CHUNK)
    throw new Error(`chunk size ${pre.response.config.chunk_size}`);
  const lvu = "lvu:0";
  const joined = await page.push("u0", lvu, "phx_join", { token });
  if (joined.status !== "ok") throw new Error(`lvu join: ${JSON.stringify(joined)}`);
  return lvu;
}

const progress = (page, p) =>
  page.push("1", page.topic, "progress", {
    event: null,
    ref: page.uploadRef,
    entry_ref: "0",
    progress: p,
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// 1. Throughput.
const file = Buffer.alloc(SIZE);
randomFillSync(file);
{
  const page = await openPage();
  const lvu = await startUpload(page, SIZE);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  let sent = 0;
  let shown = 0;
  let last;
  while (sent < SIZE) {
    const part = file.subarray(sent, Math.min(sent + CHUNK, SIZE));
    const r = await page.pushBinary("u0", lvu, "chunk", part);
    if (r.status !== "ok") throw new Error(`chunk at ${sent}: ${JSON.stringify(r)}`);
    sent += part.length;
    const p = Math.floor((sent * 100) / SIZE);
    if (p > shown) {
      shown = p;
      // As the client does: not awaited, except the last one.
      last = progress(page, p);
    }
  }
  const done = await last;
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  if (!JSON.stringify(done.response?.diff ?? {}).includes(`"${SIZE}"`))
    throw new Error(`the view did not list the file: ${JSON.stringify(done)}`);
  console.log(
    `upload ${MB} MB in ${CHUNK}-byte chunks: ${wall.toFixed(2)} s, ` +
      `${(MB / wall).toFixed(1)} MB/s, server CPU ${cpu.toFixed(2)} s = ` +
      `${((cpu / MB) * 1000).toFixed(1)} ms per MB`,
  );
  page.ws.close();
}

// 2. Memory per in-flight upload.
await sleep(1000);
const pages = [];
for (let i = 0; i < N; i++) pages.push(await openPage());
await sleep(1000);
const before = rssKib();
await Promise.all(
  pages.map(async (page) => {
    const lvu = await startUpload(page, SIZE);
    for (let i = 0; i < 3; i++) {
      const r = await page.pushBinary("u0", lvu, "chunk", file.subarray(i * CHUNK, (i + 1) * CHUNK));
      if (r.status !== "ok") throw new Error(`chunk: ${JSON.stringify(r)}`);
      await progress(page, Math.floor(((i + 1) * CHUNK * 100) / SIZE));
    }
  }),
);
await sleep(1000);
const after = rssKib();
console.log(
  `${N} uploads in flight (3 chunks each, then paused): server RSS ${before} -> ${after} KiB, ` +
    `${((after - before) / N).toFixed(1)} KiB per upload`,
);
for (const p of pages) p.ws.close();
await sleep(500);
process.exit(0);
