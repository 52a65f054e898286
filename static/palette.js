// @ts-check
/**
 * @file The colours people can give things. Each entry has a pale fill (for
 * notes and shapes, with dark text on it) and a dark ink (for pen strokes,
 * connectors and text), both meeting WCAG AA contrast against what they sit
 * on. Pure: no DOM.
 */

/** @type {readonly {name: string, fill: string, ink: string}[]} */
export const PALETTE = Object.freeze([
  { name: "Yellow", fill: "#fff1b8", ink: "#1f2933" },
  { name: "Green", fill: "#cdeccf", ink: "#1d6b3f" },
  { name: "Blue", fill: "#cfe3f7", ink: "#1f4f82" },
  { name: "Pink", fill: "#f7d4e6", ink: "#9c2463" },
  { name: "Orange", fill: "#fbdcc0", ink: "#9a4400" },
  { name: "Grey", fill: "#e4e7eb", ink: "#3e4c59" },
]);

/** Kinds whose colour is a fill; the others use ink. */
const FILLED = new Set(["note", "shape", "frame", "card", "cell"]);

/**
 * The colour to store for an object of kind in palette entry i.
 * @param {string} kind
 * @param {number} i
 */
export function colorFor(kind, i) {
  const c = PALETTE[i] || PALETTE[0];
  return FILLED.has(kind) ? c.fill : c.ink;
}
