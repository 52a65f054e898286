// @ts-check
import test from "node:test";
import assert from "node:assert/strict";
import { State } from "../model.js";
import { History, invert, resolve } from "../undo.js";

let n = 0;
const fresh = () => `new${++n}`;

/** @param {State} s @param {History} h @param {any[]} ops @param {string} [group] */
function edit(s, h, ops, group) {
  h.record(s, ops, group);
  s.apply(ops);
}

test("undo of a create deletes; redo re-creates under a new id", () => {
  const s = new State(), h = new History();
  edit(s, h, [{ op: "create", id: "a", kind: "note", fields: { text: "hi", x: 1 } }]);
  const u = h.undo(s, fresh);
  assert.deepEqual(u, [{ op: "delete", id: "a" }]);
  s.apply(/** @type {any} */ (u));
  const r = /** @type {any[]} */ (h.redo(s, fresh));
  assert.equal(r[0].op, "create");
  assert.notEqual(r[0].id, "a");
  assert.equal(r[0].fields.text, "hi");
  s.apply(r);
  // Undo again targets the new id.
  assert.deepEqual(h.undo(s, fresh), [{ op: "delete", id: r[0].id }]);
});

test("undo of an update restores only the touched fields", () => {
  const s = new State(), h = new History();
  s.apply([{ op: "create", id: "a", kind: "note", fields: { text: "one" } }]);
  edit(s, h, [{ op: "update", id: "a", fields: { text: "two", color: "#ff0000" } }]);
  s.apply([{ op: "update", id: "a", fields: { x: 50 } }]); // someone else
  const u = /** @type {any[]} */ (h.undo(s, fresh));
  assert.deepEqual(u, [{ op: "update", id: "a", fields: { text: "one", color: null } }]);
  s.apply(u);
  assert.equal(s.get("a")?.fields.x, 50);
  const r = /** @type {any[]} */ (h.redo(s, fresh));
  assert.deepEqual(r, [{ op: "update", id: "a", fields: { text: "two", color: "#ff0000" } }]);
});

test("grouped typing is one step", () => {
  const s = new State(), h = new History();
  s.apply([{ op: "create", id: "c", kind: "cell", fields: { text: "" } }]);
  edit(s, h, [{ op: "update", id: "c", fields: { text: "J" } }], "c.text");
  edit(s, h, [{ op: "update", id: "c", fields: { text: "Ja" } }], "c.text");
  edit(s, h, [{ op: "update", id: "c", fields: { text: "Jade" } }], "c.text");
  s.apply(/** @type {any} */ (h.undo(s, fresh)));
  assert.equal(s.get("c")?.fields.text, "");
  assert.equal(h.canUndo(), false);
});

test("undo of a delete re-creates with a new id and re-attaches what pointed at it", () => {
  const s = new State(), h = new History();
  s.apply([
    { op: "create", id: "ch", kind: "item", fields: { text: "No GP", parent: "cells" } },
    { op: "create", id: "resp", kind: "item", fields: { text: "Outreach", links: ["ch"] } },
    { op: "create", id: "n2", kind: "note", fields: {} },
    { op: "create", id: "k", kind: "connector", fields: { from: "ch", to: "n2" } },
  ]);
  edit(s, h, [{ op: "delete", id: "ch" }]);
  assert.equal(s.get("k")?.fields.from, undefined);
  const u = /** @type {any[]} */ (h.undo(s, fresh));
  s.apply(u);
  const created = u[0].id;
  assert.notEqual(created, "ch");
  assert.equal(s.get(created)?.fields.text, "No GP");
  assert.equal(s.get("k")?.fields.from, created);
  assert.deepEqual(s.get("resp")?.fields.links, [created]);
  // Redo deletes the copy.
  const r = /** @type {any[]} */ (h.redo(s, fresh));
  assert.deepEqual(r.at(-1), { op: "delete", id: created });
  s.apply(r);
  assert.equal(s.get(created), undefined);
});

test("edits to objects someone else deleted are skipped", () => {
  const s = new State(), h = new History();
  s.apply([{ op: "create", id: "a", kind: "note", fields: { text: "x" } }, { op: "create", id: "b", kind: "note", fields: { text: "y" } }]);
  edit(s, h, [{ op: "update", id: "a", fields: { text: "x2" } }]);
  edit(s, h, [{ op: "update", id: "b", fields: { text: "y2" } }]);
  s.apply([{ op: "delete", id: "b" }]); // someone else
  assert.deepEqual(h.undo(s, fresh), [{ op: "update", id: "a", fields: { text: "x" } }]);
});

test("invert of a batch that deletes a connected pair", () => {
  const s = new State();
  s.apply([{ op: "create", id: "a", kind: "note", fields: {} }, { op: "create", id: "k", kind: "connector", fields: { from: "a" } }]);
  const ops = [{ op: "delete", id: "a" }, { op: "delete", id: "k" }];
  const inv = invert(s, ops);
  s.apply(ops);
  const remap = new Map();
  const out = resolve(s, inv, remap, fresh);
  s.apply(out);
  const k2 = /** @type {string} */ (remap.get("k")), a2 = /** @type {string} */ (remap.get("a"));
  assert.equal(s.get(k2)?.fields.from, a2);
});

test("a re-created persona keeps its cells' id pattern", () => {
  const s = new State(), h = new History();
  s.apply([
    { op: "create", id: "p1", kind: "frame", fields: { title: "Persona" } },
    { op: "create", id: "p1-challenges", kind: "cell", fields: { parent: "p1", role: "list" } },
    { op: "create", id: "p1-help", kind: "cell", fields: { parent: "p1", role: "list" } },
  ]);
  edit(s, h, [{ op: "delete", id: "p1-challenges" }, { op: "delete", id: "p1-help" }, { op: "delete", id: "p1" }]);
  const u = /** @type {any[]} */ (h.undo(s, fresh));
  s.apply(u);
  const frame = u[0].id;
  assert.equal(u[0].kind, "frame");
  assert.ok(s.get(`${frame}-help`));
  assert.equal(s.get(`${frame}-challenges`)?.fields.parent, frame);
});
