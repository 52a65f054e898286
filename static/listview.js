// @ts-check
/**
 * @file The list view: the whole board as a document — headings, lists and
 * text in reading order — for screen readers, keyboards and anyone who
 * finds a canvas hard to follow. Each entry has a "Show on the board"
 * button that takes the person to the object itself, where it can be
 * edited. The view is rebuilt from the board's state; it holds nothing of
 * its own.
 */

import { el } from "./api.js";
import { objectLabel } from "./snapshots.js";

/**
 * @typedef {{id: string, kind: string, fields: Record<string, any>}} BoardObject
 * @typedef {{get(id: string): BoardObject | undefined, objects(): BoardObject[]}} View
 */

/** @param {any} v */
const str = (v) => (typeof v === "string" ? v : "");

/**
 * Reading order: top to bottom, then left to right; list entries by their
 * order key.
 * @param {BoardObject} a
 * @param {BoardObject} b
 */
function byPlace(a, b) {
  const oa = str(a.fields.order), ob = str(b.fields.order);
  if (oa !== ob) return oa < ob ? -1 : 1;
  const ya = Number(a.fields.y) || 0, yb = Number(b.fields.y) || 0;
  if (Math.abs(ya - yb) > 20) return ya - yb;
  return (Number(a.fields.x) || 0) - (Number(b.fields.x) || 0);
}

/** Kinds shown inside something else, never on their own. */
const INSIDE = new Set(["cell", "item", "referral", "stroke", "partner"]);

/**
 * Builds the list view of view into container.
 * @param {HTMLElement} container
 * @param {View} view
 * @param {(id: string) => void} show takes the person to an object on the board
 */
export function renderListView(container, view, show) {
  const all = view.objects();
  /** @type {Map<string, BoardObject[]>} */
  const children = new Map();
  for (const o of all) {
    const p = str(o.fields.parent);
    if (!p) continue;
    const l = children.get(p) || [];
    l.push(o);
    children.set(p, l);
  }
  const kids = (/** @type {string} */ id, /** @type {string} */ kind) => (children.get(id) || []).filter((c) => c.kind === kind).sort(byPlace);
  const name = (/** @type {string} */ id) => {
    const o = view.get(id);
    return o ? str(o.fields.name) || str(o.fields.text) || "someone" : "someone";
  };

  /** @param {string} id @param {string} what */
  const showButton = (id, what) => {
    const b = /** @type {HTMLButtonElement} */ (el("button", "Show on the board", "secondary list-show"));
    b.type = "button";
    b.setAttribute("aria-label", `Show on the board: ${what}`);
    b.addEventListener("click", () => show(id));
    return b;
  };

  /** @param {BoardObject} it */
  const itemEntry = (it) => {
    const li = el("li");
    li.dataset.id = it.id;
    const text = str(it.fields.text).trim() || "(no text yet)";
    li.append(el("span", text));
    const notes = [];
    const links = Array.isArray(it.fields.links) ? it.fields.links.map((/** @type {string} */ id) => str(view.get(id)?.fields.text).trim()).filter(Boolean) : [];
    if (links.length) notes.push(`answers: ${links.join("; ")}`);
    const partners = Array.isArray(it.fields.partners) ? it.fields.partners.map(name) : [];
    if (partners.length) notes.push(`partners: ${partners.join(", ")}`);
    if (it.fields.jointly === true) notes.push("only possible jointly");
    if (str(it.fields.owner)) notes.push(`who: ${str(it.fields.owner)}`);
    if (str(it.fields.due)) notes.push(`by ${str(it.fields.due)}`);
    for (const r of kids(it.id, "referral")) {
      notes.push(`referral from ${name(str(r.fields.from))} to ${name(str(r.fields.to))}${str(r.fields.reason) ? ` for ${str(r.fields.reason)}` : ""}`);
    }
    if (notes.length) li.append(el("span", ` (${notes.join("; ")})`, "muted"));
    return li;
  };

  /** @param {BoardObject} cell */
  const cellEntry = (cell) => {
    const li = el("li", undefined, "list-cell");
    li.dataset.id = cell.id;
    const label = str(cell.fields.label) || "Cell";
    li.append(el("h4", label));
    if (str(cell.fields.role) === "list") {
      const items = kids(cell.id, "item");
      if (items.length === 0) li.append(el("p", "Nothing here yet.", "muted"));
      else {
        const ol = el("ol");
        ol.append(...items.map(itemEntry));
        li.append(ol);
      }
    } else {
      const text = str(cell.fields.text).trim();
      li.append(el("p", text || "(empty)", text ? "" : "muted"));
    }
    li.append(showButton(cell.id, label));
    return li;
  };

  const sections = [];
  const frames = all.filter((o) => o.kind === "frame").sort(byPlace);
  for (const f of frames) {
    const sec = el("section", undefined, "list-frame");
    sec.dataset.id = f.id;
    const heading = str(view.get(`${f.id}-name`)?.fields.text).trim();
    sec.append(el("h3", heading ? `${str(f.fields.label) || "Frame"}: ${heading}` : str(f.fields.label) || "Frame"));
    const ul = el("ul", undefined, "list-cells");
    ul.append(...kids(f.id, "cell").map(cellEntry));
    sec.append(ul);
    sections.push(sec);
  }
  // Cells outside any frame, and everything else placed on the board.
  const onCard = (/** @type {BoardObject} */ o) => view.get(str(o.fields.parent))?.kind === "card";
  const loose = all.filter((o) => (o.kind === "cell" && !view.get(str(o.fields.parent))) ||
    (!INSIDE.has(o.kind) && o.kind !== "frame" && o.id !== "language-terms" && !onCard(o))).sort(byPlace);
  if (loose.length) {
    const sec = el("section", undefined, "list-frame");
    sec.append(el("h3", frames.length ? "Everything else on the board" : "On the board"));
    const ul = el("ul", undefined, "list-cells");
    for (const o of loose) {
      if (o.kind === "cell") {
        ul.append(cellEntry(o));
        continue;
      }
      const li = el("li");
      li.dataset.id = o.id;
      const what = objectLabel(o);
      li.append(el("span", what));
      const notes = kids(o.id, "note");
      if (notes.length) {
        const nl = el("ul");
        nl.append(...notes.map((n) => el("li", `Note: ${str(n.fields.text).trim() || "(empty)"}`)));
        li.append(nl);
      }
      li.append(showButton(o.id, what));
      ul.append(li);
    }
    sec.append(ul);
    sections.push(sec);
  }
  const partners = all.filter((o) => o.kind === "partner").sort(byPlace);
  if (partners.length) {
    const sec = el("section", undefined, "list-frame");
    sec.append(el("h3", "Partners"));
    const ul = el("ul");
    ul.append(...partners.map((p) => el("li", `${str(p.fields.name)}${str(p.fields.tier) ? ` (${str(p.fields.tier)})` : ""}`)));
    sec.append(ul);
    sections.push(sec);
  }
  if (sections.length === 0) sections.push(el("p", "This board is empty.", "muted"));
  container.replaceChildren(...sections);
}
