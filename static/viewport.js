// @ts-check
/**
 * @file Pan and zoom arithmetic. Pure: no DOM.
 *
 * A viewport maps board coordinates to screen coordinates (relative to the
 * canvas element): screen = board × zoom + (x, y).
 */

/** @typedef {{x: number, y: number, zoom: number}} Viewport */

export const MinZoom = 0.1;
export const MaxZoom = 4;

/**
 * Converts a point on the screen (relative to the canvas) to the board.
 * @param {Viewport} vp
 * @param {number} sx
 * @param {number} sy
 */
export function toBoard(vp, sx, sy) {
  return { x: (sx - vp.x) / vp.zoom, y: (sy - vp.y) / vp.zoom };
}

/**
 * Converts a board point to the screen.
 * @param {Viewport} vp
 * @param {number} bx
 * @param {number} by
 */
export function toScreen(vp, bx, by) {
  return { x: bx * vp.zoom + vp.x, y: by * vp.zoom + vp.y };
}

/**
 * Zooms by factor keeping the board point under (sx, sy) where it is.
 * @param {Viewport} vp
 * @param {number} sx
 * @param {number} sy
 * @param {number} factor
 * @returns {Viewport}
 */
export function zoomAt(vp, sx, sy, factor) {
  const zoom = Math.min(MaxZoom, Math.max(MinZoom, vp.zoom * factor));
  const b = toBoard(vp, sx, sy);
  return { zoom, x: sx - b.x * zoom, y: sy - b.y * zoom };
}

/**
 * The viewport that shows the box (board units) centred in a w × h canvas,
 * with a margin, never zooming in past 1.
 * @param {{x: number, y: number, w: number, h: number}} box
 * @param {number} w
 * @param {number} h
 * @returns {Viewport}
 */
export function fit(box, w, h) {
  const margin = 24;
  const zoom = Math.min(1, Math.max(MinZoom, Math.min((w - 2 * margin) / Math.max(box.w, 1), (h - 2 * margin) / Math.max(box.h, 1))));
  return { zoom, x: (w - box.w * zoom) / 2 - box.x * zoom, y: Math.max(margin, (h - box.h * zoom) / 2) - box.y * zoom };
}

/**
 * The bounding box of objects with x, y, w, h (board units), or null.
 * @param {readonly {fields: Record<string, any>}[]} objs
 */
export function bounds(objs) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const o of objs) {
    const f = o.fields;
    if (typeof f.x !== "number" || typeof f.y !== "number") continue;
    x0 = Math.min(x0, f.x);
    y0 = Math.min(y0, f.y);
    x1 = Math.max(x1, f.x + (f.w || 0));
    y1 = Math.max(y1, f.y + (f.h || 0));
  }
  return x0 === Infinity ? null : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}
