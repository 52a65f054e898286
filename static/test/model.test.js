// Tests of static/model.js, the browser's copy of the Go board model.
//
// Run them from the repository root with Node 20 or later, no install step:
//
//   node --test static/test/
//
// model.test.js   exports, the schema against board/*.go, decodeOps and
//                 validateOps (error codes, limits at their boundaries)
// vectors.test.js every conformance vector in testdata/vectors
// keys.test.js    fractional index keys against testdata/keys.json, which a
//                 throwaway Go program printed from board.KeyBetween
// state.test.js   apply rules, clone/equals, JSON round trips, canonical
//                 bytes, determinism, garbage ops, speed on a large board
//
// To type-check the module (TypeScript from npm, installed outside the repo):
//
//   npx -y -p typescript tsc --noEmit --allowJs --checkJs --target es2022 \
//     --module es2022 --moduleResolution bundler --lib es2022,dom static/model.js

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as model from "../model.js";
import {
  decodeOps, validateOps, ModelError, FieldsOf, Kinds,
  MaxOpsPerBatch, MaxTextBytes, MaxLabelBytes, MaxPoints, MaxListLen, MaxKeyBytes, MaxIDBytes,
  CodeBadJSON, CodeBadUTF8, CodeBadOp, CodeUnknownOp, CodeUnknownKind, CodeUnknownField, CodeBadValue,
  CodeTooLong, CodeOutOfRange, CodeTooManyOps, CodeEmptyBatch, CodeBadID,
} from "../model.js";

const goSource = (/** @type {string} */ name) => readFileSync(new URL(`../../board/${name}`, import.meta.url), "utf8");

/**
 * Runs fn and returns the ModelError it throws, failing if it returns or
 * throws anything else.
 * @param {() => unknown} fn
 * @returns {ModelError}
 */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ModelError, `threw ${e}, want a ModelError`);
    return e;
  }
  assert.fail("did not throw");
}

// Helpers that spell batches as Go's op_test.go does.
const batchOf = (/** @type {string[]} */ ...ops) => `[${ops.join(",")}]`;
const note = (/** @type {string} */ fields) => `{"op":"create","id":"n1","kind":"note","fields":${fields}}`;
const upd = (/** @type {string} */ fields) => `{"op":"update","id":"n1","fields":${fields}}`;
const numbers = (/** @type {number} */ n, /** @type {string} */ v) => `[${Array(n).fill(v).join(",")}]`;
const idList = (/** @type {number} */ n) => `[${Array.from({ length: n }, (_, i) => `"c${i}"`).join(",")}]`;
const deletes = (/** @type {number} */ n) => batchOf(...Array.from({ length: n }, (_, i) => `{"op":"delete","id":"d${i}"}`));

/** Every known field name once, with a valid value, without the closing brace (Go's everyField). */
function everyField() {
  const values = {
    x: "-1000000", y: "-1000000", w: "0", h: "0", x2: "-1000000", y2: "-1000000", z: '"V"', order: '"V"',
    color: '""', parent: '"a"', text: '"a"', label: '"a"', title: '"a"', name: '"a"', reason: '"a"',
    prompt: '"a"', template: '"a"', fontSize: "4", width: "0.5", role: '"text"', shape: '"rect"',
    arrow: '"none"', theme: '"drivers"', tier: '"lead"', from: '"a"', to: '"a"', links: '["a"]',
    partners: '["a"]', jointly: "true", points: "[]", owner: '"a"', due: '""',
  };
  return "{" + Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `"${k}":${v}`).join(",");
}

test("limits, codes and kinds have Go's names and values", () => {
  const limits = [...goSource("limits.go").matchAll(/^\s*(Max\w+)\s*=\s*([0-9.e]+)\s*$/gm)];
  assert.equal(limits.length, 10);
  for (const [, name, value] of limits) assert.equal(model[name], Number(value), name);

  const codes = [...goSource("errors.go").matchAll(/^\s*(Code\w+)\s*=\s*"(\w+)"/gm)];
  assert.equal(codes.length, 12);
  for (const [, name, value] of codes) assert.equal(model[name], value, name);

  const schema = goSource("schema.go");
  const kinds = [...schema.matchAll(/^\s*(Kind\w+)\s+Kind\s*=\s*"(\w+)"/gm)];
  assert.equal(kinds.length, 11);
  for (const [, name, value] of kinds) assert.equal(model[name], value, name);
  assert.deepEqual(Kinds(), kinds.map(([, , v]) => v).sort());

  for (const [, name, value] of goSource("op.go").matchAll(/^\s*(Op\w+)\s+OpType\s*=\s*"(\w+)"/gm)) {
    assert.equal(model[name], value, name);
  }
});

test("FieldsOf matches Go's kindFields and commonFields", () => {
  const schema = goSource("schema.go");
  const common = [...schema.match(/commonFields = \[\]string\{([^}]*)\}/)[1].matchAll(/"(\w+)"/g)].map((m) => m[1]);
  assert.deepEqual(common, ["x", "y", "w", "h", "z", "color", "parent"]);
  const byKind = [...schema.matchAll(/^\s*(Kind\w+):\s*\{([^}]*)\},/gm)];
  assert.equal(byKind.length, 11);
  for (const [, constName, list] of byKind) {
    const kind = model[constName];
    const extra = [...list.matchAll(/"(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(FieldsOf(kind), [...new Set([...common, ...extra])].sort(), kind);
  }
  assert.deepEqual(FieldsOf("item"), ["color", "due", "h", "jointly", "links", "order", "owner", "parent", "partners", "text", "w", "x", "y", "z"]);
  assert.deepEqual(FieldsOf("blob"), []);
  assert.deepEqual(FieldsOf("constructor"), []);
  FieldsOf("note").push("tier"); // a copy: changing it changes nothing
  assert.deepEqual(FieldsOf("note"), ["color", "h", "parent", "text", "w", "x", "y", "z"]);
});

