// Builds rendered_oracle.generated.mjs: the shipped phoenix_live_view ESM bundle
// (exact client code) with one export line appended for its internal `Rendered`
// class, which the package entry points do not export (PROTOCOL.md §7.1, approach A).
//
//   node make_oracle.mjs          # (re)build it
//   import { ensureOracle } from "./make_oracle.mjs"   # build if missing or stale
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const BUNDLE = path.join(here, "node_modules/phoenix_live_view/priv/static/phoenix_live_view.esm.js");
export const PACKAGE = path.join(here, "node_modules/phoenix_live_view/package.json");
export const OUT = path.join(here, "rendered_oracle.generated.mjs");
export const EXPECTED_VERSION = "1.2.12";

export function buildOracle() {
  if (!fs.existsSync(BUNDLE)) {
    throw new Error(`${BUNDLE} is missing: run \`npm ci\` in ${here}`);
  }
  const version = JSON.parse(fs.readFileSync(PACKAGE, "utf8")).version;
  if (version !== EXPECTED_VERSION) {
    throw new Error(`phoenix_live_view ${version} is installed, the oracle needs ${EXPECTED_VERSION}: run \`npm ci\``);
  }
  const src = fs.readFileSync(BUNDLE, "utf8");
  if (!/^var Rendered = class \{/m.test(src)) {
    throw new Error("the internal Rendered class was not found in the bundle");
  }
  const out = src.replace(/^\/\/# sourceMappingURL=.*$/m, "") +
    `\nexport { Rendered as __Rendered };\nexport const __LV_VSN = ${JSON.stringify(version)};\n`;
  const tmp = `${OUT}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, out);
  fs.renameSync(tmp, OUT);
  return OUT;
}

/** Builds the oracle module unless an up-to-date one exists; returns its path. */
export function ensureOracle() {
  if (fs.existsSync(OUT) && fs.existsSync(BUNDLE) && fs.statSync(OUT).mtimeMs >= fs.statSync(BUNDLE).mtimeMs) {
    return OUT;
  }
  return buildOracle();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${buildOracle()}`);
}
