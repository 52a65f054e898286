// @ts-check
import test from "node:test";
import assert from "node:assert/strict";
import { parsePartners } from "../partners.js";

test("one partner per line, tier after the last comma, core by default", () => {
  const r = parsePartners("Housing Trust, lead\n\nGP surgery, Core\nSmith, Jones and Co, wider\nFood bank");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.partners, [
    { name: "Housing Trust", tier: "lead" },
    { name: "GP surgery", tier: "core" },
    { name: "Smith, Jones and Co", tier: "wider" },
    { name: "Food bank", tier: "core" },
  ]);
});

test("unknown tiers, empty names and repeats are explained", () => {
  const r = parsePartners("A, boss\n, lead\nB\nb, wider");
  assert.equal(r.partners.length, 1);
  assert.equal(r.errors.length, 3);
});