test("ModelError carries code, op, field and message", () => {
  const e = new ModelError(CodeBadValue, "field \"x\" must be a number", "x", 2);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "ModelError");
  assert.deepEqual([e.code, e.op, e.field, e.message], [CodeBadValue, 2, "x", 'field "x" must be a number']);
  const d = new ModelError(CodeEmptyBatch, "batch holds no ops");
  assert.deepEqual([d.op, d.field], [-1, ""]);
});

// Go's TestDecodeOpsRejects, case for case, plus cases for the differences
// between JSON.parse and Go's decoder.
const id65 = "a".repeat(MaxIDBytes + 1);
const rejects = [
  // Batch level.
  ["empty input", ``, CodeBadJSON, -1, ""],
  ["truncated", `[{"op":"delete","id":"a"}`, CodeBadJSON, -1, ""],
  ["trailing garbage", `[{"op":"delete","id":"a"}] x`, CodeBadJSON, -1, ""],
  ["two values", `[{"op":"delete","id":"a"}][]`, CodeBadJSON, -1, ""],
  ["object not array", `{"op":"delete","id":"a"}`, CodeBadJSON, -1, ""],
  ["null", `null`, CodeBadJSON, -1, ""],
  ["empty", `[]`, CodeEmptyBatch, -1, ""],
  ["one over max ops", deletes(MaxOpsPerBatch + 1), CodeTooManyOps, -1, ""],
  ["trailing comma", `[{"op":"delete","id":"a"},]`, CodeBadJSON, -1, ""],
  ["single quotes", `[{'op':'delete','id':'a'}]`, CodeBadJSON, -1, ""],
  ["leading zero", `[{"op":"update","id":"a","fields":{"x":01}}]`, CodeBadJSON, -1, ""],
  ["bare dot", `[{"op":"update","id":"a","fields":{"x":1.}}]`, CodeBadJSON, -1, ""],
  ["plus sign", `[{"op":"update","id":"a","fields":{"x":+1}}]`, CodeBadJSON, -1, ""],
  ["NaN literal", `[{"op":"update","id":"a","fields":{"x":NaN}}]`, CodeBadJSON, -1, ""],
  ["raw tab in string", `[{"op":"update","id":"a","fields":{"text":"a\tb"}}]`, CodeBadJSON, -1, ""],
  ["bad escape", `[{"op":"update","id":"a","fields":{"text":"\\x41"}}]`, CodeBadJSON, -1, ""],
  ["short unicode escape", `[{"op":"update","id":"a","fields":{"text":"\\u12"}}]`, CodeBadJSON, -1, ""],
  ["BOM", "\ufeff[]", CodeBadJSON, -1, ""],
  ["non-JSON whitespace", "\u00a0[]", CodeBadJSON, -1, ""],
  ["too deep", "[".repeat(10001) + "]".repeat(10001), CodeBadJSON, -1, ""],
  ["raw lone surrogate", `[{"op":"update","id":"a","fields":{"text":"\ud800"}}]`, CodeBadUTF8, -1, ""],

  // Op structure.
  ["op is a number", `[1]`, CodeBadOp, 0, ""],
  ["op is an array", `[{"op":"delete","id":"a"},[]]`, CodeBadOp, 1, ""],
  ["op is null", `[null]`, CodeBadOp, 0, ""],
  ["op is deeply nested", "[".repeat(10000) + "]".repeat(10000), CodeBadOp, 0, ""],
  ["unknown member", `[{"op":"delete","id":"a","x":1}]`, CodeBadOp, 0, ""],
  ["member case matters", `[{"Op":"delete","id":"a"}]`, CodeBadOp, 0, ""],
  ["repeated member", `[{"op":"delete","id":"a","id":"b"}]`, CodeBadOp, 0, ""],
  ["repeated member spelled differently", `[{"op":"delete","id":"a","\\u0069d":"a"}]`, CodeBadOp, 0, ""],
  ["missing op", `[{"id":"a"}]`, CodeBadOp, 0, ""],
  ["op not a string", `[{"op":1,"id":"a"}]`, CodeBadOp, 0, ""],
  ["missing id", `[{"op":"delete"}]`, CodeBadOp, 0, ""],
  ["id not a string", `[{"op":"delete","id":7}]`, CodeBadOp, 0, ""],
  ["create without kind", `[{"op":"create","id":"a"}]`, CodeBadOp, 0, ""],
  ["create with empty kind", `[{"op":"create","id":"a","kind":""}]`, CodeBadOp, 0, ""],
  ["kind not a string", `[{"op":"create","id":"a","kind":3}]`, CodeBadOp, 0, ""],
  ["kind null", `[{"op":"create","id":"a","kind":null}]`, CodeBadOp, 0, ""],
  ["kind on update", `[{"op":"update","id":"a","kind":"note","fields":{"x":1}}]`, CodeBadOp, 0, ""],
  ["kind on delete", `[{"op":"delete","id":"a","kind":"note"}]`, CodeBadOp, 0, ""],
  ["fields on delete", `[{"op":"delete","id":"a","fields":{}}]`, CodeBadOp, 0, ""],
  ["null fields on delete", `[{"op":"delete","id":"a","fields":null}]`, CodeBadOp, 0, ""],
  ["update without fields", `[{"op":"update","id":"a"}]`, CodeBadOp, 0, ""],
  ["update with empty fields", `[{"op":"update","id":"a","fields":{}}]`, CodeBadOp, 0, ""],
  ["fields not an object", batchOf(upd(`[1]`)), CodeBadOp, 0, ""],
  ["fields null on create", batchOf(note(`null`)), CodeBadOp, 0, ""],
  ["repeated field", batchOf(upd(`{"x":1,"x":2}`)), CodeBadOp, 0, "x"],
  ["repeated field after many", batchOf(upd(`{"x":1,"y":1,"w":1,"h":1,"z":"V","color":"","parent":"","text":"","label":"","x":2}`)), CodeBadOp, 0, "x"],
  ["repeated field after every field", batchOf(upd(everyField() + `,"x":2}`)), CodeBadOp, 0, "x"],
  ["repeated field before a bad one", batchOf(upd(`{"bogus":1,"x":1,"x":2}`)), CodeBadOp, 0, "x"],
  ["many unknown fields", batchOf(upd(Array.from({ length: 100000 }, (_, i) => `"m${i}":1`).join(",").replace(/^/, "{") + "}")), CodeUnknownField, 0, "m0"],
  // Go compares member names after decoding, where every lone surrogate
  // escape is U+FFFD, and treats a repeated "" as no repeat at all.
  ["surrogate names repeat each other", batchOf(upd(`{"\\ud800":1,"\\udc00":2}`)), CodeBadOp, 0, "\ufffd"],
  ["repeated empty name is not a repeat", batchOf(upd(`{"":1,"":2}`)), CodeUnknownField, 0, ""],
  // The first name to repeat is reported (as printed by Go).
  ["first repeat reported", batchOf(upd(`{"x":1,"y":1,"x":2,"y":2}`)), CodeBadOp, 0, "x"],
  ["first repeat, not first name", batchOf(upd(`{"y":1,"x":1,"x":2,"y":2}`)), CodeBadOp, 0, "x"],
  ["repeat after a repeated empty name", batchOf(upd(`{"":1,"y":1,"":2,"y":2}`)), CodeBadOp, 0, "y"],

  // Op type, kind, id.
  ["unknown op", `[{"op":"move","id":"a"}]`, CodeUnknownOp, 0, ""],
  ["empty op", `[{"op":"","id":"a"}]`, CodeUnknownOp, 0, ""],
  ["op case matters", `[{"op":"Delete","id":"a"}]`, CodeUnknownOp, 0, ""],
  ["unknown kind", `[{"op":"create","id":"a","kind":"sticky"}]`, CodeUnknownKind, 0, ""],
  ["kind from the prototype", `[{"op":"create","id":"a","kind":"constructor"}]`, CodeUnknownKind, 0, ""],
  ["empty id", `[{"op":"delete","id":""}]`, CodeBadID, 0, ""],
  ["id one over max", `[{"op":"delete","id":"${id65}"}]`, CodeBadID, 0, ""],
  ["id with space", `[{"op":"delete","id":"a b"}]`, CodeBadID, 0, ""],
  ["id with dot", `[{"op":"delete","id":"a.b"}]`, CodeBadID, 0, ""],
  ["id with surrogate escape", `[{"op":"delete","id":"\\ud800"}]`, CodeBadID, 0, ""],
  ["parent bad id", batchOf(note(`{"parent":"a/b"}`)), CodeBadID, 0, "parent"],
  ["from id too long", batchOf(upd(`{"from":"${id65}"}`)), CodeBadID, 0, "from"],
  ["empty id in list", batchOf(upd(`{"links":["a",""]}`)), CodeBadID, 0, "links"],

  // Fields.
  ["unknown field on update", batchOf(upd(`{"bogus":1}`)), CodeUnknownField, 0, "bogus"],
  ["field not allowed for kind", batchOf(note(`{"points":[]}`)), CodeUnknownField, 0, "points"],
  ["field case matters", batchOf(upd(`{"X":1}`)), CodeUnknownField, 0, "X"],
  ["field from the prototype", batchOf(upd(`{"__proto__":{}}`)), CodeUnknownField, 0, "__proto__"],
  ["field toString", batchOf(upd(`{"toString":1}`)), CodeUnknownField, 0, "toString"],

  // Values.
  ["number as string", batchOf(upd(`{"x":"1"}`)), CodeBadValue, 0, "x"],
  ["number as bool", batchOf(upd(`{"w":true}`)), CodeBadValue, 0, "w"],
  ["number as list", batchOf(upd(`{"w":[1]}`)), CodeBadValue, 0, "w"],
  ["string as number", batchOf(upd(`{"text":1}`)), CodeBadValue, 0, "text"],
  ["string as object", batchOf(upd(`{"text":{}}`)), CodeBadValue, 0, "text"],
  ["enum outside set", batchOf(upd(`{"role":"grid"}`)), CodeBadValue, 0, "role"],
  ["enum case matters", batchOf(upd(`{"tier":"Lead"}`)), CodeBadValue, 0, "tier"],
  ["bool as string", batchOf(upd(`{"jointly":"yes"}`)), CodeBadValue, 0, "jointly"],
  ["bool as number", batchOf(upd(`{"jointly":1}`)), CodeBadValue, 0, "jointly"],
  ["color name", batchOf(upd(`{"color":"red"}`)), CodeBadValue, 0, "color"],
  ["color bad digit", batchOf(upd(`{"color":"#12345g"}`)), CodeBadValue, 0, "color"],
  ["color short", batchOf(upd(`{"color":"#fff"}`)), CodeBadValue, 0, "color"],
  ["key ends in zero", batchOf(upd(`{"z":"a0"}`)), CodeBadValue, 0, "z"],
  ["key empty", batchOf(upd(`{"order":""}`)), CodeBadValue, 0, "order"],
  ["key bad digit", batchOf(upd(`{"order":"a-b"}`)), CodeBadValue, 0, "order"],
  ["id as number", batchOf(upd(`{"parent":5}`)), CodeBadValue, 0, "parent"],
  ["ids not a list", batchOf(upd(`{"partners":"p1"}`)), CodeBadValue, 0, "partners"],
  ["ids entry a number", batchOf(upd(`{"partners":["p1",2]}`)), CodeBadValue, 0, "partners"],
  ["ids entry a number before too many", batchOf(upd(`{"links":[1,${idList(MaxListLen + 1).slice(1)}}`)), CodeBadValue, 0, "links"],
  ["ids duplicate", batchOf(upd(`{"partners":["p1","p2","p1"]}`)), CodeBadValue, 0, "partners"],
  ["points odd", batchOf(upd(`{"points":[1,2,3]}`)), CodeBadValue, 0, "points"],
  ["points odd before out of range", batchOf(upd(`{"points":[1,2e9,3]}`)), CodeBadValue, 0, "points"],
  ["points entry a string", batchOf(upd(`{"points":[1,"2"]}`)), CodeBadValue, 0, "points"],
  ["points entry null", batchOf(upd(`{"points":[1,null]}`)), CodeBadValue, 0, "points"],
  ["points nested", batchOf(upd(`{"points":[[1,2]]}`)), CodeBadValue, 0, "points"],
  ["null in create", batchOf(note(`{"text":null}`)), CodeBadValue, 0, "text"],
  ["NUL in text", batchOf(upd(`{"text":"a\\u0000b"}`)), CodeBadValue, 0, "text"],

  // Lengths, one over each limit.
  ["text one over", batchOf(upd(`{"text":"${"a".repeat(MaxTextBytes + 1)}"}`)), CodeTooLong, 0, "text"],
  ["text one over in bytes", batchOf(upd(`{"text":"${"é".repeat(MaxTextBytes / 2)}a"}`)), CodeTooLong, 0, "text"],
  ["reason one over", batchOf(upd(`{"reason":"${"a".repeat(MaxTextBytes + 1)}"}`)), CodeTooLong, 0, "reason"],
  ["label one over", batchOf(upd(`{"label":"${"a".repeat(MaxLabelBytes + 1)}"}`)), CodeTooLong, 0, "label"],
  ["name one over", batchOf(upd(`{"name":"${"a".repeat(MaxLabelBytes + 1)}"}`)), CodeTooLong, 0, "name"],
  ["links one over", batchOf(upd(`{"links":${idList(MaxListLen + 1)}}`)), CodeTooLong, 0, "links"],
  ["points one over", batchOf(upd(`{"points":${numbers(2 * MaxPoints + 2, "1")}}`)), CodeTooLong, 0, "points"],
  ["key one over", batchOf(upd(`{"z":"${"z".repeat(MaxKeyBytes + 1)}"}`)), CodeTooLong, 0, "z"],
  ["key over in bytes only", batchOf(upd(`{"z":"${"é".repeat(65)}"}`)), CodeTooLong, 0, "z"],

  // Ranges, just outside each.
  ["x over", batchOf(upd(`{"x":1000000.5}`)), CodeOutOfRange, 0, "x"],
  ["y under", batchOf(upd(`{"y":-1000001}`)), CodeOutOfRange, 0, "y"],
  ["x2 over", batchOf(upd(`{"x2":1e7}`)), CodeOutOfRange, 0, "x2"],
  ["w negative", batchOf(upd(`{"w":-1}`)), CodeOutOfRange, 0, "w"],
  ["h over", batchOf(upd(`{"h":100001}`)), CodeOutOfRange, 0, "h"],
  ["fontSize under", batchOf(upd(`{"fontSize":3.99}`)), CodeOutOfRange, 0, "fontSize"],
  ["fontSize over", batchOf(upd(`{"fontSize":401}`)), CodeOutOfRange, 0, "fontSize"],
  ["width under", batchOf(upd(`{"width":0.49}`)), CodeOutOfRange, 0, "width"],
  ["width over", batchOf(upd(`{"width":100.5}`)), CodeOutOfRange, 0, "width"],
  ["point over", batchOf(upd(`{"points":[0,1000001]}`)), CodeOutOfRange, 0, "points"],
  ["huge number", batchOf(upd(`{"x":1e400}`)), CodeOutOfRange, 0, "x"],
  ["huge negative point", batchOf(upd(`{"points":[0,-1e400]}`)), CodeOutOfRange, 0, "points"],

  // UTF-8 that survives JSON syntax but not conversion.
  ["lone high surrogate", batchOf(upd(`{"text":"a\\ud800b"}`)), CodeBadUTF8, 0, "text"],
  ["lone low surrogate", batchOf(upd(`{"label":"\\udc00"}`)), CodeBadUTF8, 0, "label"],
  ["reversed surrogates", batchOf(upd(`{"text":"\\udc00\\ud800"}`)), CodeBadUTF8, 0, "text"],
  ["high surrogate at end", batchOf(upd(`{"text":"\\ud83d"}`)), CodeBadUTF8, 0, "text"],
  ["surrogate in an enum", batchOf(upd(`{"role":"\\ud800"}`)), CodeBadUTF8, 0, "role"],
  ["surrogate in a wrongly typed value", batchOf(upd(`{"x":"\\ud800"}`)), CodeBadUTF8, 0, "x"],
  ["surrogate in a list", batchOf(upd(`{"links":["a","\\uDBFF"]}`)), CodeBadUTF8, 0, "links"],
  ["surrogate in a nested name", batchOf(upd(`{"text":{"\\ud800":1}}`)), CodeBadUTF8, 0, "text"],
  ["surrogate before null", batchOf(upd(`{"text":null,"label":"\\ud800"}`)), CodeBadUTF8, 0, "label"],

  // The first bad op is reported, and within an op the first bad field.
  ["second op bad", batchOf(`{"op":"delete","id":"a"}`, `{"op":"delete","id":"b c"}`, `{"op":"move","id":"x"}`), CodeBadID, 1, ""],
  ["fields in document order", batchOf(upd(`{"y":"bad","x":"bad"}`)), CodeBadValue, 0, "y"],
  ["members before fields", `[{"fields":{"x":"bad"},"op":"update","id":"a b"}]`, CodeBadID, 0, ""],
  ["unknown member before missing op", `[{"extra":1}]`, CodeBadOp, 0, ""],
];

