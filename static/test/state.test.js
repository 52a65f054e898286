// State: apply's conflict rules, clone and equals, the canonical forms and
// their round trips, determinism, garbage ops, and speed on a large board.
// Usage: see model.test.js.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  State, ModelError, decodeOps, validateOps, validID, FieldsOf, Kinds, MaxObjects, MaxTextBytes, MaxLabelBytes,
  CodeBadJSON, CodeBadUTF8, CodeBadID, CodeUnknownKind, CodeUnknownField, CodeBadValue, CodeOutOfRange, CodeTooLong,
} from "../model.js";

// Op builders, like the helpers of Go's state_test.go.
const create = (/** @type {string} */ id, /** @type {string} */ kind, /** @type {any} */ fields) => ({ op: "create", id, kind, fields });
const update = (/** @type {string} */ id, /** @type {any} */ fields) => ({ op: "update", id, fields });
const del = (/** @type {string} */ id) => ({ op: "delete", id });

/** Returns a new State with ops applied. @param {any[]} ops */
function stateOf(ops) {
  const s = new State();
  s.apply(ops);
  return s;
}

/**
 * Checks the invariants every reachable State keeps, by the strictest test
 * there is: fromJSON, which validates them, must take the state back.
 * @param {State} s
 */
function checkInvariants(s) {
  const back = State.fromJSON(s.canonicalJSON());
  assert.ok(back.equals(s), "state does not survive its own canonical JSON");
}

