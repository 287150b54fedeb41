// node .ci/mermaid-check.mjs TOOLS_DIR FILE...
//
// Parses every Mermaid graph in FILEs with Mermaid's own parser
// (`mermaid.parse`, the jison flowchart grammar that renders the graph): a
// `.mmd` file is one graph; any other file is Markdown, and each of its
// ```mermaid (or ~~~mermaid) fenced blocks is one graph (a file with none
// passes). TOOLS_DIR holds the pinned `mermaid` and `jsdom` packages that
// .ci/run installs with `npm install --prefix`. Prints the file, the block's
// number and line and Mermaid's message for each graph that does not parse,
// and exits 1 if any does not (2 on a usage or setup error).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [tools, ...files] = process.argv.slice(2);
if (!tools || files.length === 0) {
  console.error("usage: node mermaid-check.mjs TOOLS_DIR FILE...");
  process.exit(2);
}
const require = createRequire(join(tools, "node_modules", "_"));

// Mermaid sanitises every label with DOMPurify while parsing, and DOMPurify
// needs a DOM: without one it has no `addHook` and parsing throws. jsdom is
// the DOM DOMPurify supports on a server; it has to be global before Mermaid
// (and with it DOMPurify) is loaded.
const { JSDOM } = require("jsdom");
globalThis.window = new JSDOM("").window;
globalThis.document = window.document;
const { default: mermaid } = await import(pathToFileURL(require.resolve("mermaid")).href);

/** The graphs in a file: [{ block, line, text }], block and line 1-based. */
function graphs(path, source) {
  if (path.endsWith(".mmd")) return [{ block: 1, line: 1, text: source }];
  // CommonMark fences: up to three spaces, then 3+ backticks or tildes and an
  // info string; closed by a fence of the same character at least as long.
  // Every fence is followed, so that a ```mermaid inside another block is
  // text, not a graph.
  const found = [];
  const lines = source.split("\n");
  let open = null;
  lines.forEach((text, index) => {
    if (open) {
      const close = text.match(/^ {0,3}(`{3,}|~{3,})\s*$/);
      if (close && close[1][0] === open.fence[0] && close[1].length >= open.fence.length) {
        if (open.mermaid) found.push({ block: found.length + 1, line: open.line, text: open.body.join("\n") });
        open = null;
      } else {
        open.body.push(text);
      }
      return;
    }
    const start = text.match(/^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/);
    if (start) open = { fence: start[1], mermaid: start[2] === "mermaid", line: index + 1, body: [] };
  });
  // An unclosed fence runs to the end of the document in CommonMark; a
  // ```mermaid one is still a graph, and most likely a mistake, so say so.
  if (open?.mermaid) found.push({ block: found.length + 1, line: open.line, text: open.body.join("\n"), unclosed: true });
  return found;
}

let failed = 0;
let parsed = 0;
for (const path of files) {
  const found = graphs(path, readFileSync(path, "utf8"));
  for (const { block, line, text, unclosed } of found) {
    const where = `${path}: mermaid block ${block} (line ${line})`;
    if (unclosed) {
      console.log(`MERMAID ${where}: the fence is never closed`);
      failed += 1;
      continue;
    }
    try {
      await mermaid.parse(text);
      parsed += 1;
    } catch (error) {
      console.log(`MERMAID ${where}: ${error.message ?? error}`);
      failed += 1;
    }
  }
  if (found.length === 0) console.log(`${path}: no mermaid block`);
}
console.log(`mermaid: ${parsed} graph(s) parse, ${failed} do not, in ${files.length} file(s)`);
process.exit(failed ? 1 : 0);
