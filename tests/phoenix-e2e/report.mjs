// Reads Playwright's JSON report of Phoenix LiveView's suite and checks it
// against the ratchet (passing.txt: the tests expected to pass, one
// "file › title" per line, `#` comments). Prints one line per test and
// `N passed, N failed`; exits 1 when a listed test did not pass, and names
// the tests that pass but are not listed yet.
//
//   node report.mjs passing.txt [--partial] [--retry-list] RESULTS.json...
//
// Several reports (passes over different specs, and retries) are read as
// one: a test passes when one of its runs passed, and a test that also
// failed a run is named as flaky. With --partial (a run of some specs
// only), listed tests missing from the reports are not an error. With
// --retry-list it prints only the listed tests that did not pass, one
// "file<TAB>grep pattern" line each, for the runner's retry pass.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const listFile = args.shift();
const partial = args[0] === "--partial";
if (partial) args.shift();
const retryList = args[0] === "--retry-list";
if (retryList) args.shift();
if (!listFile || args.length === 0) {
  console.error("usage: node report.mjs passing.txt [--partial] [--retry-list] RESULTS.json...");
  process.exit(2);
}
const reports = args.map((file) => JSON.parse(readFileSync(file, "utf8")));
const listed = new Set(
  readFileSync(listFile, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#")),
);

// Every test of the reports by name ("file › titles"): its file, its
// titles, and the status of each of its runs.
const byName = new Map();
const walk = (suite, titles) => {
  for (const spec of suite.specs || []) {
    for (const t of spec.tests || []) {
      const path = [...titles, spec.title];
      const name = `${spec.file} › ${path.join(" › ")}`;
      if (!byName.has(name)) byName.set(name, { name, file: spec.file, path, runs: [] });
      byName.get(name).runs.push(t.status);
    }
  }
  for (const child of suite.suites || []) {
    // A file's own suite carries the file name as its title.
    const title = child.title === child.file ? [] : [child.title];
    walk(child, [...titles, ...title]);
  }
};
for (const report of reports) {
  for (const suite of report.suites || []) walk(suite, []);
}
const tests = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
for (const t of tests) {
  t.ok = t.runs.includes("expected");
  t.flaky = t.ok && t.runs.some((s) => s !== "expected" && s !== "skipped");
  t.status = t.ok ? "expected" : t.runs[t.runs.length - 1];
}

if (retryList) {
  // Playwright's --grep reads the titles joined by spaces.
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const t of tests) {
    if (listed.has(t.name) && !t.ok) console.log(`tests/${t.file}\t${escape(t.path.join(" "))}$`);
  }
  process.exit(0);
}

let passed = 0;
let failed = 0;
const regressions = [];
const newlyPassing = [];
for (const t of tests) {
  const ok = t.ok;
  if (ok) passed++;
  else failed++;
  const mark = ok ? "pass" : t.status === "skipped" ? "skip" : "FAIL";
  const tag = listed.has(t.name)
    ? t.flaky
      ? `  (flaky: passed ${t.runs.filter((s) => s === "expected").length} of ${t.runs.length} runs)`
      : ""
    : ok
      ? "  (not listed yet)"
      : "";
  console.log(`${mark}  ${t.name}${tag}`);
  if (listed.has(t.name) && !ok) regressions.push(t.name);
  if (!listed.has(t.name) && ok) newlyPassing.push(t.name);
}
const known = new Set(tests.map((t) => t.name));
const missing = partial ? [] : [...listed].filter((n) => !known.has(n));

console.log(`\n${passed} passed, ${failed} failed (of ${tests.length}; ${listed.size} listed)`);
const flaky = tests.filter((t) => t.flaky);
if (flaky.length) {
  console.log("\nFailed a run and passed another (a retry or a repeat):");
  for (const t of flaky) console.log(`  ${t.name}`);
}
if (newlyPassing.length) {
  console.log(`\nPassing but not listed yet (add them to ${listFile}):`);
  for (const n of newlyPassing) console.log(`  ${n}`);
}
if (missing.length) {
  console.log("\nListed but not in the report (renamed or not run):");
  for (const n of missing) console.log(`  ${n}`);
}
if (regressions.length) {
  console.log("\nListed tests that did not pass:");
  for (const n of regressions) console.log(`  ${n}`);
}
process.exit(regressions.length || missing.length ? 1 : 0);
