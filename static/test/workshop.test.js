// @ts-check
import test from "node:test";
import assert from "node:assert/strict";
import { remaining, formatCountdown, spokenCountdown, gotoPath, gotoText } from "../workshop.js";

test("countdowns allow for the clock offset and read plainly", () => {
  // Server clock 5 s ahead of ours; timer ends 65 s after server now.
  assert.equal(remaining(1_065_000, 5000, 995_000), 65_000);
  assert.equal(remaining(0, 0, 1), 0);
  assert.equal(remaining(10, 0, 20), 0);
  assert.equal(formatCountdown(65_000), "1:05");
  assert.equal(formatCountdown(3_729_000), "1:02:09");
  assert.equal(formatCountdown(0), "0:00");
  assert.equal(formatCountdown(400), "0:01");
  assert.equal(spokenCountdown(61_000), "1 minute 1 second left");
  assert.equal(spokenCountdown(0), "Time is up");
});

test("goto only follows board ids", () => {
  assert.equal(gotoPath("aB3-_"), "/b/aB3-_");
  assert.equal(gotoPath("../evil"), "");
  assert.equal(gotoPath("https://example.org"), "");
  assert.equal(gotoPath(3), "");
  assert.match(gotoText("gather"), /together/);
});
