// @ts-check
/**
 * @file Draws the board's objects into the canvas and keeps them up to
 * date. Every rendered object is an element with data-id and data-kind (the
 * DOM contract in the tests). Rendering is a reconcile: elements are made
 * once per object and then only changed where the state changed, so focus,
 * the caret and scroll positions survive remote edits.
 *
 * User text is only ever set with textContent or .value, never as HTML.
 */

import { less } from "./model.js";
import { TERMS_ID } from "./language.js";

const SVG = "http://www.w3.org/2000/svg";

/** @typedef {import("./model.js").BoardObject} BoardObject */
/** @typedef {import("./model.js").State} State */

/**
 * What the renderer needs to know besides the state.
 * @typedef {object} RenderContext
 * @property {Set<string>} selected ids of the selected objects
 * @property {Map<string, string[]>} editing object id → names of others editing it
 * @property {(el: HTMLTextAreaElement | HTMLInputElement) => boolean} isDirty the field has unsent typing
 */

/**
 * @param {string} tag
 * @param {string} [cls]
 * @param {string} [text]
 * @returns {HTMLElement}
 */
export function h(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @returns {SVGElement}
 */
function s(tag, attrs = {}) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/**
 * Sets a text field's value unless the person is typing in it, keeping the
 * caret where it was.
 * @param {HTMLTextAreaElement | HTMLInputElement} el
 * @param {string} value
 * @param {RenderContext} ctx
 */
function setValue(el, value, ctx) {
  if (el.value === value) return;
  const focused = document.activeElement === el;
  if (focused && ctx.isDirty(el)) return;
  if (focused) {
    const a = el.selectionStart ?? value.length, b = el.selectionEnd ?? value.length;
    el.value = value;
    el.setSelectionRange(Math.min(a, value.length), Math.min(b, value.length));
  } else {
    el.value = value;
  }
}

/**
 * @param {Element} el
 * @param {string} text
 */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * @param {HTMLElement} el
 * @param {Record<string, any>} f
 */
function place(el, f) {
  const st = el.style;
  const x = `${num(f.x)}px`, y = `${num(f.y)}px`;
  if (st.left !== x) st.left = x;
  if (st.top !== y) st.top = y;
  if (typeof f.w === "number") st.width = `${f.w}px`;
  if (typeof f.h === "number") st.height = `${f.h}px`;
}

/** @param {any} v */
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
/** @param {any} v */
const str = (v) => (typeof v === "string" ? v : "");

/**
 * Sorts objects by their order key (ties by id), as every replica does.
 * @param {Readonly<BoardObject>[]} list
 */
export function byOrder(list) {
  return list.sort((a, b) => {
    const ka = str(a.fields.order) || "V", kb = str(b.fields.order) || "V";
    return less(ka, a.id, kb, b.id) ? -1 : less(kb, b.id, ka, a.id) ? 1 : 0;
  });
}

/**
 * The challenge cell that a response cell's items link to: "p1-help" →
 * "p1-challenges", "map-responses" → "map-challenges" (any "X-help" or
 * "X-responses" → "X-challenges"); "" for other cells.
 * @param {string} cellID
 */
export function challengeCellOf(cellID) {
  for (const suffix of ["-help", "-responses"]) {
    if (cellID.endsWith(suffix) && cellID.length > suffix.length) return cellID.slice(0, -suffix.length) + "-challenges";
  }
  return "";
}

/** Layers: frames under cells under everything else. @param {string} kind */
function layer(kind) {
  return kind === "frame" ? 0 : kind === "cell" ? 1 : 2;
}

export class Renderer {
  /**
   * @param {HTMLElement} world the transformed layer of the canvas
   * @param {SVGSVGElement} ink the board-wide svg (connectors, free strokes)
   * @param {HTMLElement} partnersList the list of partners
   */
  constructor(world, ink, partnersList) {
    this.world = world;
    this.ink = ink;
    this.partnersList = partnersList;
    /** @type {Map<string, Element>} */
    this.els = new Map();
  }

  /**
   * The element of an object, if rendered.
   * @param {string} id
   */
  el(id) {
    return this.els.get(id);
  }

  /**
   * Brings the DOM up to date with state.
   * @param {State} state
   * @param {RenderContext} ctx
   */
  render(state, ctx) {
    const objs = state.objects();
    /** @type {Map<string, Readonly<BoardObject>[]>} */
    const children = new Map();
    for (const o of objs) {
      const p = str(o.fields.parent);
      if (p === "") continue;
      let l = children.get(p);
      if (!l) children.set(p, (l = []));
      l.push(o);
    }
    const partners = byOrder(objs.filter((o) => o.kind === "partner"));
    /** @type {Set<string>} */
    const seen = new Set();
    const top = [];
    for (const o of objs) {
      if (o.id === TERMS_ID && o.kind === "text") continue;
      const parent = str(o.fields.parent) !== "" ? state.get(str(o.fields.parent)) : undefined;
      // Items live in their list cell, referrals in their item, strokes
      // in their picture cell; everything else is placed on the board.
      if (o.kind === "item" && parent && parent.kind === "cell" && parent.fields.role === "list") continue;
      if (o.kind === "referral" && parent && parent.kind === "item") continue;
      if (o.kind === "stroke" && parent && parent.kind === "cell" && parent.fields.role === "picture") continue;
      if (o.kind === "partner") continue;
      // An item or referral whose list is gone has nowhere to be shown.
      if (o.kind === "item" || o.kind === "referral") continue;
      top.push(o);
    }
    top.sort((a, b) => {
      const la = layer(a.kind), lb = layer(b.kind);
      if (la !== lb) return la - lb;
      const za = str(a.fields.z) || "V", zb = str(b.fields.z) || "V";
      return less(za, a.id, zb, b.id) ? -1 : less(zb, b.id, za, a.id) ? 1 : 0;
    });
    let rank = 1;
    for (const o of top) {
      if (o.kind === "connector" || o.kind === "stroke") {
        this.inkObject(o, state, seen);
        continue;
      }
      const el = /** @type {HTMLElement} */ (this.ensure(o, () => this.make(o)));
      if (el.parentElement !== this.world) this.world.append(el);
      seen.add(o.id);
      el.style.zIndex = String(rank++);
      this.update(el, o, state, children, partners, seen, ctx);
    }
    this.renderPartners(partners, seen);
    for (const [id, el] of this.els) {
      if (!seen.has(id)) {
        el.remove();
        this.els.delete(id);
      }
    }
    // Who is editing what.
    for (const m of Array.from(this.world.querySelectorAll(".editing-marker"))) {
      const owner = m.parentElement?.closest("[data-id]");
      const id = owner instanceof HTMLElement ? owner.dataset.id || "" : "";
      if (!ctx.editing.has(id)) m.remove();
    }
    for (const [id, names] of ctx.editing) {
      const el = this.els.get(id);
      if (!el) continue;
      let m = el.querySelector(":scope > .editing-marker");
      if (!m) {
        m = h("span", "editing-marker");
        el.append(m);
      }
      setText(m, names.length === 1 ? `${names[0]} is editing` : `${names.join(" and ")} are editing`);
    }
    for (const [id, el] of this.els) el.classList.toggle("selected", ctx.selected.has(id));
  }

  /**
   * @param {Readonly<BoardObject>} o
   * @param {() => Element} make
   */
  ensure(o, make) {
    let el = this.els.get(o.id);
    if (el && el.getAttribute("data-kind") !== o.kind) {
      el.remove();
      el = undefined;
    }
    if (!el) {
      el = make();
      el.setAttribute("data-id", o.id);
      el.setAttribute("data-kind", o.kind);
      this.els.set(o.id, el);
    }
    return el;
  }

  /**
   * Makes the element of a board-level object.
   * @param {Readonly<BoardObject>} o
   * @returns {HTMLElement}
   */
  make(o) {
    const el = h("div", `obj obj-${o.kind}`);
    switch (o.kind) {
      case "frame":
        el.append(h("h2", "frame-title"));
        break;
      case "cell": {
        const label = h("h3", "cell-label");
        label.id = `label-${o.id}`;
        el.append(label);
        break;
      }
      case "note": {
        const ta = /** @type {HTMLTextAreaElement} */ (h("textarea", "note-text"));
        ta.setAttribute("aria-label", "Sticky note");
        ta.dataset.field = "text";
        el.append(ta);
        break;
      }
      case "text": {
        const ta = /** @type {HTMLTextAreaElement} */ (h("textarea", "free-text"));
        ta.setAttribute("aria-label", "Text");
        ta.dataset.field = "text";
        el.append(ta);
        break;
      }
      case "shape": {
        const svg = s("svg", { class: "shape-outline", "aria-hidden": "true", preserveAspectRatio: "none", viewBox: "0 0 100 100" });
        el.append(svg);
        const ta = /** @type {HTMLTextAreaElement} */ (h("textarea", "shape-text"));
        ta.setAttribute("aria-label", "Text in shape");
        ta.dataset.field = "text";
        el.append(ta);
        break;
      }
      case "card":
        el.append(h("p", "card-theme"), h("p", "card-prompt"));
        {
          const add = h("button", "card-add-note secondary", "+ Add a note");
          add.setAttribute("type", "button");
          el.append(add);
        }
        break;
      default:
        el.append(h("p", "unknown-kind"));
    }
    if (o.kind === "note" || o.kind === "text" || o.kind === "shape" || o.kind === "frame") {
      const grip = h("span", "resize-handle");
      grip.setAttribute("aria-hidden", "true");
      el.append(grip);
    }
    el.tabIndex = -1;
    return el;
  }

  /**
   * @param {HTMLElement} el
   * @param {Readonly<BoardObject>} o
   * @param {State} state
   * @param {Map<string, Readonly<BoardObject>[]>} children
   * @param {Readonly<BoardObject>[]} partners
   * @param {Set<string>} seen
   * @param {RenderContext} ctx
   */
  update(el, o, state, children, partners, seen, ctx) {
    const f = o.fields;
    place(el, f);
    const color = str(f.color);
    if (el.dataset.color !== color) {
      el.dataset.color = color;
      if (color) el.style.setProperty("--obj-color", color);
      else el.style.removeProperty("--obj-color");
    }
    switch (o.kind) {
      case "frame":
        setText(/** @type {Element} */ (el.querySelector(".frame-title")), str(f.title) || "Frame");
        break;
      case "cell":
        this.updateCell(el, o, state, children, partners, seen, ctx);
        break;
      case "note":
      case "text":
        setValue(/** @type {HTMLTextAreaElement} */ (el.querySelector("textarea")), str(f.text), ctx);
        if (o.kind === "text") el.style.fontSize = `${num(f.fontSize) || 20}px`;
        break;
      case "shape": {
        const svg = /** @type {SVGElement} */ (el.querySelector(".shape-outline"));
        const shape = str(f.shape) || "rect";
        if (svg.dataset.shape !== shape) {
          svg.dataset.shape = shape;
          svg.replaceChildren(shapeOutline(shape));
        }
        setValue(/** @type {HTMLTextAreaElement} */ (el.querySelector("textarea")), str(f.text), ctx);
        break;
      }
      case "card":
        // label is the theme's title as the card's deck names it (deck.js cardFields).
        setText(/** @type {Element} */ (el.querySelector(".card-theme")), str(f.label) || themeName(str(f.theme)));
        setText(/** @type {Element} */ (el.querySelector(".card-prompt")), str(f.prompt));
        {
          const add = /** @type {Element} */ (el.querySelector(".card-add-note"));
          const name = `Add a note to the card “${str(f.prompt).slice(0, 60)}”`;
          if (add.getAttribute("aria-label") !== name) add.setAttribute("aria-label", name);
        }
        break;
      default:
        setText(/** @type {Element} */ (el.querySelector(".unknown-kind")), o.kind);
    }
  }

  /**
   * @param {HTMLElement} el
   * @param {Readonly<BoardObject>} o
   * @param {State} state
   * @param {Map<string, Readonly<BoardObject>[]>} children
   * @param {Readonly<BoardObject>[]} partners
   * @param {Set<string>} seen
   * @param {RenderContext} ctx
   */
  updateCell(el, o, state, children, partners, seen, ctx) {
    const f = o.fields;
    const label = str(f.label);
    setText(/** @type {Element} */ (el.querySelector(".cell-label")), label);
    const role = str(f.role) || "text";
    if (el.dataset.role !== role) {
      el.dataset.role = role;
      for (const c of Array.from(el.children)) if (!c.classList.contains("cell-label")) c.remove();
      if (role === "text") {
        const ta = /** @type {HTMLTextAreaElement} */ (h("textarea", "cell-text"));
        ta.dataset.field = "text";
        el.append(ta);
      } else if (role === "list") {
        const ol = h("ol", "cell-items");
        ol.setAttribute("aria-labelledby", `label-${o.id}`);
        const add = h("button", "add-item", "+ Add an item");
        add.setAttribute("type", "button");
        el.append(ol, add);
      } else {
        const svg = s("svg", { class: "cell-drawing", role: "img" });
        el.insertBefore(svg, el.firstChild);
        // The picture in words: what keyboard and screen-reader users
        // read and write instead of the drawing.
        // It lets the pointer through to the drawing until it has the
        // focus (Tab, or the button), so drawing works to the very edge.
        const describe = h("button", "picture-describe secondary", "Describe in words");
        describe.setAttribute("type", "button");
        const ta = /** @type {HTMLTextAreaElement} */ (h("textarea", "cell-text picture-text"));
        ta.dataset.field = "text";
        ta.rows = 2;
        ta.placeholder = "Describe the picture in words";
        el.append(describe, ta);
      }
    }
    if (role === "text") {
      const ta = /** @type {HTMLTextAreaElement} */ (el.querySelector(".cell-text"));
      if (ta.getAttribute("aria-label") !== label) ta.setAttribute("aria-label", label);
      setValue(ta, str(f.text), ctx);
    } else if (role === "list") {
      const add = /** @type {HTMLElement} */ (el.querySelector(".add-item"));
      const what = o.id.endsWith("-challenges") ? "challenge" : challengeCellOf(o.id) ? "response" : "item";
      setText(add, `+ Add a ${what}`);
      add.setAttribute("aria-label", `Add a ${what} to “${label}”`);
      const ol = /** @type {HTMLElement} */ (el.querySelector(".cell-items"));
      const items = byOrder((children.get(o.id) || []).filter((c) => c.kind === "item"));
      const linkCell = challengeCellOf(o.id);
      const challenges = linkCell ? byOrder((children.get(linkCell) || []).filter((c) => c.kind === "item")) : [];
      /** @type {Element | null} */
      let prev = null;
      for (const it of items) {
        const li = /** @type {HTMLElement} */ (this.ensure(it, () => makeItem()));
        seen.add(it.id);
        const want = /** @type {ChildNode | null} */ (prev ? prev.nextSibling : ol.firstChild);
        if (li.parentElement !== ol || want !== li) ol.insertBefore(li, want);
        prev = li;
        const ta = li.querySelector(".item-text");
        const name = `${label || "List"}, ${what} ${ol.children.length > 0 ? Array.prototype.indexOf.call(ol.children, li) + 1 : 1}`;
        if (ta && ta.getAttribute("aria-label") !== name) ta.setAttribute("aria-label", name);
        this.updateItem(li, it, state, children, partners, challenges, linkCell !== "", seen, ctx);
      }
    } else {
      const svg = /** @type {SVGSVGElement} */ (el.querySelector(".cell-drawing"));
      svg.setAttribute("viewBox", `${num(f.x)} ${num(f.y)} ${Math.max(1, num(f.w))} ${Math.max(1, num(f.h))}`);
      const words = str(f.text).trim();
      svg.setAttribute("aria-label", words ? `${label}: ${words}` : `${label}: a drawing area. Draw with a pointer, or describe the picture in words below.`);
      const ta = /** @type {HTMLTextAreaElement} */ (el.querySelector(".picture-text"));
      if (ta.getAttribute("aria-label") !== `${label}, in words`) ta.setAttribute("aria-label", `${label}, in words`);
      setValue(ta, str(f.text), ctx);
      for (const st of children.get(o.id) || []) {
        if (st.kind !== "stroke") continue;
        const p = /** @type {SVGPathElement} */ (this.ensure(st, () => s("path")));
        seen.add(st.id);
        if (p.parentNode !== svg) svg.append(p);
        updateStroke(p, st);
      }
    }
  }

  /**
   * @param {HTMLElement} li
   * @param {Readonly<BoardObject>} it
   * @param {State} state
   * @param {Map<string, Readonly<BoardObject>[]>} children
   * @param {Readonly<BoardObject>[]} partners
   * @param {Readonly<BoardObject>[]} challenges
   * @param {boolean} isResponse
   * @param {Set<string>} seen
   * @param {RenderContext} ctx
   */
  updateItem(li, it, state, children, partners, challenges, isResponse, seen, ctx) {
    const f = it.fields;
    const input = /** @type {HTMLTextAreaElement} */ (li.querySelector(".item-text"));
    setValue(input, str(f.text), ctx);
    const extra = /** @type {HTMLElement} */ (li.querySelector(".item-extra"));
    // A meeting's actions say who does them and by when.
    if (str(f.parent).endsWith("-actions")) {
      if (!extra.querySelector(".item-action")) extra.replaceChildren(makeActionParts());
      setValue(/** @type {HTMLInputElement} */ (extra.querySelector(".item-owner")), str(f.owner), ctx);
      setValue(/** @type {HTMLInputElement} */ (extra.querySelector(".item-due")), str(f.due), ctx);
      return;
    }
    if (!isResponse) {
      if (extra.firstChild) extra.replaceChildren();
      return;
    }
    if (!extra.firstChild) extra.append(makeResponseParts());
    const links = new Set(Array.isArray(f.links) ? /** @type {string[]} */ (f.links) : []);
    const linkBox = /** @type {HTMLElement} */ (extra.querySelector(".item-links"));
    syncChecks(linkBox, "link", challenges.map((c) => ({ id: c.id, label: str(c.fields.text).trim() || "(a challenge with no text yet)", checked: links.has(c.id) })), "No challenges yet: add some first.");
    const ps = new Set(Array.isArray(f.partners) ? /** @type {string[]} */ (f.partners) : []);
    const partnerBox = /** @type {HTMLElement} */ (extra.querySelector(".item-partners"));
    syncChecks(partnerBox, "partner", partners.map((p) => ({ id: p.id, label: partnerLabel(p), checked: ps.has(p.id) })), "No partners on this board yet.");
    const jointly = /** @type {HTMLInputElement} */ (extra.querySelector(".item-jointly"));
    jointly.checked = f.jointly === true;
    const refs = byOrder((children.get(it.id) || []).filter((c) => c.kind === "referral"));
    const ul = /** @type {HTMLElement} */ (extra.querySelector(".item-referrals"));
    /** @type {Element | null} */
    let prev = null;
    for (const r of refs) {
      const rli = /** @type {HTMLElement} */ (this.ensure(r, () => {
        const x = h("li", "referral");
        x.append(h("span", "ref-text"));
        const del = h("button", "ref-delete");
        del.setAttribute("type", "button");
        del.setAttribute("aria-label", "Remove this referral");
        x.append(del);
        return x;
      }));
      seen.add(r.id);
      const want = /** @type {ChildNode | null} */ (prev ? prev.nextSibling : ul.firstChild);
      if (rli.parentElement !== ul || want !== rli) ul.insertBefore(rli, want);
      prev = rli;
      const name = (/** @type {string} */ id) => {
        const p = id ? state.get(id) : undefined;
        return p && p.kind === "partner" ? str(p.fields.name) : "someone";
      };
      const reason = str(r.fields.reason);
      setText(/** @type {Element} */ (rli.querySelector(".ref-text")), `${name(str(r.fields.from))} → ${name(str(r.fields.to))}: ${reason}`);
    }
    for (const sel of Array.from(extra.querySelectorAll("select.ref-from, select.ref-to"))) {
      syncOptions(/** @type {HTMLSelectElement} */ (sel), partners);
    }
  }

  /**
   * Connectors and free strokes, drawn in the board-wide svg.
   * @param {Readonly<BoardObject>} o
   * @param {State} state
   * @param {Set<string>} seen
   */
  inkObject(o, state, seen) {
    seen.add(o.id);
    if (o.kind === "stroke") {
      const p = /** @type {SVGPathElement} */ (this.ensure(o, () => s("path")));
      if (p.parentNode !== this.ink) this.ink.append(p);
      updateStroke(p, o);
      return;
    }
    const g = /** @type {SVGGElement} */ (this.ensure(o, () => {
      const g = s("g", { class: "connector" });
      g.append(s("path", { class: "connector-hit" }), s("path", { class: "connector-line" }), s("text", { class: "connector-label" }));
      return g;
    }));
    if (g.parentNode !== this.ink) this.ink.append(g);
    const f = o.fields;
    const end = (/** @type {string} */ idField, /** @type {string} */ xf, /** @type {string} */ yf) => {
      const t = str(f[idField]) ? state.get(str(f[idField])) : undefined;
      if (t) return { x: num(t.fields.x) + num(t.fields.w) / 2, y: num(t.fields.y) + num(t.fields.h) / 2, box: t.fields };
      return { x: num(f[xf]), y: num(f[yf]), box: null };
    };
    const a = end("from", "x", "y"), b = end("to", "x2", "y2");
    const pa = a.box ? edgePoint(a.box, b) : a, pb = b.box ? edgePoint(b.box, a) : b;
    const d = `M${pa.x} ${pa.y}L${pb.x} ${pb.y}`;
    const arrow = str(f.arrow) || "end";
    const line = /** @type {SVGPathElement} */ (g.querySelector(".connector-line"));
    line.setAttribute("d", d);
    g.querySelector(".connector-hit")?.setAttribute("d", d);
    if (arrow === "end" || arrow === "both") line.setAttribute("marker-end", "url(#arrowhead)");
    else line.removeAttribute("marker-end");
    if (arrow === "both") line.setAttribute("marker-start", "url(#arrowhead-start)");
    else line.removeAttribute("marker-start");
    const color = str(f.color);
    if (color) g.style.setProperty("--obj-color", color);
    else g.style.removeProperty("--obj-color");
    const label = /** @type {SVGTextElement} */ (g.querySelector(".connector-label"));
    label.setAttribute("x", String((pa.x + pb.x) / 2));
    label.setAttribute("y", String((pa.y + pb.y) / 2 - 6));
    setText(label, str(f.label));
  }

  /**
   * The partners panel: li[data-kind=partner] per partner.
   * @param {Readonly<BoardObject>[]} partners
   * @param {Set<string>} seen
   */
  renderPartners(partners, seen) {
    /** @type {Element | null} */
    let prev = null;
    for (const p of partners) {
      const li = /** @type {HTMLElement} */ (this.ensure(p, () => {
        const x = h("li", "partner");
        x.append(h("span", "partner-swatch"), h("span", "partner-name"), h("span", "partner-tier"));
        return x;
      }));
      seen.add(p.id);
      const want = /** @type {ChildNode | null} */ (prev ? prev.nextSibling : this.partnersList.firstChild);
      if (li.parentElement !== this.partnersList || want !== li) this.partnersList.insertBefore(li, want);
      prev = li;
      setText(/** @type {Element} */ (li.querySelector(".partner-name")), str(p.fields.name));
      setText(/** @type {Element} */ (li.querySelector(".partner-tier")), tierName(str(p.fields.tier)));
      const c = str(p.fields.color);
      if (c) li.style.setProperty("--obj-color", c);
    }
    this.partnersList.hidden = partners.length === 0;
  }
}

/** @returns {HTMLElement} */
function makeItem() {
  const li = h("li", "item");
  const row = h("div", "item-row");
  const ta = /** @type {HTMLTextAreaElement} */ (h("textarea", "item-text"));
  ta.rows = 1;
  ta.dataset.field = "text";
  ta.setAttribute("aria-label", "Item");
  const del = h("button", "item-delete");
  del.setAttribute("type", "button");
  del.setAttribute("aria-label", "Remove this item");
  row.append(ta, del);
  li.append(row, h("div", "item-extra"));
  return li;
}

/** The parts of a meeting action: who will do it, and by when. */
function makeActionParts() {
  const box = h("div", "item-action");
  const owner = /** @type {HTMLInputElement} */ (h("input", "item-owner"));
  owner.dataset.field = "owner";
  owner.maxLength = 64; // characters; the model allows 256 bytes, and 64 of any character fit
  owner.autocomplete = "off";
  const due = /** @type {HTMLInputElement} */ (h("input", "item-due"));
  due.type = "date";
  due.dataset.field = "due";
  const who = h("label", "", "Who ");
  who.append(owner);
  const when = h("label", "", "By when ");
  when.append(due);
  box.append(who, when);
  return box;
}

/** The response parts of an item: links, partners, jointly, referrals. */
function makeResponseParts() {
  const frag = document.createDocumentFragment();
  const links = h("fieldset", "item-links");
  links.append(h("legend", "", "Answers these challenges"), h("div", "checks"));
  const partners = h("fieldset", "item-partners");
  partners.append(h("legend", "", "Partners involved"), h("div", "checks"));
  const jl = h("label", "jointly");
  const jointly = /** @type {HTMLInputElement} */ (h("input", "item-jointly"));
  jointly.type = "checkbox";
  jl.append(jointly, document.createTextNode(" Only possible jointly"));
  const refs = h("div", "referrals");
  refs.append(h("p", "referrals-title", "Referrals"));
  const ul = h("ul", "item-referrals");
  const add = h("button", "add-referral", "+ Add a referral");
  add.setAttribute("type", "button");
  const form = h("div", "ref-form");
  form.hidden = true;
  const from = /** @type {HTMLSelectElement} */ (h("select", "ref-from"));
  const to = /** @type {HTMLSelectElement} */ (h("select", "ref-to"));
  const reason = /** @type {HTMLInputElement} */ (h("input", "ref-reason"));
  reason.type = "text";
  reason.placeholder = "for what, e.g. housing advice";
  const lf = h("label", "", "From ");
  lf.append(from);
  const lt = h("label", "", " refers to ");
  lt.append(to);
  const lr = h("label", "", " for ");
  lr.append(reason);
  const save = h("button", "ref-save", "Save referral");
  save.setAttribute("type", "button");
  const cancel = h("button", "ref-cancel secondary", "Cancel");
  cancel.setAttribute("type", "button");
  form.append(lf, lt, lr, save, cancel);
  refs.append(ul, add, form);
  frag.append(links, partners, jl, refs);
  return frag;
}

/**
 * Keeps one checkbox per entry in a fieldset, in order.
 * @param {HTMLElement} box the fieldset
 * @param {string} attr "link" or "partner" (data-link / data-partner)
 * @param {{id: string, label: string, checked: boolean}[]} entries
 * @param {string} empty what to say when there are none
 */
function syncChecks(box, attr, entries, empty) {
  const wrap = /** @type {HTMLElement} */ (box.querySelector(".checks"));
  /** @type {Map<string, HTMLElement>} */
  const have = new Map();
  for (const l of Array.from(wrap.children)) {
    const id = /** @type {HTMLElement} */ (l).dataset.for;
    if (id) have.set(id, /** @type {HTMLElement} */ (l));
    else l.remove();
  }
  /** @type {Element | null} */
  let prev = null;
  for (const e of entries) {
    let label = have.get(e.id);
    have.delete(e.id);
    if (!label) {
      label = h("label", "check");
      label.dataset.for = e.id;
      const cb = /** @type {HTMLInputElement} */ (h("input"));
      cb.type = "checkbox";
      cb.setAttribute(`data-${attr}`, e.id);
      label.append(cb, h("span"));
    }
    const want = /** @type {ChildNode | null} */ (prev ? prev.nextSibling : wrap.firstChild);
    if (label.parentElement !== wrap || want !== label) wrap.insertBefore(label, want);
    prev = label;
    const cb = /** @type {HTMLInputElement} */ (label.querySelector("input"));
    if (cb.checked !== e.checked) cb.checked = e.checked;
    setText(/** @type {Element} */ (label.querySelector("span")), e.label);
  }
  for (const l of have.values()) l.remove();
  if (entries.length === 0) wrap.append(h("span", "none", empty));
}

/**
 * Keeps a select's options equal to the partners, keeping the choice.
 * @param {HTMLSelectElement} sel
 * @param {Readonly<BoardObject>[]} partners
 */
function syncOptions(sel, partners) {
  const key = partners.map((p) => `${p.id}\u0000${str(p.fields.name)}`).join("\u0001");
  if (sel.dataset.key === key) return;
  sel.dataset.key = key;
  const v = sel.value;
  sel.replaceChildren(...partners.map((p) => {
    const opt = /** @type {HTMLOptionElement} */ (h("option", "", str(p.fields.name)));
    opt.value = p.id;
    return opt;
  }));
  if (partners.some((p) => p.id === v)) sel.value = v;
}

/**
 * @param {SVGPathElement} p
 * @param {Readonly<BoardObject>} o
 */
function updateStroke(p, o) {
  const pts = Array.isArray(o.fields.points) ? /** @type {number[]} */ (o.fields.points) : [];
  p.setAttribute("d", strokePath(pts));
  p.setAttribute("class", "stroke");
  p.setAttribute("stroke-width", String(num(o.fields.width) || 3));
  const c = str(o.fields.color);
  if (c) p.style.setProperty("--obj-color", c);
  else p.style.removeProperty("--obj-color");
}

/**
 * An svg path through points [x0, y0, x1, y1, …].
 * @param {readonly number[]} pts
 */
export function strokePath(pts) {
  if (pts.length < 2) return "";
  let d = `M${pts[0]} ${pts[1]}`;
  if (pts.length === 2) return d + `l0.01 0`;
  for (let i = 2; i + 1 < pts.length; i += 2) d += `L${pts[i]} ${pts[i + 1]}`;
  return d;
}

/**
 * Where the line from the centre of box towards p leaves the box.
 * @param {Record<string, any>} box
 * @param {{x: number, y: number}} p
 */
function edgePoint(box, p) {
  const w = num(box.w), hh = num(box.h);
  const cx = num(box.x) + w / 2, cy = num(box.y) + hh / 2;
  const dx = p.x - cx, dy = p.y - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const t = Math.min(w / 2 / Math.abs(dx || 1e-9), hh / 2 / Math.abs(dy || 1e-9));
  return { x: cx + dx * Math.min(t, 1), y: cy + dy * Math.min(t, 1) };
}

/** @param {string} shape */
function shapeOutline(shape) {
  switch (shape) {
    case "ellipse":
      return s("ellipse", { cx: "50", cy: "50", rx: "49", ry: "49" });
    case "diamond":
      return s("polygon", { points: "50,1 99,50 50,99 1,50" });
    case "triangle":
      return s("polygon", { points: "50,1 99,99 1,99" });
    default:
      return s("rect", { x: "1", y: "1", width: "98", height: "98", rx: "3" });
  }
}

/** @param {Readonly<BoardObject>} p */
function partnerLabel(p) {
  return `${str(p.fields.name)} (${tierName(str(p.fields.tier))})`;
}

/** @param {string} t */
export function tierName(t) {
  return t === "lead" ? "lead partner" : t === "core" ? "core partner" : t === "wider" ? "wider partner" : "partner";
}

/** @param {string} t */
function themeName(t) {
  return ({ drivers: "Drivers", practicalities: "Practicalities", culture: "Culture", recording: "Recording and measuring", impact: "Impact" })[t] || "Prompt";
}
