// Runs every conformance vector in testdata/vectors against static/model.js,
// as board/vectors_test.go runs them against the Go model. The format is
// described in testdata/vectors/README.md. Usage: see model.test.js.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { decodeOps, ModelError, State } from "../model.js";

const dir = new URL("../../testdata/vectors/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

/**
 * A JSON value with the span of its source text, so that a batch can be
 * decoded from exactly the bytes written in the file (as Go's
 * json.RawMessage does) rather than from a re-encoding, which would hide
 * repeated members or spellings of numbers. It trusts its input: vector
 * files are well-formed JSON, which JSON.parse checks first.
 * @typedef {{raw: string, members?: Map<string, Node>, items?: Node[]}} Node
 */

/**
 * Parses well-formed JSON text into Nodes.
 * @param {string} text
 * @returns {Node}
 */
function parseWithSpans(text) {
  JSON.parse(text); // throws on anything malformed
  let i = 0;
  const space = () => {
    while (" \t\n\r".includes(text[i]) && i < text.length) i++;
  };
  /** @returns {Node} */
  const value = () => {
    space();
    const start = i;
    /** @type {Node} */
    const node = { raw: "" };
    if (text[i] === "{" || text[i] === "[") {
      const close = text[i] === "{" ? "}" : "]";
      if (close === "}") node.members = new Map();
      else node.items = [];
      i++;
      space();
      while (text[i] !== close) {
        if (node.members) {
          const name = JSON.parse(value().raw);
          space();
          i++; // ':'
          node.members.set(name, value());
        } else {
          node.items?.push(value());
        }
        space();
        if (text[i] === ",") i++;
        space();
      }
      i++;
    } else if (text[i] === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      i++;
    } else {
      while (i < text.length && !",]} \t\n\r".includes(text[i])) i++;
    }
    node.raw = text.slice(start, i);
    return node;
  };
  return value();
}

/**
 * Builds the batch text of a reject case from whichever of its three forms
 * it uses, failing unless it uses exactly one.
 * @param {Node} c
 */
function rejectInput(c) {
  const m = /** @type {Map<string, Node>} */ (c.members);
  const forms = [m.has("batch"), m.has("raw"), m.has("repeat") || m.has("op")].filter(Boolean).length;
  assert.equal(forms, 1, "case must have exactly one of batch, raw, repeat+op");
  if (m.has("batch")) return m.get("batch").raw;
  if (m.has("raw")) return JSON.parse(m.get("raw").raw);
  const n = JSON.parse(m.get("repeat")?.raw ?? "0");
  assert.ok(n > 0 && m.has("op"), "repeat and op must be given together");
  return `[${Array(n).fill(m.get("op").raw).join(",")}]`;
}

test("there are vector files", () => {
  assert.ok(files.length >= 12, `found ${files.length} vector files, want at least 12`);
});

for (const file of files) {
  test(file, () => {
    const text = readFileSync(new URL(file, dir), "utf8");
    const v = JSON.parse(text);
    const tree = parseWithSpans(text);
    const top = /** @type {Map<string, Node>} */ (tree.members);
    for (const key of Object.keys(v)) {
      assert.ok(["name", "description", "batches", "state", "reject"].includes(key), `unknown member ${key}`);
    }
    assert.ok(v.name && v.description, "vector lacks a name or description");
    const apply = "batches" in v || "state" in v;
    assert.notEqual(apply, "reject" in v, "vector must have either batches and state, or reject");

    if (apply) {
      assert.ok(v.batches.length > 0 && v.state, "apply vector needs batches and state");
      const s = new State();
      const batches = /** @type {Node[]} */ (top.get("batches")?.items);
      batches.forEach((batch, i) => {
        let ops;
        assert.doesNotThrow(() => { ops = decodeOps(batch.raw); }, `batch ${i}`);
        // Re-encoding the parsed batch must decode to the same ops.
        assert.deepEqual(decodeOps(JSON.stringify(v.batches[i])), ops, `batch ${i} re-encoded`);
        s.apply(ops);
      });
      assert.deepEqual(s.toJSON(), v.state, "state after all batches");
      const want = State.fromJSON(top.get("state")?.raw ?? "");
      assert.ok(s.equals(want), "state is not equal to the expected state");
      assert.equal(s.canonicalJSON(), want.canonicalJSON());
      assert.ok(State.fromJSON(s.toJSON()).equals(s), "toJSON -> fromJSON round trip");
    } else {
      assert.ok(v.reject.length > 0, "reject vector has no cases");
      const cases = /** @type {Node[]} */ (top.get("reject")?.items);
      cases.forEach((c, i) => {
        const input = rejectInput(c);
        const code = v.reject[i].code;
        let err;
        try {
          const ops = decodeOps(input);
          assert.fail(`case ${i}: decodeOps(${input.slice(0, 80)}) accepted ${ops.length} ops, want ${code}`);
        } catch (e) {
          err = e;
        }
        assert.ok(err instanceof ModelError, `case ${i}: ${err}`);
        assert.equal(err.code, code, `case ${i}: decodeOps(${input.slice(0, 80)}): ${err.message}`);
      });
    }
  });
}
