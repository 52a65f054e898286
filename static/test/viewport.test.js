// @ts-check
import test from "node:test";
import assert from "node:assert/strict";
import { toBoard, toScreen, zoomAt, fit, bounds, MaxZoom } from "../viewport.js";

test("board and screen coordinates round-trip", () => {
  const vp = { x: 30, y: -20, zoom: 0.5 };
  const b = toBoard(vp, 130, 80);
  assert.deepEqual(b, { x: 200, y: 200 });
  assert.deepEqual(toScreen(vp, b.x, b.y), { x: 130, y: 80 });
});

test("zooming keeps the point under the pointer still", () => {
  const vp = { x: 10, y: 10, zoom: 1 };
  const before = toBoard(vp, 400, 300);
  const z = zoomAt(vp, 400, 300, 2);
  assert.equal(z.zoom, 2);
  const after = toBoard(z, 400, 300);
  assert.ok(Math.abs(after.x - before.x) < 1e-9 && Math.abs(after.y - before.y) < 1e-9);
  assert.equal(zoomAt(vp, 0, 0, 1000).zoom, MaxZoom);
});

test("fit shows the whole box and never zooms in past 1", () => {
  const vp = fit({ x: 0, y: 0, w: 1240, h: 820 }, 800, 600);
  assert.ok(vp.zoom < 1);
  const br = toScreen(vp, 1240, 820);
  assert.ok(br.x <= 800 && br.y <= 600);
  assert.equal(fit({ x: 0, y: 0, w: 10, h: 10 }, 800, 600).zoom, 1);
  assert.deepEqual(bounds([{ fields: { x: 5, y: 5, w: 10, h: 10 } }, { fields: { x: -5, y: 0 } }, { fields: {} }]), { x: -5, y: 0, w: 20, h: 15 });
  assert.equal(bounds([]), null);
});
