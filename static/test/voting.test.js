// @ts-check
import test from "node:test";
import assert from "node:assert/strict";
import { State } from "../model.js";
import { votableItems } from "../voting.js";
import { objectLabel, LabelChars } from "../snapshots.js";

test("the votable items are the list entries in cells, challenges told from responses, in list order", () => {
  const s = new State();
  s.apply([
    { op: "create", id: "p1", kind: "frame", fields: { x: 0, y: 0, w: 10, h: 10, label: "Jade" } },
    { op: "create", id: "p1-challenges", kind: "cell", fields: { parent: "p1", x: 0, y: 0, w: 5, h: 5, label: "What gets in the way" } },
    { op: "create", id: "p1-help", kind: "cell", fields: { parent: "p1", x: 5, y: 0, w: 5, h: 5, label: "How we could help" } },
    { op: "create", id: "extra", kind: "cell", fields: { x: 20, y: 0, w: 5, h: 5, label: "More challenges we heard" } },
    { op: "create", id: "r1", kind: "item", fields: { parent: "p1-help", order: "a1", text: "A guarantor scheme" } },
    { op: "create", id: "c2", kind: "item", fields: { parent: "p1-challenges", order: "a2", text: "Waiting lists" } },
    { op: "create", id: "c1", kind: "item", fields: { parent: "p1-challenges", order: "a1", text: "No guarantor" } },
    { op: "create", id: "e1", kind: "item", fields: { parent: "extra", order: "a0", text: "Transport" } },
    { op: "create", id: "n1", kind: "note", fields: { x: 0, y: 0, w: 1, h: 1, text: "not a list entry" } },
  ]);
  assert.deepEqual(votableItems(s), [
    { id: "e1", label: "“Transport”", challenge: true },
    { id: "c1", label: "“No guarantor”", challenge: true },
    { id: "c2", label: "“Waiting lists”", challenge: true },
    { id: "r1", label: "“A guarantor scheme”", challenge: false },
  ]);
});

test("objects are named by their text, shortened, or by their kind", () => {
  assert.equal(objectLabel({ kind: "note", fields: { text: "  Call  the\nGP " } }), "Sticky note: “Call the GP”");
  assert.equal(objectLabel({ kind: "stroke", fields: {} }), "Drawing");
  assert.equal(objectLabel({ kind: "partner", fields: { name: "Youth Futures" } }), "Partner: “Youth Futures”");
  assert.equal(objectLabel(undefined), "Something");
  const long = objectLabel({ kind: "text", fields: { text: "x".repeat(LabelChars + 5) } });
  assert.equal(long, `Text: “${"x".repeat(LabelChars - 1)}…”`);
  assert.equal(objectLabel({ kind: "text", fields: { text: "x".repeat(LabelChars) } }), `Text: “${"x".repeat(LabelChars)}”`);
});
