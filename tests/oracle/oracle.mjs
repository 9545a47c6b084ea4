// Real-client oracle: runs the official phoenix_live_view 1.2.12 `Rendered`
// merge and render over test cases.
//
//   node oracle.mjs < cases.json
//
// stdin: a JSON array of cases; a case is [joinRendered, diff1, diff2, …];
// a message {"__prune": [cids]} stands for the reply to `cids_destroyed`
// (the client's pruneCIDs).
// stdout: a JSON array with one result per case, in order:
//   {"html": <final HTML>, "steps": [{"title", "events", "reply", "html"}, …]}   or
//   {"error": <what the client threw>, "step": <index of the failing message>}
//
// Each case is played as the client does (View.onJoin / View.update minus the
// DOM): the join through Rendered.extract + new Rendered + toString, every diff
// through extract + mergeDiff + toString. "html" is then a fresh toString of
// the merged tree with the client's render bookkeeping and data-phx-*
// attributes removed, i.e. the inner HTML of the LiveView container; each
// step's "html" is the same, taken right after that message was applied.
import { pathToFileURL } from "node:url";
import { ensureOracle } from "./make_oracle.mjs";

globalThis.window ??= globalThis; // utils.deepClone looks for window.structuredClone
window.dispatchEvent ??= () => true; // diagnostics.logError

const { __Rendered: Rendered } = await import(pathToFileURL(ensureOracle()).href);

const VIEW_ID = "phx-oracle";
const clone = (x) => JSON.parse(JSON.stringify(x)); // the client mutates diffs in place

function stripBookkeeping(o) {
  if (o && typeof o === "object") {
    delete o.magicId;
    delete o.newRender;
    delete o.reset;
    Object.values(o).forEach(stripBookkeeping);
  }
  return o;
}

const MAGIC_ATTRS = / data-phx-(?:id|component|view)="[^"]*"| data-phx-skip(?:="[^"]*")?/g;

function freshHTML(rendered) {
  const tree = stripBookkeeping(clone(rendered.get()));
  return new Rendered(VIEW_ID, tree).toString(null).buffer.replace(MAGIC_ATTRS, "");
}

function extras(x) {
  return { title: x.title ?? null, events: x.events, reply: x.reply };
}

function play(messages) {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new Error("a case must be a non-empty array [joinRendered, diff…]");
  }
  const steps = [];
  let step = 0;
  try {
    const joined = Rendered.extract(clone(messages[0]));
    const rendered = new Rendered(VIEW_ID, joined.diff);
    rendered.toString(null);
    steps.push({ ...extras(joined), html: freshHTML(rendered) });
    for (step = 1; step < messages.length; step++) {
      if (messages[step] && messages[step].__prune) {
        // The reply to cids_destroyed: the client forgets those components.
        rendered.pruneCIDs(messages[step].__prune);
        steps.push({ title: null, events: [], reply: null, html: freshHTML(rendered) });
        continue;
      }
      const x = Rendered.extract(clone(messages[step]));
      rendered.mergeDiff(x.diff);
      if (rendered.isComponentOnlyDiff(x.diff)) {
        rendered.componentCIDs(x.diff).forEach((cid) => rendered.componentToString(cid));
      } else {
        rendered.toString(rendered.componentCIDs(x.diff));
      }
      steps.push({ ...extras(x), html: freshHTML(rendered) });
    }
    step = messages.length;
    return { html: freshHTML(rendered), steps };
  } catch (e) {
    return { error: String((e && e.stack) || e), step };
  }
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const cases = JSON.parse(input);
if (!Array.isArray(cases)) throw new Error("stdin must be a JSON array of cases");
process.stdout.write(JSON.stringify(cases.map(play)));