/** A small seeded PRNG (mulberry32), so random tests repeat exactly. */
function rng(/** @type {number} */ seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Returns the ModelError fn throws, failing otherwise.
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

test("apply follows Go's rules (TestApplyRules)", () => {
  /** @type {[string, any[], Record<string, Record<string, unknown>>, string[]][]} */
  const rows = [
    ["create with fields", [create("n1", "note", { x: 1, text: "hi" })], { n1: { x: 1, text: "hi" } }, []],
    ["first create wins", [create("n1", "note", { text: "a" }), create("n1", "shape", { shape: "rect" })], { n1: { text: "a" } }, []],
    ["create after delete is a no-op", [create("n1", "note"), del("n1"), create("n1", "note", { text: "again" })], {}, ["n1"]],
    ["delete of missing id leaves a tombstone", [del("ghost"), create("ghost", "note")], {}, ["ghost"]],
    ["second delete is a no-op", [create("n1", "note"), del("n1"), del("n1")], {}, ["n1"]],
    ["create drops fields the kind does not allow and bad values",
      [create("n1", "note", { text: "a", tier: "lead", x: "1", y: NaN, w: 3, h: null, z: undefined, color: "red" })],
      { n1: { text: "a", w: 3 } }, []],
    ["ops that skipped validation are ignored", [
      create("bad id", "note"), create("n1", "blob"), { op: "move", id: "n2" }, create("n3", "note"), { op: "delete", id: "" },
      create("n4", "constructor"), create("n5", "__proto__"), { op: "delete", id: 5 }, { op: ["delete"], id: "n3" },
    ], { n3: {} }, []],
    ["last writer wins per field",
      [create("n1", "note", { x: 1, y: 1 }), update("n1", { x: 2 }), update("n1", { y: 3 }), update("n1", { x: 4 })],
      { n1: { x: 4, y: 3 } }, []],
    ["null removes a field", [create("n1", "note", { x: 1, text: "a" }), update("n1", { text: null, color: null })], { n1: { x: 1 } }, []],
    ["undefined in an update changes nothing", [create("n1", "note", { x: 1, text: "a" }), update("n1", { text: undefined })], { n1: { x: 1, text: "a" } }, []],
    ["update ignores fields the kind does not allow and bad values",
      [create("n1", "note", { text: "a" }), update("n1", { tier: "lead", text: 5, x: 2 })], { n1: { text: "a", x: 2 } }, []],
    ["update of missing object is a no-op", [update("n1", { x: 1 })], {}, []],
    ["update of deleted object is a no-op", [create("n1", "note"), del("n1"), update("n1", { x: 1 })], {}, ["n1"]],
    ["delete detaches connector ends", [
      create("a", "note"), create("b", "note"), create("c", "connector", { from: "a", to: "b", arrow: "end" }), del("a"),
    ], { b: {}, c: { to: "b", arrow: "end" } }, ["a"]],
    ["connector to a dead or missing id is detached", [
      create("a", "note"), del("a"), create("b", "note"),
      create("c", "connector", { from: "a", to: "nope", x2: 5 }), create("d", "connector", { from: "b", to: "" }),
    ], { b: {}, c: { x2: 5 }, d: { from: "b", to: "" } }, ["a"]],
    ["self reference is dropped",
      [create("c", "connector", { from: "c" }), create("r", "referral"), update("r", { to: "r" })], { c: {}, r: {} }, []],
    ["update of an end to a dead id detaches it", [
      create("a", "partner"), create("b", "partner"), create("gone", "partner"), del("gone"),
      create("r", "referral", { from: "a", to: "b", reason: "housing" }), update("r", { from: "gone" }),
    ], { a: {}, b: {}, r: { to: "b", reason: "housing" } }, ["gone"]],
    ["moving an end away means deleting the old target leaves it alone", [
      create("a", "note"), create("b", "note"), create("x", "note"), create("c", "connector", { from: "a", to: "x" }),
      update("c", { from: "b" }), del("a"),
    ], { b: {}, x: {}, c: { from: "b", to: "x" } }, ["a"]],
    ["both ends on one object both detach", [
      create("a", "note"), create("c", "connector", { from: "a", to: "a" }),
      update("c", { from: null }), update("c", { from: "a" }), del("a"),
    ], { c: {} }, ["a"]],
    ["deleting a connector keeps its targets", [
      create("a", "note"), create("b", "note"), create("c", "connector", { from: "a", to: "b" }),
      del("c"), del("b"), create("c2", "connector", { from: "a" }),
    ], { a: {}, c2: { from: "a" } }, ["b", "c"]],
    ["nothing else cascades", [
      create("fr", "frame", { title: "Persona" }), create("cell", "cell", { parent: "fr", role: "list" }),
      create("it", "item", { parent: "cell", links: ["fr"], partners: ["p"] }), del("fr"), del("p"),
    ], { cell: { parent: "fr", role: "list" }, it: { parent: "cell", links: ["fr"], partners: ["p"] } }, ["fr", "p"]],
  ];
  for (const [name, ops, live, dead] of rows) {
    const s = stateOf(ops);
    assert.equal(s.size, Object.keys(live).length, name);
    for (const [id, fields] of Object.entries(live)) assert.deepEqual(s.get(id)?.fields, fields, `${name}: ${id}`);
    assert.deepEqual(s.objects().map((o) => o.id), Object.keys(live).sort(), name);
    assert.deepEqual(s.toJSON().deleted, dead, name);
    for (const id of dead) assert.ok(s.isDeleted(id), `${name}: ${id} tombstoned`);
    checkInvariants(s);
  }
});

test("MaxObjects bounds live objects, not tombstones", () => {
  const ops = Array.from({ length: MaxObjects + 1 }, (_, i) => create(`o${i}`, "note"));
  const s = stateOf(ops);
  assert.equal(s.size, MaxObjects);
  const last = `o${MaxObjects}`;
  assert.equal(s.get(last), undefined, "object beyond the limit was created");
  assert.equal(s.isDeleted(last), false, "a create dropped for the limit left a tombstone");
  s.apply([del("o0"), create(last, "note")]); // freeing a slot lets the create through
  assert.ok(s.get(last));
  assert.equal(s.size, MaxObjects);
  s.apply(Array.from({ length: 100 }, (_, i) => del(`never${i}`)));
  assert.equal(s.size, MaxObjects);
});

test("apply copies what it keeps and freezes stored lists", () => {
  const links = ["a", "b"];
  const points = [1, 2];
  const fields = { links };
  const s = stateOf([create("i", "item", fields), create("s", "stroke", { points })]);
  links[0] = "changed";
  points[0] = 99;
  fields.text = "sneaked in";
  assert.deepEqual(s.get("i")?.fields, { links: ["a", "b"] });
  assert.deepEqual(s.get("s")?.fields, { points: [1, 2] });
  assert.ok(Object.isFrozen(s.get("s")?.fields.points));
  const json = s.toJSON(); // a copy: changing it changes nothing
  json.objects[0].fields.links.push("x");
  assert.deepEqual(s.get("i")?.fields.links, ["a", "b"]);
});

test("-0 is stored as 0 (TestApplyNormalisesNegativeZero)", () => {
  const s = stateOf([create("s", "stroke", { x: -0, points: [-0, 1] })]);
  assert.equal(s.canonicalJSON(), '{"objects":[{"id":"s","kind":"stroke","fields":{"points":[0,1],"x":0}}],"deleted":[]}');
  assert.ok(Object.is(s.get("s")?.fields.x, 0));
  assert.ok(Object.is(/** @type {number[]} */ (s.get("s")?.fields.points)[0], 0));
});

test("clone is independent and equal (TestCloneIsIndependent)", () => {
  const s = stateOf([create("a", "note", { text: "a" }), create("b", "note"), create("c", "connector", { from: "a", to: "b" })]);
  const before = s.canonicalJSON();
  const c = s.clone();
  assert.ok(c.equals(s) && s.equals(c));
  c.apply([update("a", { text: "changed" }), del("b"), create("d", "note")]);
  assert.equal(s.canonicalJSON(), before, "apply on the clone changed the original");
  assert.ok(!c.equals(s));
  assert.deepEqual(c.get("c")?.fields, { from: "a" }, "the clone's index detached the end");
  s.apply([del("a")]); // and the original's index still works after cloning
  assert.deepEqual(s.get("c")?.fields, { to: "b" });
  checkInvariants(s);
  checkInvariants(c);
});

test("equals compares objects, kinds, values and tombstones (TestEqual)", () => {
  const base = [create("a", "item", { links: ["x"], text: "t" }), del("z")];
  const rows = [
    ["same", [], true],
    ["same after no-op update", [update("missing", { x: 1 })], true],
    ["value differs", [update("a", { text: "u" })], false],
    ["list differs", [update("a", { links: ["y"] })], false],
    ["list longer", [update("a", { links: ["x", "y"] })], false],
    ["field missing", [update("a", { text: null })], false],
    ["extra field", [update("a", { x: 1 })], false],
    ["extra tombstone", [del("q")], false],
    ["extra object", [create("b", "note")], false],
  ];
  for (const [name, extra, equal] of rows) {
    const s = stateOf(base);
    const u = stateOf(base);
    u.apply(extra);
    assert.equal(s.equals(u), equal, name);
    assert.equal(u.equals(s), equal, name);
  }
  assert.ok(!stateOf([create("a", "note")]).equals(stateOf([create("a", "shape")])), "different kinds");
  assert.ok(!stateOf([del("a")]).equals(stateOf([del("b")])), "different tombstones");
  assert.ok(!stateOf([create("a", "note", { x: 1 })]).equals(stateOf([create("a", "note", { y: 1 })])), "different names");
  assert.ok(new State().equals(new State()));
  assert.ok(!new State().equals(/** @type {any} */ ({ objects: [], deleted: [] })));
});

test("toJSON and canonicalJSON give Go's canonical form (TestStateJSON)", () => {
  const s = stateOf([
    create("b", "connector", { label: "<a & b>", x2: 1.5 }),
    create("a", "stroke", { points: [], width: 2 }),
    create("c", "item", { links: [], jointly: false }),
    del("zz"), del("aa"),
  ]);
  const want = '{"objects":[' +
    '{"id":"a","kind":"stroke","fields":{"points":[],"width":2}},' +
    '{"id":"b","kind":"connector","fields":{"label":"\\u003ca \\u0026 b\\u003e","x2":1.5}},' +
    '{"id":"c","kind":"item","fields":{"jointly":false,"links":[]}}' +
    '],"deleted":["aa","zz"]}';
  assert.equal(s.canonicalJSON(), want);
  assert.equal(JSON.stringify(s), want.replace("\\u003ca \\u0026 b\\u003e", "<a & b>"));
  assert.deepEqual(JSON.parse(JSON.stringify(s)), JSON.parse(want));
  const u = State.fromJSON(want);
  assert.ok(u.equals(s));
  assert.equal(u.canonicalJSON(), want);
  assert.equal(new State().canonicalJSON(), '{"objects":[],"deleted":[]}');
});

test("canonicalJSON is byte for byte Go's MarshalJSON for tricky strings and numbers", () => {
  const texts = [
    "", "plain", 'quote " and backslash \\\\', "<b>&amp;</b>", "tab\tnew\nline\r", "\x01\x1f\x7f",
    "caf\u00e9 \u{1F600}", "line\u2028para\u2029", "\u2027\u202a", "\ufffd", "\b\f", "\u00a0\ufeff/",
  ];
  const numbers = [0, 1, -1, 0.1, 1.5e-6, 1e-6, 9.99e-7, 1e-7, -3e-9, 123456.789, 999999.999999, 1e6, -1e6, 5e-324, 1 / 3, 2.5e-300, 1e5 + 0.5];
  const ops = [
    ...texts.map((text, i) => create(`t${String(i).padStart(2, "0")}`, "note", { text })),
    ...numbers.map((n, i) => create(`n${String(i).padStart(2, "0")}`, "stroke", { x: n, points: [n, -n] })),
    create("i", "item", { links: ["a", "B_-9"], partners: [], jointly: true }),
    del("gone1"), del("Gone2"),
  ];
  validateOps(ops);
  const s = stateOf(ops);
  // Printed by Go's State.MarshalJSON for the same ops.
  const goObjects = [
    '{"id":"i","kind":"item","fields":{"jointly":true,"links":["a","B_-9"],"partners":[]}}',
    '{"id":"n00","kind":"stroke","fields":{"points":[0,0],"x":0}}',
    '{"id":"n01","kind":"stroke","fields":{"points":[1,-1],"x":1}}',
    '{"id":"n02","kind":"stroke","fields":{"points":[-1,1],"x":-1}}',
    '{"id":"n03","kind":"stroke","fields":{"points":[0.1,-0.1],"x":0.1}}',
    '{"id":"n04","kind":"stroke","fields":{"points":[0.0000015,-0.0000015],"x":0.0000015}}',
    '{"id":"n05","kind":"stroke","fields":{"points":[0.000001,-0.000001],"x":0.000001}}',
    '{"id":"n06","kind":"stroke","fields":{"points":[9.99e-7,-9.99e-7],"x":9.99e-7}}',
    '{"id":"n07","kind":"stroke","fields":{"points":[1e-7,-1e-7],"x":1e-7}}',
    '{"id":"n08","kind":"stroke","fields":{"points":[-3e-9,3e-9],"x":-3e-9}}',
    '{"id":"n09","kind":"stroke","fields":{"points":[123456.789,-123456.789],"x":123456.789}}',
    '{"id":"n10","kind":"stroke","fields":{"points":[999999.999999,-999999.999999],"x":999999.999999}}',
    '{"id":"n11","kind":"stroke","fields":{"points":[1000000,-1000000],"x":1000000}}',
    '{"id":"n12","kind":"stroke","fields":{"points":[-1000000,1000000],"x":-1000000}}',
    '{"id":"n13","kind":"stroke","fields":{"points":[5e-324,-5e-324],"x":5e-324}}',
    '{"id":"n14","kind":"stroke","fields":{"points":[0.3333333333333333,-0.3333333333333333],"x":0.3333333333333333}}',
    '{"id":"n15","kind":"stroke","fields":{"points":[2.5e-300,-2.5e-300],"x":2.5e-300}}',
    '{"id":"n16","kind":"stroke","fields":{"points":[100000.5,-100000.5],"x":100000.5}}',
    '{"id":"t00","kind":"note","fields":{"text":""}}',
    '{"id":"t01","kind":"note","fields":{"text":"plain"}}',
    '{"id":"t02","kind":"note","fields":{"text":"quote \\" and backslash \\\\\\\\"}}',
    '{"id":"t03","kind":"note","fields":{"text":"\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e"}}',
    '{"id":"t04","kind":"note","fields":{"text":"tab\\tnew\\nline\\r"}}',
    '{"id":"t05","kind":"note","fields":{"text":"\\u0001\\u001f\u007f"}}',
    '{"id":"t06","kind":"note","fields":{"text":"caf\u00e9 \ud83d\ude00"}}',
    '{"id":"t07","kind":"note","fields":{"text":"line\\u2028para\\u2029"}}',
    '{"id":"t08","kind":"note","fields":{"text":"\u2027\u202a"}}',
    '{"id":"t09","kind":"note","fields":{"text":"\ufffd"}}',
    '{"id":"t10","kind":"note","fields":{"text":"\\b\\f"}}',
    '{"id":"t11","kind":"note","fields":{"text":"\u00a0\ufeff/"}}',
  ];
  assert.equal(s.canonicalJSON(), `{"objects":[${goObjects.join(",")}],"deleted":["Gone2","gone1"]}`);
  assert.ok(State.fromJSON(s.canonicalJSON()).equals(s));
  assert.ok(State.fromJSON(JSON.stringify(s)).equals(s));
});

test("fromJSON rejects what Go's UnmarshalJSON rejects (TestStateUnmarshalRejects)", () => {
  const obj = (/** @type {string} */ id, /** @type {string} */ kind, /** @type {string} */ fields) => `{"id":"${id}","kind":"${kind}","fields":${fields}}`;
  const st = (/** @type {string} */ objects, /** @type {string} */ deleted) => `{"objects":[${objects}],"deleted":[${deleted}]}`;
  const many = Array.from({ length: MaxObjects + 1 }, (_, i) => obj(`o${i}`, "note", "{}")).join(",");
  /** @type {[string, unknown, string][]} */
  const rows = [
    ["not JSON", `{`, CodeBadJSON],
    ["invalid UTF-8", Uint8Array.from('{"objects":[],"deleted":["\xff"]}', (c) => c.charCodeAt(0)), CodeBadUTF8],
    ["lone surrogate in the text", '{"objects":[],"deleted":["\ud800"]}', CodeBadUTF8],
    ["array", `[]`, CodeBadJSON],
    ["null", `null`, CodeBadJSON],
    ["unknown member", `{"objects":[],"deleted":[],"x":1}`, CodeBadJSON],
    ["missing deleted", `{"objects":[]}`, CodeBadJSON],
    ["repeated member", `{"objects":[],"deleted":[],"deleted":[]}`, CodeBadJSON],
    ["objects null", `{"objects":null,"deleted":[]}`, CodeBadJSON],
    ["object not an object", st(`1`, ``), CodeBadJSON],
    ["object unknown member", st(`{"id":"a","kind":"note","fields":{},"x":1}`, ``), CodeBadJSON],
    ["object repeated member", st(`{"id":"a","kind":"note","fields":{},"id":"b"}`, ``), CodeBadJSON],
    ["object without fields", st(`{"id":"a","kind":"note"}`, ``), CodeBadJSON],
    ["object fields null", st(obj("a", "note", "null"), ``), CodeBadJSON],
    ["object repeated field", st(obj("a", "note", `{"x":1,"x":1}`), ``), CodeBadJSON],
    ["object bad id", st(obj("a b", "note", "{}"), ``), CodeBadID],
    ["object id missing", st(`{"kind":"note","fields":{}}`, ``), CodeBadJSON],
    ["object unknown kind", st(obj("a", "blob", "{}"), ``), CodeUnknownKind],
    ["field not of kind", st(obj("a", "note", `{"tier":"lead"}`), ``), CodeUnknownField],
    ["bad value", st(obj("a", "note", `{"x":"1"}`), ``), CodeBadValue],
    ["null value", st(obj("a", "note", `{"x":null}`), ``), CodeBadValue],
    ["value out of range", st(obj("a", "note", `{"x":1e9}`), ``), CodeOutOfRange],
    ["lone surrogate escape", st(obj("a", "note", `{"text":"\\udfff"}`), ``), CodeBadUTF8],
    ["text too long", st(obj("a", "note", `{"text":"${"a".repeat(MaxTextBytes + 1)}"}`), ``), CodeTooLong],
    ["duplicate object", st(obj("a", "note", "{}") + "," + obj("a", "note", "{}"), ``), CodeBadID],
    ["dangling end", st(obj("c", "connector", `{"from":"x"}`), ``), CodeBadValue],
    ["end on a tombstone", st(obj("c", "connector", `{"to":"x"}`), `"x"`), CodeBadValue],
    ["self end", st(obj("c", "connector", `{"to":"c"}`), ``), CodeBadValue],
    ["tombstone not a string", st(``, `1`), CodeBadID],
    ["tombstone bad id", st(``, `""`), CodeBadID],
    ["tombstone twice", st(``, `"a","a"`), CodeBadID],
    ["live and dead", st(obj("a", "note", "{}"), `"a"`), CodeBadID],
    ["too many objects", st(many, ``), CodeOutOfRange],
    ["an object, not text: wrong shape", { objects: [], deleted: [], extra: 1 }, CodeBadJSON],
    ["an object, not text: NaN is sent as null", { objects: [{ id: "a", kind: "note", fields: { x: NaN } }], deleted: [] }, CodeBadValue],
    ["an object, not text: lone surrogate", { objects: [{ id: "a", kind: "note", fields: { text: "\ud800" } }], deleted: [] }, CodeBadUTF8],
    ["undefined", undefined, CodeBadJSON],
    ["a cycle", (() => { const o = { objects: [], deleted: [] }; o.objects.push(o); return o; })(), CodeBadJSON],
  ];
  for (const [name, input, code] of rows) {
    const e = thrown(() => State.fromJSON(input));
    assert.equal(e.code, code, `${name}: ${e.message}`);
    assert.equal(e.op, -1, name);
  }
  const two = thrown(() => State.fromJSON(st(obj("ok", "note", "{}") + "," + obj("n2", "note", `{"w":-5}`), "")));
  assert.equal(two.message, 'object "n2": field "w" must be between 0 and 100000');
  assert.equal(two.field, "w");
  // Accepted: members and elements in any order, an empty fields object.
  const s = State.fromJSON(`{"deleted":["z","b"],"objects":[${obj("c", "connector", `{"to":"a"}`)},${obj("a", "note", "{}")}]}`);
  assert.equal(s.canonicalJSON(), '{"objects":[{"id":"a","kind":"note","fields":{}},{"id":"c","kind":"connector","fields":{"to":"a"}}],"deleted":["b","z"]}');
  s.apply([del("a")]); // fromJSON built the index
  assert.deepEqual(s.get("c")?.fields, {});
  assert.equal(State.fromJSON(st(many.slice(0, many.lastIndexOf(",{")), "")).size, MaxObjects);
});

// Random ops over a small id space, so that creates, updates and deletes
// collide often; values mix valid, invalid, null and undefined, and fields
// often do not suit the target's kind (Go's randomOps, in JavaScript values).
const fieldNames = [...new Set(Kinds().flatMap(FieldsOf))].sort();
const ids = ["a", "b", "c", "d", "e", "f", "g", "h", "bad id", ""];
/** @type {Record<string, unknown[]>} */
const samples = {
  number: [0, 1.5, -3, 5, 50, 2e6, NaN, "1", -0, Infinity],
  string: ["", "hello", "a\0b", "a\ud800", "x".repeat(MaxLabelBytes + 1), 3],
  enum: ["rect", "list", "end", "lead", "impact", "nope"],
  bool: [true, false, "true", 0],
  id: [...ids, "", "x y", 1],
  ids: [[], ["a", "b"], ["a", "a"], ["a", 1], [, "a"], "a"],
  key: ["V", "a1", "a0", "", 1],
  color: ["", "#aabbcc", "#AABBCC", "red"],
  points: [[], [1, 2], [1], [0, 3e6], [-0, 0.5], [1, "2"]],
  date: ["", "2026-02-28", "2028-02-29", "2026-02-29", "26-1-1", "tomorrow", 20260101],
};
/** @param {string} name */
function sampleKind(name) {
  if (["x", "y", "w", "h", "x2", "y2", "fontSize", "width"].includes(name)) return "number";
  if (["text", "label", "title", "name", "reason", "prompt", "template", "owner"].includes(name)) return "string";
  if (["role", "shape", "arrow", "theme", "tier"].includes(name)) return "enum";
  if (name === "jointly") return "bool";
  if (["parent", "from", "to"].includes(name)) return "id";
  if (name === "links" || name === "partners") return "ids";
  if (name === "z" || name === "order") return "key";
  if (name === "due") return "date";
  return name; // color, points
}

/**
 * @param {() => number} r
 * @param {number} n
 */
function randomOps(r, n) {
  const pick = (/** @type {any[]} */ xs) => xs[Math.floor(r() * xs.length)];
  const kinds = [...Kinds(), "blob", "connector", "referral", "connector"];
  return Array.from({ length: n }, () => {
    const x = r() * 10;
    const type = x < 3 ? "create" : x < 8 ? "update" : x < 9 ? "delete" : "bogus";
    /** @type {Record<string, any>} */
    const op = { op: type, id: pick(ids) };
    if (type === "create") op.kind = pick(kinds);
    if (type !== "delete" && r() < 0.9) {
      op.fields = {};
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
        const name = r() < 1 / 3 ? pick(["from", "to"]) : pick(fieldNames); // ends are where the rules are
        op.fields[name] = r() < 1 / 8 ? pick([null, undefined]) : pick(samples[sampleKind(name)]);
      }
    }
    return op;
  });
}