test("decodeOps rejects what Go's DecodeOps rejects, with the same code, op and field", () => {
  for (const [name, raw, code, op, field] of rejects) {
    const e = thrown(() => decodeOps(raw));
    assert.deepEqual({ code: e.code, op: e.op, field: e.field }, { code, op, field }, name);
    if (e.op >= 0) assert.ok(e.message.startsWith(`op ${e.op}: `), `${name}: message ${e.message}`);
  }
});

test("decodeOps rejects invalid UTF-8 bytes as Go does", () => {
  const bytes = (/** @type {string} */ s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const cases = [
    [bytes('[{"op":"update","id":"n1","fields":{"text":"a\xffb"}}]'), CodeBadUTF8],
    [bytes('[{"op":"delete","id":"\xc3"}]'), CodeBadUTF8],
    [bytes("[\xed\xa0\x80]"), CodeBadUTF8], // an encoded surrogate is not UTF-8 either
    [bytes("[\xc0\xaf]"), CodeBadUTF8], // nor is an overlong encoding
    [bytes("\xef\xbb\xbf[]"), CodeBadJSON], // a BOM is valid UTF-8 but not JSON
  ];
  for (const [raw, code] of cases) {
    const e = thrown(() => decodeOps(raw));
    assert.equal(e.code, code);
    assert.equal(e.op, -1);
  }
  const ok = new TextEncoder().encode(`[{"op":"update","id":"n1","fields":{"text":"café 😀"}}]`);
  assert.equal(decodeOps(ok)[0].fields.text, "café 😀");
  assert.equal(thrown(() => decodeOps(/** @type {any} */ ([{ op: "delete", id: "a" }]))).code, CodeBadJSON);
});

test("decodeOps accepts what Go's DecodeOps accepts", () => {
  const id64 = "a".repeat(MaxIDBytes);
  const accepts = [
    ["max ops", deletes(MaxOpsPerBatch)],
    ["whitespace around", " \n[ " + note(`{}`) + " ]\t"],
    ["whitespace everywhere", '[ { "op" : "update" ,\n"id":"b", "fields" : { "links" : [ "a" , "b" ] , "points" : [ 1 , 2.5e0 ] , "text" : "a\\"]}b" } } , {"op":"delete","id":"a"} ]'],
    ["escaped member names", `[{"\\u006fp":"update","id":"b","fields":{"\\u0078":1}}]`],
    ["create without fields", `[{"op":"create","id":"a","kind":"frame"}]`],
    ["id at max", `[{"op":"delete","id":"${id64}"}]`],
    ["id charset", `[{"op":"delete","id":"AZaz09_-"}]`],
    ["text at max", batchOf(upd(`{"text":"${"a".repeat(MaxTextBytes)}"}`))],
    ["text at max in bytes", batchOf(upd(`{"text":"${"é".repeat(MaxTextBytes / 2)}"}`))],
    ["text at max in 4-byte characters", batchOf(upd(`{"text":"${"😀".repeat(MaxTextBytes / 4)}"}`))],
    ["prompt at max", batchOf(upd(`{"prompt":"${"a".repeat(MaxTextBytes)}"}`))],
    ["title at max", batchOf(upd(`{"title":"${"a".repeat(MaxLabelBytes)}"}`))],
    ["template at max", batchOf(upd(`{"template":"${"a".repeat(MaxLabelBytes)}"}`))],
    ["links at max", batchOf(upd(`{"links":${idList(MaxListLen)}}`))],
    ["links empty", batchOf(upd(`{"links":[]}`))],
    ["points at max", batchOf(upd(`{"points":${numbers(2 * MaxPoints, "-1000000")}}`))],
    ["points empty", batchOf(upd(`{"points":[]}`))],
    ["key at max", batchOf(upd(`{"z":"${"z".repeat(MaxKeyBytes)}"}`))],
    ["from id at max", batchOf(upd(`{"from":"${id64}"}`))],
    ["coords at max", batchOf(upd(`{"x":1000000,"y":-1000000,"x2":1e6,"y2":-1e6}`))],
    ["sizes at bounds", batchOf(upd(`{"w":0,"h":100000}`))],
    ["fontSize bounds", batchOf(upd(`{"fontSize":4}`), upd(`{"fontSize":400}`))],
    ["width bounds", batchOf(upd(`{"width":0.5}`), upd(`{"width":100}`))],
    ["null removes", batchOf(upd(`{"text":null,"x":null}`))],
    ["every field once", batchOf(upd(everyField() + "}"))],
    ["none ids", batchOf(upd(`{"parent":"","from":"","to":""}`))],
    ["empty color", batchOf(upd(`{"color":""}`))],
    ["surrogate pair", batchOf(upd(`{"text":"\\ud83d\\ude00"}`))],
    ["escaped backslash before u", batchOf(upd(`{"text":"\\\\ud800"}`))],
    ["tiny number", batchOf(upd(`{"x":1e-400}`))],
    ["repeated members in separate ops", batchOf(`{"op":"delete","id":"a"}`, `{"op":"delete","id":"a"}`)],
    ["members in any order", `[{"fields":{"x":1},"id":"a","op":"update"}]`],
  ];
  for (const [name, raw] of accepts) {
    let ops;
    assert.doesNotThrow(() => { ops = decodeOps(raw); }, name);
    assert.ok(ops.length > 0, name);
    assert.doesNotThrow(() => validateOps(ops), `${name}: validateOps rejects what decodeOps accepted`);
    assert.deepEqual(decodeOps(JSON.stringify(ops)), ops, `${name}: wire form does not round-trip`);
  }
});

test("decodeOps returns ops in wire form with Go's values", () => {
  const raw = `[
    {"op":"create","id":"i1","kind":"item","fields":{"x":-0,"y":2.5,"text":"hi \\u00e9 \\ud83d\\ude00","links":["c1","c2"],"partners":[],"jointly":true,"order":"V"}},
    {"op":"create","id":"s1","kind":"stroke","fields":{"points":[1,2,-3.5,4e2,-0,1e-400],"width":2}},
    {"op":"create","id":"f1","kind":"frame","fields":{}},
    {"op":"update","id":"i1","fields":{"text":null,"jointly":false}},
    {"op":"delete","id":"s1"}
  ]`;
  const ops = decodeOps(raw);
  assert.deepEqual(ops, [
    { op: "create", id: "i1", kind: "item", fields: { x: 0, y: 2.5, text: "hi é 😀", links: ["c1", "c2"], partners: [], jointly: true, order: "V" } },
    { op: "create", id: "s1", kind: "stroke", fields: { points: [1, 2, -3.5, 400, 0, 0], width: 2 } },
    { op: "create", id: "f1", kind: "frame" },
    { op: "update", id: "i1", fields: { text: null, jointly: false } },
    { op: "delete", id: "s1" },
  ]);
  assert.ok(Object.is(ops[0].fields.x, 0), "-0 was not normalised to 0");
  assert.ok(Object.is(ops[1].fields.points[4], 0), "-0 in points was not normalised to 0");
});

test("decodeOps decodes every spelling of a batch alike (Go's TestDecodeOpsSyntaxVariants)", () => {
  const want = [
    { op: "update", id: "b", fields: { links: ["a", "b"], points: [1, 2.5], text: 'a"]}b' } },
    { op: "delete", id: "a" },
  ];
  const variants = [
    '[{"op":"update","id":"b","fields":{"links":["a","b"],"points":[1,2.5],"text":"a\\"]}b"}},{"op":"delete","id":"a"}]',
    '[ { "op" : "update" ,\n"id":"b", "fields" : { "links" : [ "a" , "b" ] , "points" : [ 1 , 2.5e0 ] , "text" : "a\\"]}b" } } ,\r\n\t{"op":"delete","id":"a"} ]',
    '[{"\\u006fp":"upd\\u0061te","i\\u0064":"\\u0062","fields":{"\\u006cinks":["\\u0061","b"],"points":[10e-1,0.25E1],"text":"a\\u0022]}b"}},{"id":"a","op":"delete"}]',
  ];
  for (const raw of variants) assert.deepEqual(decodeOps(raw), want);
});

test("error messages read as Go's", () => {
  const ops = ['{"op":"delete","id":"a"}', '{"op":"delete","id":"b"}', '{"op":"delete","id":"c"}', upd(`{"text":"${"a".repeat(MaxTextBytes + 1)}"}`)];
  assert.equal(thrown(() => decodeOps(batchOf(...ops))).message, 'op 3: field "text" is longer than 8192 bytes');
  // Messages printed by Go's DecodeOps for the same input.
  const cases = [
    [`{"x":1e7}`, 'op 0: field "x" must be between -1e+06 and 1e+06'],
    [`{"w":1e7}`, 'op 0: field "w" must be between 0 and 100000'],
    [`{"width":1e7}`, 'op 0: field "width" must be between 0.5 and 100'],
    [`{"points":[1e7,1]}`, 'op 0: number 0 of field "points" must be between -1e+06 and 1e+06'],
    [`{"links":["a",""]}`, 'op 0: entry 1 of field "links" is empty'],
    [`{"points":[1,"x"]}`, 'op 0: number 1 of field "points" must be a number'],
    [`{"points":[1,1e999]}`, 'op 0: number 1 of field "points" is too large'],
    [`{"role":"${"é".repeat(30)}"}`, 'op 0: field "role" must be one of text, list, picture'],
  ];
  for (const [fields, want] of cases) {
    assert.equal(thrown(() => decodeOps(`[{"op":"update","id":"a","fields":${fields}}]`)).message, want);
  }
  assert.equal(thrown(() => decodeOps(`[{"op":"delete","id":"${"é".repeat(40)}"}]`)).message, "op 0: id is longer than 64 bytes");
  assert.equal(thrown(() => decodeOps(`[{"op":"delete","id":"a.${"é".repeat(30)}"}]`)).message,
    `op 0: id "a.${"é".repeat(19)}..." may only hold A-Z, a-z, 0-9, _ and -`);
});

// One row per limit: a batch at the limit passes, one over fails. Each is
// checked through decodeOps (JSON text) and validateOps (JavaScript ops).
test("every limit holds at its boundary, through decodeOps and validateOps", () => {
  const u = (/** @type {Record<string, unknown>} */ fields) => [{ op: "update", id: "n1", fields }];
  const ids = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => `c${i}`);
  /** @type {[string, unknown[], unknown[], string][]} */
  const rows = [
    ["MaxOpsPerBatch", Array.from({ length: MaxOpsPerBatch }, (_, i) => ({ op: "delete", id: `d${i}` })),
      Array.from({ length: MaxOpsPerBatch + 1 }, (_, i) => ({ op: "delete", id: `d${i}` })), CodeTooManyOps],
    ["MaxIDBytes (op id)", [{ op: "delete", id: "i".repeat(MaxIDBytes) }], [{ op: "delete", id: "i".repeat(MaxIDBytes + 1) }], CodeBadID],
  ];
  for (const name of ["parent", "from", "to"]) {
    rows.push([`MaxIDBytes (${name})`, u({ [name]: "i".repeat(MaxIDBytes) }), u({ [name]: "i".repeat(MaxIDBytes + 1) }), CodeBadID]);
  }
  for (const name of ["links", "partners"]) {
    rows.push([`MaxIDBytes (${name} entry)`, u({ [name]: ["i".repeat(MaxIDBytes)] }), u({ [name]: ["i".repeat(MaxIDBytes + 1)] }), CodeBadID]);
    rows.push([`MaxListLen (${name})`, u({ [name]: ids(MaxListLen) }), u({ [name]: ids(MaxListLen + 1) }), CodeTooLong]);
  }
  for (const [names, max] of [[["text", "reason", "prompt"], MaxTextBytes], [["label", "title", "name", "template"], MaxLabelBytes]]) {
    for (const name of names) {
      rows.push([`${max} bytes (${name}, ASCII)`, u({ [name]: "a".repeat(max) }), u({ [name]: "a".repeat(max + 1) }), CodeTooLong]);
      rows.push([`${max} bytes (${name}, 2-byte)`, u({ [name]: "é".repeat(max / 2) }), u({ [name]: "é".repeat(max / 2) + "a" }), CodeTooLong]);
      const euros = "€".repeat(Math.floor(max / 3)) + "a".repeat(max % 3);
      rows.push([`${max} bytes (${name}, 3-byte)`, u({ [name]: euros }), u({ [name]: euros + "a" }), CodeTooLong]);
      rows.push([`${max} bytes (${name}, 4-byte)`, u({ [name]: "😀".repeat(max / 4) }), u({ [name]: "😀".repeat(max / 4 - 1) + "aaaaa" }), CodeTooLong]);
    }
  }
  for (const name of ["z", "order"]) {
    rows.push([`MaxKeyBytes (${name})`, u({ [name]: "z".repeat(MaxKeyBytes) }), u({ [name]: "z".repeat(MaxKeyBytes + 1) }), CodeTooLong]);
  }
  rows.push(["MaxPoints", u({ points: Array(2 * MaxPoints).fill(1) }), u({ points: Array(2 * MaxPoints + 2).fill(1) }), CodeTooLong]);
  rows.push(["MaxCoord (points)", u({ points: [1e6, -1e6] }), u({ points: [1e6, -1000000.0000001] }), CodeOutOfRange]);
  for (const name of ["x", "y", "x2", "y2"]) {
    rows.push([`MaxCoord (${name} high)`, u({ [name]: 1e6 }), u({ [name]: 1000000.0000001 }), CodeOutOfRange]);
    rows.push([`MaxCoord (${name} low)`, u({ [name]: -1e6 }), u({ [name]: -1000001 }), CodeOutOfRange]);
  }
  for (const name of ["w", "h"]) {
    rows.push([`MaxSize (${name} high)`, u({ [name]: 1e5 }), u({ [name]: 100000.00001 }), CodeOutOfRange]);
    rows.push([`MaxSize (${name} low)`, u({ [name]: 0 }), u({ [name]: -1e-9 }), CodeOutOfRange]);
  }
  rows.push(["fontSize low", u({ fontSize: 4 }), u({ fontSize: 3.999 }), CodeOutOfRange]);
  rows.push(["fontSize high", u({ fontSize: 400 }), u({ fontSize: 400.001 }), CodeOutOfRange]);
  rows.push(["width low", u({ width: 0.5 }), u({ width: 0.4999 }), CodeOutOfRange]);
  rows.push(["width high", u({ width: 100 }), u({ width: 100.0001 }), CodeOutOfRange]);

  for (const [name, atLimit, over, code] of rows) {
    assert.doesNotThrow(() => decodeOps(JSON.stringify(atLimit)), `${name}: at the limit`);
    assert.doesNotThrow(() => validateOps(atLimit), `${name}: at the limit (validateOps)`);
    assert.equal(thrown(() => decodeOps(JSON.stringify(over))).code, code, `${name}: one over`);
    assert.equal(thrown(() => validateOps(over)).code, code, `${name}: one over (validateOps)`);
  }
  // The byte counts above agree with TextEncoder's.
  const enc = new TextEncoder();
  for (const s of ["é".repeat(MaxLabelBytes / 2), "€".repeat(85) + "a", "😀".repeat(64)]) {
    assert.equal(enc.encode(s).length, MaxLabelBytes);
  }
});

