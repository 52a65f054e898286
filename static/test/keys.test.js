// Fractional index keys: static/model.js must produce exactly the keys Go's
// board.KeyBetween produces, since replicas and the server compute
// positions independently. testdata/keys.json holds Go's answers, printed by
// a throwaway Go program for edge cases, long append/prepend/bisect chains,
// random pairs and a random editing session. Usage: see model.test.js.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { keyBetween, keysBetween, validKey, less, ModelError, MaxKeyBytes, MaxObjects, CodeBadValue, CodeTooLong, CodeOutOfRange } from "../model.js";

const golden = JSON.parse(readFileSync(new URL("../../testdata/keys.json", import.meta.url), "utf8"));

/**
 * Returns the key, or the code of the ModelError, that fn gives.
 * @param {() => unknown} fn
 */
function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    assert.ok(e instanceof ModelError, `threw ${e}, want a ModelError`);
    return { code: e.code };
  }
}

test("keyBetween gives Go's key or error for every pair in keys.json", () => {
  assert.ok(golden.between.length >= 200, `only ${golden.between.length} pairs`);
  for (const { a, b, key, code } of golden.between) {
    const got = outcome(() => keyBetween(a, b));
    assert.deepEqual(got, key !== undefined ? { value: key } : { code }, `keyBetween(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
  }
});

test("keysBetween gives Go's keys or error for every case in keys.json", () => {
  for (const { a, b, n, keys, code } of golden.keysBetween) {
    const got = outcome(() => keysBetween(a, b, n));
    assert.deepEqual(got, keys !== undefined ? { value: keys } : { code }, `keysBetween(${JSON.stringify(a)}, ${JSON.stringify(b)}, ${n})`);
  }
});

test("validKey agrees with Go's ValidKey on keys.json", () => {
  for (const { key, valid } of golden.validKey) assert.equal(validKey(key), valid, JSON.stringify(key));
  for (const notString of [undefined, null, 5, ["V"], { toString: () => "V" }]) assert.equal(validKey(notString), false);
});

test("keyBetween matches Go's TestKeyBetween table", () => {
  const rows = [
    ["", "", "V"], ["V", "", "W"], ["z", "", "zV"], ["zz", "", "zzV"], ["", "V", "U"], ["", "2", "1"],
    ["", "1", "0z"], ["", "1V", "1"], ["", "01", "00z"], ["1", "z", "V"], ["V", "W", "VV"], ["V", "X", "W"],
    ["V", "W1", "W"], ["V", "V1", "V0V"], ["a", "a00001", "a00000V"], ["Vz", "W", "VzV"],
  ];
  for (const [a, b, want] of rows) assert.equal(keyBetween(a, b), want, `keyBetween(${a}, ${b})`);
});

test("keyBetween rejects bad input like Go", () => {
  const long = "z".repeat(MaxKeyBytes);
  const rows = [
    ["V", "V", CodeBadValue], ["W", "V", CodeBadValue], ["a0", "", CodeBadValue], ["", "!", CodeBadValue],
    [long + "z", "", CodeBadValue], [long, "", CodeTooLong],
    ["0".repeat(MaxKeyBytes - 1) + "1", "0".repeat(MaxKeyBytes - 1) + "2", CodeTooLong],
    [undefined, "", CodeBadValue], ["", null, CodeBadValue], [1, 2, CodeBadValue],
  ];
  for (const [a, b, code] of rows) assert.deepEqual(outcome(() => keyBetween(/** @type {any} */ (a), /** @type {any} */ (b))), { code });
  for (const n of [-1, MaxObjects + 1, 1.5, NaN, Infinity, "3"]) {
    assert.deepEqual(outcome(() => keysBetween("", "", /** @type {any} */ (n))), { code: CodeOutOfRange }, String(n));
  }
  assert.deepEqual(outcome(() => keysBetween("W", "V", 0)), { code: CodeBadValue });
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

test("random insertions keep keys valid, ordered, unique and short (Go's TestKeyRandomInsertions)", () => {
  const r = rng(1);
  /** @type {string[]} */
  const keys = [];
  for (let n = 0; n < 5000; n++) {
    const i = Math.floor(r() * (keys.length + 1)); // insert before keys[i]
    const a = keys[i - 1] ?? "";
    const b = keys[i] ?? "";
    const k = keyBetween(a, b);
    assert.ok(validKey(k) && (a === "" || a < k) && (b === "" || k < b), `${a} < ${k} < ${b}`);
    keys.splice(i, 0, k);
  }
  for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1] < keys[i]);
  assert.ok(Math.max(...keys.map((k) => k.length)) <= 12);
});

test("keysBetween spreads n ordered keys over the gap", () => {
  for (const [a, b, n] of [["", "", 100], ["V", "W", 50], ["", "1", 30], ["z", "", 62], ["a", "a00001", 17]]) {
    const keys = keysBetween(a, b, n);
    assert.equal(keys.length, n);
    const all = [a, ...keys, b].filter((k) => k !== "");
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1] < all[i], `${all[i - 1]} < ${all[i]}`);
    assert.ok(keys.every(validKey));
  }
  assert.deepEqual(keysBetween("", "", 0), []);
  assert.equal(keysBetween("", "", MaxObjects).length, MaxObjects);
});

test("less orders by key, then by id, as Go compares strings", () => {
  assert.equal(less("V", "b", "W", "a"), true);
  assert.equal(less("W", "a", "V", "b"), false);
  assert.equal(less("V", "a", "V", "b"), true);
  assert.equal(less("V", "b", "V", "a"), false);
  assert.equal(less("V", "a", "V", "a"), false);
  assert.equal(less("V", "i4", "V", "i5"), true); // the tie in list-reorder-order-keys.json
  assert.equal(less("", "a", "V", "a"), true);
  // Go compares UTF-8 bytes: U+FF5E sorts before U+1F600, unlike in UTF-16.
  assert.equal(less("\uff5e", "a", "\u{1f600}", "a"), true);
  assert.equal(less("\u{1f600}", "a", "\uff5e", "a"), false);
  const ids = ["b", "a", "C", "a1", "_", "-", "9"].sort((x, y) => (less("V", x, "V", y) ? -1 : less("V", y, "V", x) ? 1 : 0));
  assert.deepEqual(ids, ["-", "9", "C", "_", "a", "a1", "b"]);
});