/**
 * A deliberately naive second implementation of apply, written from the
 * rules in the Go documentation (full scans, no index), to cross-check
 * State on random ops. It judges single values with validateOps.
 */
class Reference {
  /** @type {Map<string, {id: string, kind: string, fields: Record<string, any>}>} */
  objs = new Map();
  /** @type {Set<string>} */
  dead = new Set();

  /** @param {any} op */
  apply(op) {
    if (!validID(op.id)) return;
    const valid = (/** @type {string} */ name, /** @type {unknown} */ v) => {
      try {
        validateOps([{ op: "update", id: "a", fields: { [name]: v } }]);
        return v !== null;
      } catch {
        return false;
      }
    };
    const endOK = (/** @type {string} */ self, /** @type {string} */ name, /** @type {any} */ v) =>
      (name !== "from" && name !== "to") || v === "" || (this.objs.has(v) && v !== self);
    const copy = (/** @type {any} */ v) => (Array.isArray(v) ? v.map((x) => (typeof x === "number" ? x + 0 : x)) : typeof v === "number" ? v + 0 : v);
    const allowed = (/** @type {string} */ kind) => FieldsOf(kind);
    const fields = op.fields && typeof op.fields === "object" ? op.fields : {};
    if (op.op === "create") {
      if (!Kinds().includes(op.kind) || this.objs.has(op.id) || this.dead.has(op.id) || this.objs.size >= MaxObjects) return;
      const o = { id: op.id, kind: op.kind, fields: {} };
      for (const [name, v] of Object.entries(fields)) {
        if (allowed(op.kind).includes(name) && valid(name, v) && endOK(op.id, name, v)) o.fields[name] = copy(v);
      }
      this.objs.set(op.id, o);
    } else if (op.op === "update") {
      const o = this.objs.get(op.id);
      if (!o) return;
      for (const [name, v] of Object.entries(fields)) {
        if (!allowed(o.kind).includes(name) || v === undefined) continue;
        if (v === null) delete o.fields[name];
        else if (!valid(name, v)) continue;
        else if (!endOK(op.id, name, v)) delete o.fields[name];
        else o.fields[name] = copy(v);
      }
    } else if (op.op === "delete") {
      if (this.dead.has(op.id)) return;
      this.dead.add(op.id);
      if (!this.objs.delete(op.id)) return;
      for (const o of this.objs.values()) {
        for (const end of ["from", "to"]) if (o.fields[end] === op.id) delete o.fields[end];
      }
    }
  }