test("validateOps checks JavaScript ops by the rules of the wire", () => {
  const rows = [
    ["valid mix", [
      { op: "create", id: "a", kind: "note", fields: { x: 1, text: "hi" } },
      { op: "create", id: "b", kind: "frame" },
      { op: "update", id: "a", fields: { text: null, links: ["x"] } },
      { op: "delete", id: "a" },
    ], "", 0, ""],
    ["undefined members are absent", [{ op: "delete", id: "a", kind: undefined, fields: undefined }], "", 0, ""],
    ["undefined fields are absent", [{ op: "create", id: "a", kind: "note", fields: { text: undefined, x: 1 } }], "", 0, ""],
    ["empty fields on create", [{ op: "create", id: "a", kind: "note", fields: {} }], "", 0, ""],
    ["not an array", { op: "delete", id: "a" }, CodeBadJSON, -1, ""],
    ["empty batch", [], CodeEmptyBatch, -1, ""],
    ["op is null", [null], CodeBadOp, 0, ""],
    ["op is an array", [["delete", "a"]], CodeBadOp, 0, ""],
    ["zero op", [{}], CodeBadOp, 0, ""],
    ["unknown member", [{ op: "delete", id: "a", extra: 1 }], CodeBadOp, 0, ""],
    ["op not a string", [{ op: 1, id: "a" }], CodeBadOp, 0, ""],
    ["unknown type", [{ op: "move", id: "a" }], CodeUnknownOp, 0, ""],
    ["empty id", [{ op: "delete", id: "" }], CodeBadID, 0, ""],
    ["missing kind", [{ op: "create", id: "a" }], CodeBadOp, 0, ""],
    ["unknown kind", [{ op: "create", id: "a", kind: "blob" }], CodeUnknownKind, 0, ""],
    ["kind on update", [{ op: "update", id: "a", kind: "note", fields: { x: 1 } }], CodeBadOp, 0, ""],
    ["empty kind on update is still sent", [{ op: "update", id: "a", kind: "", fields: { x: 1 } }], CodeBadOp, 0, ""],
    ["kind on delete", [{ op: "delete", id: "a", kind: "note" }], CodeBadOp, 0, ""],
    ["empty update", [{ op: "update", id: "a", fields: {} }], CodeBadOp, 0, ""],
    ["update of only undefined", [{ op: "update", id: "a", fields: { x: undefined } }], CodeBadOp, 0, ""],
    ["empty fields on delete are still sent", [{ op: "delete", id: "a", fields: {} }], CodeBadOp, 0, ""],
    ["fields an array", [{ op: "update", id: "a", fields: [1] }], CodeBadOp, 0, ""],
    ["NaN would be sent as null", [{ op: "update", id: "a", fields: { x: NaN } }], CodeOutOfRange, 0, "x"],
    ["Infinity", [{ op: "update", id: "a", fields: { y: -Infinity } }], CodeOutOfRange, 0, "y"],
    ["NaN point", [{ op: "update", id: "a", fields: { points: [0, NaN] } }], CodeOutOfRange, 0, "points"],
    ["hole in points", [{ op: "update", id: "a", fields: { points: [0, , 1, 2] } }], CodeBadValue, 0, "points"],
    ["hole in links", [{ op: "update", id: "a", fields: { links: ["a", , "b"] } }], CodeBadValue, 0, "links"],
    ["bigint", [{ op: "update", id: "a", fields: { x: 1n } }], CodeBadValue, 0, "x"],
    ["typed array", [{ op: "update", id: "a", fields: { points: new Float64Array(2) } }], CodeBadValue, 0, "points"],
    ["lone surrogate", [{ op: "update", id: "a", fields: { text: "a\ud800" } }], CodeBadUTF8, 0, "text"],
    ["lone surrogate in a list", [{ op: "update", id: "a", fields: { links: ["\udc00"] } }], CodeBadUTF8, 0, "links"],
    ["null in create", [{ op: "create", id: "a", kind: "note", fields: { text: null } }], CodeBadValue, 0, "text"],
    ["field not of kind", [{ op: "create", id: "a", kind: "note", fields: { tier: "lead" } }], CodeUnknownField, 0, "tier"],
    ["fields in key order", [{ op: "update", id: "a", fields: { y: "bad", x: "bad" } }], CodeBadValue, 0, "y"],
    ["later op", [{ op: "delete", id: "a" }, { op: "delete", id: "b" }, { op: "update", id: "c", fields: { nope: 1 } }], CodeUnknownField, 2, "nope"],
    ["prototype names", [{ op: "update", id: "a", fields: JSON.parse('{"__proto__":1}') }], CodeUnknownField, 0, "__proto__"],
  ];
  for (const [name, ops, code, op, field] of rows) {
    if (code === "") {
      assert.doesNotThrow(() => validateOps(ops), name);
      continue;
    }
    const e = thrown(() => validateOps(ops));
    assert.deepEqual({ code: e.code, op: e.op, field: e.field }, { code, op, field }, name);
  }
});

