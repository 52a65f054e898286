// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { State, decodeOps } from "../model.js";
import { copyObjects, pasteOps } from "../clipboard.js";

test("a copied persona pastes whole, with its references pointing at the copies", () => {
  const s = new State();
  s.apply(decodeOps(JSON.stringify([
    { op: "create", id: "partner-1", kind: "partner", fields: { name: "Housing Trust", tier: "lead", order: "V" } },
    { op: "create", id: "p1", kind: "frame", fields: { title: "Persona", x: 0, y: 0, w: 1240, h: 820 } },
    { op: "create", id: "p1-challenges", kind: "cell", fields: { parent: "p1", role: "list", label: "Challenges", x: 20, y: 380, w: 590, h: 420 } },
    { op: "create", id: "p1-help", kind: "cell", fields: { parent: "p1", role: "list", label: "Help", x: 630, y: 380, w: 590, h: 420 } },
    { op: "create", id: "c1", kind: "item", fields: { parent: "p1-challenges", text: "No stable address", order: "V" } },
    { op: "create", id: "r1", kind: "item", fields: { parent: "p1-help", text: "One plan", order: "V", links: ["c1"], partners: ["partner-1"] } },
    { op: "create", id: "s1", kind: "stroke", fields: { parent: "p1", points: [10, 20, 30, 40] } },
    { op: "create", id: "n1", kind: "note", fields: { x: 2000, y: 0, text: "not copied" } },
  ])));
  const copied = copyObjects(s, ["p1"]);
  assert.deepEqual(copied.map((o) => o.id).sort(), ["c1", "p1", "p1-challenges", "p1-help", "r1", "s1"]);
  let n = 0;
  const { ops, ids } = pasteOps(copied, () => `new${++n}`, 24, 24);
  s.apply(decodeOps(JSON.stringify(ops)));
  assert.equal(s.size, 8 + 6);
  const rename = new Map(copied.map((o, i) => [o.id, ids[i]]));
  const r = /** @type {any} */ (s.get(/** @type {string} */ (rename.get("r1"))));
  assert.deepEqual(r.fields.links, [rename.get("c1")], "the copied response answers the copied challenge");
  assert.deepEqual(r.fields.partners, ["partner-1"], "partners are shared, not copied");
  assert.equal(r.fields.parent, rename.get("p1-help"));
  const f = /** @type {any} */ (s.get(/** @type {string} */ (rename.get("p1"))));
  assert.equal(f.fields.x, 24);
  const st = /** @type {any} */ (s.get(/** @type {string} */ (rename.get("s1"))));
  assert.deepEqual(st.fields.points, [34, 44, 54, 64]);
  assert.equal(/** @type {any} */ (s.get("r1")).fields.links[0], "c1", "the original is untouched");
});