  /** The canonical object form, as State.toJSON gives it. */
  toJSON() {
    const objects = [...this.objs.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((o) => ({
      id: o.id, kind: o.kind, fields: Object.fromEntries(Object.entries(o.fields).sort(([a], [b]) => (a < b ? -1 : 1))),
    }));
    return { objects, deleted: [...this.dead].sort() };
  }
}

test("apply agrees with a naive reference model on random ops", () => {
  for (let seed = 0; seed < 200; seed++) {
    const r = rng(seed);
    const s = new State();
    const ref = new Reference();
    for (let batch = 0; batch < 20; batch++) {
      const ops = randomOps(r, 1 + Math.floor(r() * 10));
      s.apply(ops);
      for (const op of ops) ref.apply(op);
      assert.deepEqual(s.toJSON(), ref.toJSON(), `seed ${seed} batch ${batch}: ${JSON.stringify(ops)}`);
    }
    checkInvariants(s);
  }
});

test("apply is deterministic, and the JSON forms round-trip (TestApplyDeterministic)", () => {
  for (let seed = 0; seed < 100; seed++) {
    const r = rng(1000 + seed);
    const ops = randomOps(r, 200);
    const s1 = stateOf(ops);
    const s2 = new State(); // the same ops in differently sized batches
    for (let i = 0; i < ops.length; i += 7) s2.apply(ops.slice(i, i + 7));
    assert.ok(s1.equals(s2), `seed ${seed}: two states applying the same ops differ`);
    assert.equal(s1.canonicalJSON(), s2.canonicalJSON());
    assert.deepEqual(s1.toJSON(), s2.toJSON());

    const fromText = State.fromJSON(s1.canonicalJSON());
    const fromObject = State.fromJSON(s1.toJSON());
    const cloned = s1.clone();
    for (const u of [fromText, fromObject, cloned]) assert.ok(u.equals(s1), `seed ${seed}: round trip is not equal`);
    // Applying more ops keeps them in step: the copies carry everything
    // that matters (tombstones, the end index).
    const more = randomOps(r, 100);
    for (const u of [s1, fromText, fromObject, cloned]) u.apply(more);
    for (const u of [fromText, fromObject, cloned]) assert.ok(u.equals(s1), `seed ${seed}: copies diverged after more ops`);
    assert.equal(fromText.canonicalJSON(), s1.canonicalJSON());
  }
});

test("decoded batches apply like the ops they came from", () => {
  for (let seed = 0; seed < 100; seed++) {
    const r = rng(5000 + seed);
    const direct = new State();
    const wire = new State();
    for (let batch = 0; batch < 10; batch++) {
      const ops = randomOps(r, 1 + Math.floor(r() * 6));
      let decoded;
      try {
        validateOps(ops);
        decoded = decodeOps(JSON.stringify(ops));
      } catch (e) {
        assert.ok(e instanceof ModelError);
        continue; // a rejected batch is applied nowhere
      }
      direct.apply(ops);
      wire.apply(decoded);
      assert.ok(direct.equals(wire), `seed ${seed} batch ${batch}`);
    }
  }
});

/**
 * Random values of every sort JavaScript has, JSON-like or not.
 * @param {() => number} r
 * @param {number} depth
 * @returns {any}
 */
function garbage(r, depth = 0) {
  const pick = (/** @type {any[]} */ xs) => xs[Math.floor(r() * xs.length)];
  const leaf = () => pick([
    null, undefined, true, false, 0, -0, 1, -1, 1e300, -1e-300, NaN, Infinity, -Infinity, 2 ** 53, 1n,
    "", "a", "V", "#000000", "a\0", "\ud800", "\udc00x", "😀", "x".repeat(9000), "constructor", "__proto__",
    Symbol("s"), () => 1, new Date(0), new Map([["x", 1]]), new Float64Array(4), /re/, new String("s"),
  ]);
  if (depth > 3 || r() < 0.4) return leaf();
  const n = Math.floor(r() * 5);
  switch (Math.floor(r() * 5)) {
    case 0: return Array.from({ length: n }, () => garbage(r, depth + 1));
    case 1: { const a = []; a[n * 3] = garbage(r, depth + 1); return a; } // sparse
    case 2: {
      const o = JSON.parse('{"__proto__":{"x":1},"constructor":1,"hasOwnProperty":2}');
      for (let i = 0; i < n; i++) o[pick([...fieldNames, "op", "id", "kind", "fields", "toString"])] = garbage(r, depth + 1);
      return o;
    }
    case 3: { const o = Object.create(null); o.x = garbage(r, depth + 1); o.from = pick(ids); return o; }
    default: { const a = [garbage(r, depth + 1)]; a.push(a); return a; } // a cycle
  }
}

test("apply never throws on garbage, and the state stays valid", () => {
  for (let seed = 0; seed < 300; seed++) {
    const r = rng(9000 + seed);
    const pick = (/** @type {any[]} */ xs) => xs[Math.floor(r() * xs.length)];
    const s = stateOf(randomOps(r, 30)); // something to hit
    for (let k = 0; k < 10; k++) {
      const ops = [];
      for (let n = Math.floor(r() * 8); n > 0; n--) {
        const op = r() < 0.2 ? garbage(r) : {
          op: r() < 0.8 ? pick(["create", "update", "delete"]) : garbage(r),
          id: r() < 0.8 ? pick(ids) : garbage(r),
          kind: r() < 0.7 ? pick([...Kinds(), "blob"]) : garbage(r),
          fields: r() < 0.8 ? Object.fromEntries(Array.from({ length: 4 }, () => [pick(fieldNames), garbage(r)])) : garbage(r),
        };
        ops.push(op);
      }
      const batch = r() < 0.05 ? garbage(r) : ops;
      assert.doesNotThrow(() => s.apply(batch), `seed ${seed}`);
      // validateOps and decodeOps throw nothing but ModelError either.
      try {
        validateOps(batch);
      } catch (e) {
        assert.ok(e instanceof ModelError, `seed ${seed}: validateOps threw ${e}`);
      }
    }
    checkInvariants(s);
  }
});

test("decodeOps and fromJSON throw only ModelErrors on mangled text", () => {
  const seeds = [
    JSON.stringify([create("n1", "note", { text: "a\"b\\c", x: 1.5, z: "V" }), update("n1", { points: [1, 2], links: ["a"] }), del("x")]),
    JSON.stringify(stateOf([create("a", "note"), create("c", "connector", { from: "a", to: "" }), del("q")])),
  ];
  const bits = ['"', "\\", "\\u", "\\ud800", "{", "}", "[", "]", ",", ":", "1e999", "-", "0", "null", " ", "\u00e9", "\ud800", "x"];
  for (let seed = 0; seed < 3000; seed++) {
    const r = rng(20000 + seed);
    let t = seeds[seed % 2];
    for (let m = 1 + Math.floor(r() * 3); m > 0; m--) {
      const at = Math.floor(r() * (t.length + 1));
      const cut = Math.floor(r() * 3);
      t = t.slice(0, at) + (r() < 0.7 ? bits[Math.floor(r() * bits.length)] : "") + t.slice(at + cut);
    }
    for (const fn of [() => decodeOps(t), () => State.fromJSON(t)]) {
      let out;
      try {
        out = fn();
      } catch (e) {
        assert.ok(e instanceof ModelError, `${t}: threw ${e}`);
        continue;
      }
      if (Array.isArray(out)) {
        assert.doesNotThrow(() => validateOps(out), t);
        assert.deepEqual(decodeOps(JSON.stringify(out)), out, t);
      } else {
        checkInvariants(out);
      }
    }
  }
});

test("apply keeps a board of 10,000 objects consistent (timings reported, never asserted)", (t) => {
  // 5,000 notes, and 5,000 connectors each pointing at two of them, so that
  // every note has about two connectors attached.
  const N = 5000;
  const build = [];
  for (let i = 0; i < N; i++) build.push(create(`n${i}`, "note", { x: i, y: i, text: `note ${i}`, z: "V" }));
  for (let i = 0; i < N; i++) build.push(create(`c${i}`, "connector", { from: `n${i}`, to: `n${(i * 7 + 1) % N}`, arrow: "end" }));
  let start = performance.now();
  const s = new State();
  for (let i = 0; i < build.length; i += 500) s.apply(build.slice(i, i + 500));
  const buildMs = performance.now() - start;
  assert.equal(s.size, 2 * N);

  // Then 20 batches of 500 ops: moves, edits, and deletes of notes, each of
  // which has to detach the connectors pointing at it.
  const batches = [];
  for (let b = 0; b < 20; b++) {
    const ops = [];
    for (let i = 0; i < 500; i++) {
      const k = (b * 500 + i) * 13 % N;
      ops.push(i % 5 === 4 ? del(`n${k}`) : update(`n${k}`, { x: b, y: i, text: `edit ${b}` }));
    }
    batches.push(ops);
  }
  start = performance.now();
  for (const ops of batches) s.apply(ops);
  const applyMs = performance.now() - start;

  start = performance.now();
  const text = s.canonicalJSON();
  const back = State.fromJSON(text);
  const c = s.clone();
  const copyMs = performance.now() - start;
  assert.ok(back.equals(s) && c.equals(s));
  for (const o of s.objects()) {
    if (o.kind !== "connector") continue;
    for (const end of ["from", "to"]) {
      const target = o.fields[end];
      assert.ok(target === undefined || s.get(/** @type {string} */ (target)), `${o.id}.${end} names a deleted object`);
    }
  }
  // Speed belongs in benchmarks, not in assertions that fail on a busy
  // machine; the numbers are reported for a person to read.
  t.diagnostic(`build ${buildMs.toFixed(1)} ms, 10,000 ops ${applyMs.toFixed(1)} ms, JSON round trip and clone ${copyMs.toFixed(1)} ms`);
});