/** A small seeded PRNG (mulberry32), so random tests repeat exactly. */
function rng(/** @type {number} */ seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("validateOps(ops) reports what decodeOps(JSON.stringify(ops)) reports", () => {
  // Random ops, valid and not, from everything JSON.stringify sends as it
  // is (so no NaN, Infinity or functions, which validateOps deliberately
  // rejects where the wire would quietly change them).
  // (A name with a lone surrogate is left out: Go reports it as U+FFFD.)
  const names = [...new Set(Kinds().flatMap(FieldsOf)), "bogus", "X", "__proto__", "0", ""];
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const pick = (/** @type {any[]} */ xs) => xs[Math.floor(r() * xs.length)];
    const value = () => pick([
      0, -0, 1.5, -3, 50, 2e6, 1e-9, 4, 400, 0.5, "", "hello", "a\0b", "a\ud800", "x".repeat(MaxLabelBytes + 1),
      true, false, null, undefined, [], ["a", "b"], ["a", "a"], ["a", 1], [1, 2], [1], [0, 3e6], ["\udc00"],
      [["x"]], {}, { a: "\ud800" }, "V", "a0", "#aabbcc", "red", "rect", "list", "lead", "a b", "i".repeat(65),
    ]);
    const batch = [];
    for (let n = 1 + Math.floor(r() * 4); n > 0; n--) {
      /** @type {Record<string, unknown>} */
      const op = {};
      if (r() < 0.95) op.op = pick(["create", "update", "delete", "move", 1, null, undefined]);
      if (r() < 0.95) op.id = pick(["a", "b", "", "a b", 7, null, "\ud800", undefined]);
      if (r() < 0.5) op.kind = pick(["note", "item", "connector", "stroke", "", "blob", 3, null, undefined]);
      if (r() < 0.8) {
        const fields = pick([{}, {}, {}, [], null, "x", undefined]);
        if (fields && typeof fields === "object" && !Array.isArray(fields)) {
          for (let k = Math.floor(r() * 4); k > 0; k--) fields[pick(names)] = value();
        }
        op.fields = fields;
      }
      if (r() < 0.05) op.extra = 1;
      batch.push(r() < 0.03 ? pick([null, 1, "op", []]) : op);
    }
    let want = null;
    try {
      decodeOps(JSON.stringify(batch));
    } catch (e) {
      want = { code: e.code, op: e.op, field: e.field };
    }
    let got = null;
    try {
      validateOps(batch);
    } catch (e) {
      assert.ok(e instanceof ModelError, `seed ${seed}: ${e}`);
      got = { code: e.code, op: e.op, field: e.field };
    }
    assert.deepEqual(got, want, `seed ${seed}: ${JSON.stringify(batch)}`);
  }
});
