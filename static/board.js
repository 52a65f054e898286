// @ts-check
/**
 * @file The board page: joins a board (sync.js), draws it (render.js),
 * turns what people do into batches of ops, keeps their undo history
 * (undo.js) and shows who is here, who is editing what, and live cursors.
 */

import { keyBetween, validateOps, ModelError } from "./model.js";
import { Sync, randomID, chunkOps, Saved, Saving, Offline, Connecting, Gone } from "./sync.js";
import { History } from "./undo.js";
import { Renderer, h, byOrder, challengeCellOf } from "./render.js";
import { toBoard, zoomAt, fit, bounds } from "./viewport.js";
import { TERMS_ID, DEFAULT_TERMS, parseTerms, findTerms, hintText, defaultTermsText } from "./language.js";
import { PALETTE, colorFor } from "./palette.js";
import { renderPeople, Cursors } from "./presence.js";
import { remaining, formatCountdown, spokenCountdown, gotoPath, gotoText } from "./workshop.js";
import { mountSnapshots } from "./snapshots.js";
import { mountOpeners } from "./openers.js";
import { renderListView } from "./listview.js";
import { makeMenu, LongPressMs, LongPressSlopPx } from "./menu.js";
import { objectLabel } from "./snapshots.js";
import { cardFields } from "./deck.js";
import { mountVoting } from "./voting.js";
import { installPointer, moveTargets, moveOps, MOVABLE, round, clamp } from "./pointer.js";
import { copyObjects, pasteOps } from "./clipboard.js";

/** @typedef {import("./model.js").Op} Op */
/** @typedef {import("./model.js").BoardObject} BoardObject */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** How long typing waits before it is sent, in ms (the contract allows up to 300). */
const TypingDelay = 250;

/** @type {Record<string, string>} */
const STATUS_TEXT = {
  [Connecting]: "Connecting…",
  [Saving]: "Saving…",
  [Saved]: "All changes saved",
  [Offline]: "Reconnecting…",
  [Gone]: "Not connected",
};

/** Plain words for the server's error codes. */
/** @type {Record<string, string>} */
const ERROR_TEXT = {
  read_only: "This board is view only at the moment, so your change was not saved.",
  board_full: "This board is full: it already holds as much as a board can. Your change was not saved. You could tidy up a little, or start a new board.",
  too_long: "That is a bit too long to save. Please shorten it and it will be saved.",
  too_many_ops: "That change was too big to save in one go. Please try a smaller one.",
  not_found: "There is no board at this address. It may have been removed, or the link may be incomplete.",
  locked: "A facilitator has paused editing on this board for now, so your change was not saved. You can still look around.",
  link_withdrawn: "This link has ended: it was withdrawn or it has expired. Please ask the facilitator for a new one.",
};


/** The printable area of an A4 landscape page with 10 mm margins, in CSS pixels (96 per inch). */
const PrintWidthPx = Math.floor((277 / 25.4) * 96), PrintHeightPx = Math.floor((180 / 25.4) * 96);

/**
 * @param {string} boardID
 */
export function boardPage(boardID) {
  $("board").hidden = false;
  document.body.classList.add("on-board");

  let clientID = sessionStorage.getItem("pb-client") || "";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clientID)) {
    clientID = `c${randomID(15)}`;
    sessionStorage.setItem("pb-client", clientID);
  }
  let color = localStorage.getItem("pb-color") || "";
  if (!/^#[0-9a-f]{6}$/.test(color)) {
    const people = ["#2f5d8a", "#7b3fa0", "#1d7a46", "#b42318", "#9a5b00", "#0f6e7a", "#a3306b"];
    color = people[Math.floor(Math.random() * people.length)];
    localStorage.setItem("pb-color", color);
  }

  const canvas = $("canvas");
  const world = $("world");
  const ink = /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($("ink")));
  const cursorsLayer = $("cursors");
  const renderer = new Renderer(world, ink, $("partners"));
  const history = new History();
  /** @type {Sync} */
  let sync;

  // ------------------------------------------------------------------
  // State of the page.

  /** @type {Set<string>} */
  const selected = new Set();
  /** Objects copied with Ctrl+C, and how many times they were pasted. */
  let clip = /** @type {import("./clipboard.js").Obj[]} */ ([]);
  let pasteCount = 0;
  let tool = "select";
  let vp = { x: 24, y: 24, zoom: 1 };
  let fitted = false;
  /** Fields with typing not yet sent: element → timer. @type {Map<HTMLElement, any>} */
  const dirty = new Map();
  /** Terms the person dismissed in this visit. @type {Set<string>} */
  const dismissedTerms = new Set();

  // ------------------------------------------------------------------
  // Rendering.

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(renderNow);
    setTimeout(renderNow, 60); // rAF does not run in background tabs
  }
  function renderNow() {
    if (!renderQueued) return;
    renderQueued = false;
    if (!sync) return;
    const state = sync.view();
    /** @type {Map<string, string[]>} */
    const editing = new Map();
    for (const u of sync.users.values()) {
      if (!u.editing || u.id === sync.session) continue;
      const l = editing.get(u.editing) || [];
      l.push(u.name);
      editing.set(u.editing, l);
    }
    for (const id of Array.from(selected)) if (!state.get(id)) selected.delete(id);
    // Reordering a list moves elements, which can take the focus away from
    // someone typing in one of them: give it back, caret and all.
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    const sel = active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement ? [active.selectionStart, active.selectionEnd] : null;
    renderer.render(state, { selected, editing, isDirty: (el) => dirty.has(el) });
    if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
      active.focus({ preventScroll: true });
      if (sel && sel[0] !== null && (active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement)) {
        try { active.setSelectionRange(sel[0], sel[1]); } catch { /* not a text field */ }
      }
    }
    if (!fitted && sync.everJoined) {
      // Show the whole board once, on joining; after that the view is the person's.
      fitted = true;
      if (state.size > 0) fitAll();
    }
    $("board-empty").hidden = state.size > 0 || !sync.everJoined;
    updateUndoButtons();
    drawLinks(state);
    voting?.refresh();
    if (!$("list-view").hidden) showList(state);
  }

  // The list view: rebuilt when the board changes, keeping the focus on
  // the entry it was on.
  let listShown = /** @type {any} */ (null);
  /** @param {any} state */
  function showList(state) {
    if (listShown === state) return;
    listShown = state;
    const body = $("list-view-body");
    const active = /** @type {HTMLElement | null} */ (document.activeElement);
    const at = active && body.contains(active) ? active.closest("[data-id]")?.getAttribute("data-id") : null;
    renderListView(body, state, showOnBoard);
    if (at) /** @type {HTMLElement | null} */ (body.querySelector(`[data-id="${CSS.escape(at)}"] .list-show`))?.focus();
  }
  /** @param {boolean} on */
  function setListView(on) {
    $("list-view").hidden = !on;
    canvas.hidden = on;
    $("list-view-toggle").setAttribute("aria-pressed", String(on));
    listShown = null;
    if (on && sync) showList(sync.view());
    if (!on) applyViewport();
  }
  $("list-view-toggle").addEventListener("click", () => {
    const on = $("list-view").hidden;
    setListView(on);
    if (on) $("list-view-heading").focus();
  });
  /**
   * Leaves the list view and brings object id into view, focused.
   * @param {string} id
   */
  function showOnBoard(id) {
    setListView(false);
    const state = sync.view();
    let o = state.get(id);
    while (o && typeof o.fields.x !== "number" && o.fields.parent) o = state.get(String(o.fields.parent));
    const b = o ? bounds([o]) : null;
    if (b) {
      const r = canvas.getBoundingClientRect();
      vp = fit(b, r.width, r.height);
      applyViewport();
    }
    selected.clear();
    selected.add(id);
    renderQueued = true;
    renderNow();
    const target = renderer.el(id);
    /** @type {HTMLElement | null} */ (target?.querySelector("textarea, input, button") || target || null)?.focus();
  }

  /**
   * Draws a line from each response to the challenges it answers, when both
   * can be seen in their lists: the response map's "joined by connectors".
   * @param {import("./model.js").State} state
   */
  function drawLinks(state) {
    const layer = $("links");
    /** @type {Element[]} */
    const paths = [];
    const cr = canvas.getBoundingClientRect();
    const toWorld = (/** @type {number} */ x, /** @type {number} */ y) => toBoard(vp, x - cr.left, y - cr.top);
    for (const ol of Array.from(world.querySelectorAll(".obj-cell .cell-items"))) {
      const cellID = objectOf(ol);
      if (!challengeCellOf(cellID)) continue;
      const olBox = ol.getBoundingClientRect();
      for (const li of Array.from(ol.children)) {
        const id = li.getAttribute("data-id") || "";
        const o = state.get(id);
        const links = o && Array.isArray(o.fields.links) ? /** @type {string[]} */ (o.fields.links) : [];
        if (links.length === 0) continue;
        const r = li.getBoundingClientRect();
        const ry = Math.min(Math.max(r.top + 16, olBox.top), olBox.bottom);
        if (r.bottom < olBox.top || r.top > olBox.bottom) continue;
        for (const cid of links) {
          const cli = renderer.el(cid);
          if (!cli || !cli.isConnected) continue;
          const list = cli.parentElement;
          const cr2 = cli.getBoundingClientRect();
          const lb = list ? list.getBoundingClientRect() : cr2;
          if (cr2.bottom < lb.top || cr2.top > lb.bottom) continue;
          const a = toWorld(cr2.right, Math.min(Math.max(cr2.top + 16, lb.top), lb.bottom));
          const b = toWorld(r.left, ry);
          const mid = (a.x + b.x) / 2;
          const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
          p.setAttribute("class", "link-line");
          p.setAttribute("d", `M${a.x} ${a.y}C${mid} ${a.y} ${mid} ${b.y} ${b.x} ${b.y}`);
          paths.push(p);
        }
      }
    }
    layer.replaceChildren(...paths);
  }

  function applyViewport() {
    world.style.transform = `translate(${vp.x}px, ${vp.y}px) scale(${vp.zoom})`;
    canvas.style.setProperty("--zoom", String(vp.zoom));
    canvas.style.backgroundPosition = `${vp.x}px ${vp.y}px`;
    canvas.style.backgroundSize = `${24 * vp.zoom}px ${24 * vp.zoom}px`;
    $("zoom-level").textContent = `${Math.round(vp.zoom * 100)}%`;
  }

  function fitAll() {
    const objs = sync.view().objects().filter((o) => o.kind === "frame" || (typeof o.fields.x === "number" && o.kind !== "cell"));
    const b = bounds(objs);
    const r = canvas.getBoundingClientRect();
    // Keep clear of the partners panel when there is room beside it.
    const panel = /** @type {HTMLElement} */ (canvas.querySelector(".partners-panel"));
    const side = panel && panel.offsetWidth > 0 && r.width > 900 ? panel.offsetWidth + 16 : 0;
    if (b) {
      vp = fit(b, r.width - side, r.height);
      vp.x += side;
    } else {
      vp = { x: 24 + side, y: 24, zoom: 1 };
    }
    applyViewport();
  }

  /**
   * Client coordinates → board coordinates.
   * @param {number} cx
   * @param {number} cy
   */
  function boardPoint(cx, cy) {
    const r = canvas.getBoundingClientRect();
    return toBoard(vp, cx - r.left, cy - r.top);
  }

  // ------------------------------------------------------------------
  // Editing: every change goes through edit().

  /**
   * Applies ops at once, sends them, and records them for undo.
   * @param {Op[]} ops
   * @param {string} [group] consecutive edits of one group undo as one step
   * @returns {boolean} whether the batch was accepted
   */
  function edit(ops, group = "") {
    if (ops.length === 0) return true;
    if (!sync) return false;
    const parts = chunkOps(ops);
    // A change too big for one batch is still one step to undo.
    const g = group || (parts.length > 1 ? `big-${newID()}` : "");
    for (const part of parts) {
      try {
        validateOps(part);
      } catch (err) {
        if (err instanceof ModelError) showNotice(ERROR_TEXT[err.code] || "That change could not be saved. Please try again.");
        else throw err;
        return false;
      }
      history.record(sync.view(), part, g);
      sync.submit(part);
    }
    if (parts.length > 1) history.seal();
    scheduleRender();
    return true;
  }

  function newID() {
    return randomID(12);
  }

  /** A stacking key above everything on the board. */
  function topZ() {
    let max = "";
    for (const o of sync.view().objects()) {
      const z = o.fields.z;
      if (typeof z === "string" && z > max) max = z;
    }
    try {
      return keyBetween(max, "");
    } catch {
      return undefined;
    }
  }

  function undo() {
    if (!sync) return;
    flushAll();
    history.seal();
    const ops = history.undo(sync.view(), newID);
    if (!ops) {
      showNotice("There is nothing of yours left to undo.", true);
      return;
    }
    send(ops);
  }

  function redo() {
    if (!sync) return;
    flushAll();
    const ops = history.redo(sync.view(), newID);
    if (!ops) {
      showNotice("There is nothing to redo.", true);
      return;
    }
    send(ops);
  }

  /**
   * Sends ops without recording them (undo and redo keep their own record).
   * @param {Op[]} ops
   */
  function send(ops) {
    try {
      for (const part of chunkOps(ops)) sync.submit(part);
    } catch (err) {
      if (err instanceof ModelError) showNotice(ERROR_TEXT[err.code] || "That change could not be saved.");
      else throw err;
    }
    scheduleRender();
  }

  function updateUndoButtons() {
    /** @type {HTMLButtonElement} */ ($("undo")).disabled = !history.canUndo();
    /** @type {HTMLButtonElement} */ ($("redo")).disabled = !history.canRedo();
  }

  // ------------------------------------------------------------------
  // Text fields: typing is sent after a short pause and when leaving.

  /**
   * The object an element belongs to.
   * @param {Element | null} el
   * @returns {string}
   */
  function objectOf(el) {
    const o = el?.closest("[data-id]");
    return o instanceof Element ? o.getAttribute("data-id") || "" : "";
  }

  /** @param {HTMLElement} el */
  function flush(el) {
    const t = dirty.get(el);
    if (t === undefined) return;
    clearTimeout(t);
    dirty.delete(el);
    const id = objectOf(el);
    const field = el.dataset.field || "text";
    const value = /** @type {HTMLTextAreaElement} */ (el).value;
    const o = sync.view().get(id);
    if (!o || o.fields[field] === value || (o.fields[field] === undefined && value === "")) {
      showStatus(sync.status());
      return;
    }
    edit([{ op: "update", id, fields: { [field]: value } }], `type:${id}:${field}`);
    showStatus(sync.status());
  }

  function flushAll() {
    for (const el of Array.from(dirty.keys())) flush(el);
  }

  canvas.addEventListener("input", (ev) => {
    const el = /** @type {HTMLElement} */ (ev.target);
    if (!(el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement) || !el.dataset.field) return;
    const t = dirty.get(el);
    if (t !== undefined) clearTimeout(t);
    dirty.set(el, setTimeout(() => flush(el), TypingDelay));
    if (sync) showStatus(sync.status());
    checkLanguage(el.value);
  });

  canvas.addEventListener("focusin", (ev) => {
    const el = /** @type {HTMLElement} */ (ev.target);
    if (!el.dataset || !el.dataset.field) return;
    const id = objectOf(el);
    sync?.editing(id);
    const o = sync?.view().get(id);
    if (o && MOVABLE.has(o.kind) && !(selected.size === 1 && selected.has(id))) {
      selected.clear();
      selected.add(id);
      scheduleRender();
    }
  });

  canvas.addEventListener("focusout", (ev) => {
    const el = /** @type {HTMLElement} */ (ev.target);
    if (!el.dataset || !el.dataset.field) return;
    flush(el);
    history.seal();
    const next = /** @type {HTMLElement | null} */ (ev.relatedTarget);
    if (!next || !next.dataset || !next.dataset.field) sync?.editing("");
    scheduleRender();
  });

  // ------------------------------------------------------------------
  // Lists, responses and referrals.

  /**
   * Adds an empty item to a list cell after `after` (or at the end) and
   * focuses it.
   * @param {string} cellID
   * @param {string} [after] item id
   */
  function addItem(cellID, after) {
    const state = sync.view();
    const items = byOrder(state.objects().filter((o) => o.kind === "item" && o.fields.parent === cellID));
    let lo = "", hi = "";
    const i = after ? items.findIndex((o) => o.id === after) : -1;
    if (i >= 0) {
      lo = String(items[i].fields.order || "");
      hi = i + 1 < items.length ? String(items[i + 1].fields.order || "") : "";
    } else if (items.length > 0) {
      lo = String(items[items.length - 1].fields.order || "");
    }
    let order;
    try {
      order = keyBetween(lo, hi && hi > lo ? hi : "");
    } catch {
      order = keyBetween(lo, "");
    }
    const id = newID();
    if (edit([{ op: "create", id, kind: "item", fields: { parent: cellID, text: "", order } }])) {
      renderQueued = true;
      renderNow();
      const ta = /** @type {HTMLElement | null} */ (renderer.el(id)?.querySelector(".item-text") || null);
      ta?.focus();
    }
  }

  /**
   * Deletes objects with everything that belongs to them (children,
   * grandchildren…), as one undoable step.
   * @param {string[]} ids
   */
  function deleteWithChildren(ids) {
    const state = sync.view();
    /** @type {Map<string, string[]>} */
    const kids = new Map();
    for (const o of state.objects()) {
      const p = o.fields.parent;
      if (typeof p === "string" && p) {
        const l = kids.get(p) || [];
        l.push(o.id);
        kids.set(p, l);
      }
    }
    /** @type {string[]} */
    const order = [];
    const seen = new Set();
    const walk = (/** @type {string} */ id) => {
      if (seen.has(id) || !state.get(id)) return;
      seen.add(id);
      for (const k of kids.get(id) || []) walk(k);
      order.push(id);
    };
    for (const id of ids) walk(id);
    edit(order.map((id) => ({ op: "delete", id })));
  }

  canvas.addEventListener("click", (ev) => {
    const t = /** @type {HTMLElement} */ (ev.target);
    const btn = t.closest("button");
    if (!btn) return;
    const id = objectOf(btn);
    if (btn.classList.contains("add-item")) {
      flushAll();
      addItem(id);
    } else if (btn.classList.contains("picture-describe")) {
      /** @type {HTMLElement | null} */ (btn.parentElement?.querySelector(".picture-text") || null)?.focus();
    } else if (btn.classList.contains("card-add-note")) {
      flushAll();
      addCardNote(id);
    } else if (btn.classList.contains("item-delete")) {
      flushAll();
      const prev = btn.closest("li")?.previousElementSibling;
      deleteWithChildren([id]);
      /** @type {HTMLElement | null} */ (prev?.querySelector(".item-text") || null)?.focus();
    } else if (btn.classList.contains("add-referral")) {
      const form = /** @type {HTMLElement} */ (btn.parentElement?.querySelector(".ref-form"));
      form.hidden = false;
      btn.hidden = true;
      /** @type {HTMLElement} */ (form.querySelector("select"))?.focus();
    } else if (btn.classList.contains("ref-cancel")) {
      closeRefForm(btn);
    } else if (btn.classList.contains("ref-save")) {
      const form = /** @type {HTMLElement} */ (btn.closest(".ref-form"));
      const from = /** @type {HTMLSelectElement} */ (form.querySelector(".ref-from")).value;
      const to = /** @type {HTMLSelectElement} */ (form.querySelector(".ref-to")).value;
      const reasonEl = /** @type {HTMLInputElement} */ (form.querySelector(".ref-reason"));
      if (!from || !to) {
        showNotice("Add partners to the board first: a referral goes from one partner to another.");
        return;
      }
      const state = sync.view();
      const last = byOrder(state.objects().filter((o) => o.kind === "referral" && o.fields.parent === id)).pop();
      const order = keyBetween(last ? String(last.fields.order || "") : "", "");
      if (edit([{ op: "create", id: newID(), kind: "referral", fields: { parent: id, from, to, reason: reasonEl.value.trim(), order } }])) {
        reasonEl.value = "";
        closeRefForm(btn);
      }
    } else if (btn.classList.contains("ref-delete")) {
      edit([{ op: "delete", id }]);
    }
  });

  /** @param {HTMLElement} btn */
  function closeRefForm(btn) {
    const refs = /** @type {HTMLElement} */ (btn.closest(".referrals"));
    /** @type {HTMLElement} */ (refs.querySelector(".ref-form")).hidden = true;
    const add = /** @type {HTMLElement} */ (refs.querySelector(".add-referral"));
    add.hidden = false;
    add.focus();
  }

  canvas.addEventListener("change", (ev) => {
    if (!sync) return;
    const el = /** @type {HTMLInputElement} */ (ev.target);
    if (el.type !== "checkbox") return;
    const id = objectOf(el);
    const o = sync.view().get(id);
    if (!o) return;
    if (el.classList.contains("item-jointly")) {
      edit([{ op: "update", id, fields: { jointly: el.checked } }]);
      return;
    }
    const field = el.dataset.link ? "links" : el.dataset.partner ? "partners" : "";
    if (!field) return;
    const value = el.dataset.link || el.dataset.partner || "";
    const cur = Array.isArray(o.fields[field]) ? /** @type {string[]} */ (o.fields[field]).slice() : [];
    const next = el.checked ? (cur.includes(value) ? cur : [...cur, value]) : cur.filter((x) => x !== value);
    edit([{ op: "update", id, fields: { [field]: next } }]);
  });

  canvas.addEventListener("keydown", (ev) => {
    const el = /** @type {HTMLElement} */ (ev.target);
    if (!el.classList.contains("item-text")) return;
    const ta = /** @type {HTMLTextAreaElement} */ (el);
    const id = objectOf(el);
    const o = sync.view().get(id);
    if (!o) return;
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      flush(ta);
      addItem(String(o.fields.parent || ""), id);
    } else if (ev.altKey && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
      // Move the item up or down its list.
      ev.preventDefault();
      flush(ta);
      const items = byOrder(sync.view().objects().filter((x) => x.kind === "item" && x.fields.parent === o.fields.parent));
      const i = items.findIndex((x) => x.id === id);
      const key = (/** @type {number} */ j) => (j >= 0 && j < items.length ? String(items[j].fields.order || "") : "");
      let lo = "", hi = "";
      if (ev.key === "ArrowUp" && i > 0) { lo = key(i - 2); hi = key(i - 1); }
      else if (ev.key === "ArrowDown" && i < items.length - 1) { lo = key(i + 1); hi = key(i + 2); }
      else return;
      let order;
      try {
        order = keyBetween(lo, hi);
      } catch {
        return; // equal keys from a concurrent insert: leave it
      }
      edit([{ op: "update", id, fields: { order } }]);
      renderQueued = true;
      renderNow();
      ta.focus();
    } else if (ev.key === "Backspace" && ta.value === "" && !dirty.has(ta)) {
      ev.preventDefault();
      const prev = el.closest("li")?.previousElementSibling;
      deleteWithChildren([id]);
      /** @type {HTMLElement | null} */ (prev?.querySelector(".item-text") || null)?.focus();
    }
  });

  // ------------------------------------------------------------------
  // Pointer: tools, moving, resizing, panning, pinching, drawing (pointer.js).

  const pointer = installPointer({
    canvas, world, ink, renderer, selected,
    sync: () => sync,
    tool: () => tool,
    vp: () => vp,
    setVP: (v) => { vp = v; applyViewport(); },
    boardPoint, scheduleRender, edit, topZ, newID, setTool, objectOf,
    currentInk: () => currentInk(),
    createAt: (kind, x, y) => createAt(kind, x, y),
  });

  // Lists scroll on their own: keep the response lines with their items.
  canvas.addEventListener("scroll", () => { if (sync) drawLinks(sync.view()); }, true);

  /** @param {number} factor */
  function zoomBy(factor) {
    const r = canvas.getBoundingClientRect();
    vp = zoomAt(vp, r.width / 2, r.height / 2, factor);
    applyViewport();
  }

  /**
   * Creates a note, text or shape centred on (x, y) and focuses its text.
   * @param {string} kind
   * @param {number} x
   * @param {number} y
   */
  function createAt(kind, x, y) {
    if (!sync) return;
    const id = newID();
    const size = kind === "note" ? [200, 150] : kind === "text" ? [260, 60] : [180, 110];
    /** @type {Record<string, any>} */
    const fields = { x: round(clamp(x - size[0] / 2)), y: round(clamp(y - size[1] / 2)), w: size[0], h: size[1], text: "", z: topZ() };
    if (kind === "note") fields.color = currentFill();
    if (kind === "shape") {
      fields.shape = /** @type {HTMLSelectElement} */ ($("shape-kind")).value || "rect";
      fields.color = currentFill();
    }
    if (kind === "text") {
      fields.fontSize = 20;
      fields.color = currentInk();
    }
    if (!edit([{ op: "create", id, kind, fields }])) return;
    setTool("select");
    selected.clear();
    selected.add(id);
    renderQueued = true;
    renderNow();
    /** @type {HTMLElement | null} */ (renderer.el(id)?.querySelector("textarea") || null)?.focus();
  }

  /** Size of a card placed from the conversation openers, in board units. */
  const CardSize = [280, 190];

  /**
   * Puts a conversation card in the middle of the view.
   * @param {import("./deck.js").Card} card
   */
  function placeCard(card) {
    if (!sync) return false;
    const id = newID();
    const c = viewCentre();
    let x = round(clamp(c.x - CardSize[0] / 2)), y = round(clamp(c.y - CardSize[1] / 2));
    // Cards drawn one after another fan out instead of hiding each other.
    const taken = new Set(sync.view().objects().filter((o) => o.kind === "card").map((o) => `${o.fields.x},${o.fields.y}`));
    for (let i = 0; i < 50 && taken.has(`${x},${y}`); i++) {
      x += 32;
      y += 32;
    }
    const fields = { ...cardFields(card), x, y, w: CardSize[0], h: CardSize[1], z: topZ() };
    if (!edit([{ op: "create", id, kind: "card", fields }])) return false;
    selected.clear();
    selected.add(id);
    scheduleRender();
    return true;
  }

  /**
   * Attaches a new note to a card: under it, below the notes it already
   * has, and moving with it.
   * @param {string} cardID
   */
  function addCardNote(cardID) {
    const card = sync?.view().get(cardID);
    if (!card || card.kind !== "card") return;
    let y = Number(card.fields.y) + Number(card.fields.h || CardSize[1]) + 16;
    for (const o of sync.view().objects()) {
      if (o.fields.parent === cardID && o.kind === "note") y = Math.max(y, Number(o.fields.y) + Number(o.fields.h || 0) + 12);
    }
    const id = newID();
    const fields = { parent: cardID, x: Number(card.fields.x) || 0, y: round(clamp(y)), w: 220, h: 130, text: "", color: currentFill(), z: topZ() };
    if (!edit([{ op: "create", id, kind: "note", fields }])) return;
    selected.clear();
    selected.add(id);
    renderQueued = true;
    renderNow();
    /** @type {HTMLElement | null} */ (renderer.el(id)?.querySelector("textarea") || null)?.focus();
  }

  /** The centre of the visible part of the board. */
  function viewCentre() {
    const r = canvas.getBoundingClientRect();
    return toBoard(vp, r.width / 2, r.height / 2);
  }

  // ------------------------------------------------------------------
  // Toolbar, colour and keyboard.

  /** @param {string} name */
  function setTool(name) {
    tool = name;
    for (const b of Array.from(document.querySelectorAll("#toolbar [data-tool]"))) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-tool") === name));
    }
    canvas.dataset.tool = name;
  }

  for (const b of Array.from(document.querySelectorAll("#toolbar [data-tool]"))) {
    b.addEventListener("click", (ev) => {
      const name = b.getAttribute("data-tool") || "select";
      // From the keyboard, a note, text or shape goes in the middle of the view.
      if ((name === "note" || name === "text" || name === "shape") && /** @type {MouseEvent} */ (ev).detail === 0) {
        const c = viewCentre();
        createAt(name, c.x, c.y);
        return;
      }
      setTool(name);
    });
  }
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("zoom-in").addEventListener("click", () => zoomBy(1.25));
  $("zoom-out").addEventListener("click", () => zoomBy(0.8));
  $("zoom-fit").addEventListener("click", fitAll);
  $("delete").addEventListener("click", deleteSelected);
  $("add-persona").addEventListener("click", addPersona);
  $("help").addEventListener("click", () => /** @type {HTMLDialogElement} */ ($("help-dialog")).showModal());
  $("terms").addEventListener("click", openTerms);
  $("share").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      showNotice("The link to this board is copied. Anyone you send it to can join and edit.", true);
    } catch {
      showNotice(`Copy this address to share the board: ${location.href}`, false, true);
    }
  });

  const colorSelect = /** @type {HTMLSelectElement} */ ($("color"));
  colorSelect.replaceChildren(...PALETTE.map((c, i) => {
    const o = /** @type {HTMLOptionElement} */ (h("option", "", c.name));
    o.value = String(i);
    return o;
  }));
  colorSelect.addEventListener("change", () => {
    if (!sync) return;
    const ops = [];
    const state = sync.view();
    for (const id of selected) {
      const o = state.get(id);
      if (o) ops.push({ op: "update", id, fields: { color: colorFor(o.kind, Number(colorSelect.value)) } });
    }
    edit(ops);
  });
  const currentFill = () => colorFor("note", Number(colorSelect.value) || 0);
  const currentInk = () => colorFor("stroke", Number(colorSelect.value) || 0);

  function deleteSelected() {
    if (!sync) return;
    const state = sync.view();
    const ids = [...selected].filter((id) => {
      const o = state.get(id);
      return o && o.kind !== "partner";
    });
    if (ids.length === 0) {
      showNotice("Select something on the board first, then delete it.", true);
      return;
    }
    const big = ids.map((id) => state.get(id)).find((o) => o && (o.kind === "frame" || o.kind === "cell"));
    if (big) {
      const what = big.kind === "frame" ? `“${String(big.fields.title || "this frame")}” and everything in it` : `the cell “${String(big.fields.label || "")}” and everything in it`;
      if (!window.confirm(`Delete ${what}? You can undo this afterwards.`)) return;
    }
    flushAll();
    deleteWithChildren(ids);
    selected.clear();
  }

  async function addPersona() {
    if (!sync) return;
    flushAll();
    const state = sync.view();
    let n = 2;
    while (state.get(`p${n}`) || state.isDeleted(`p${n}`)) n++;
    let x = 0, y = 0;
    const personas = state.objects().filter((o) => o.kind === "frame" && o.fields.template === "persona");
    if (personas.length > 0) {
      x = Math.max(...personas.map((o) => (Number(o.fields.x) || 0) + (Number(o.fields.w) || 1240))) + 40;
      y = Math.min(...personas.map((o) => Number(o.fields.y) || 0));
    } else {
      const b = bounds(state.objects());
      if (b) x = b.x + b.w + 40;
    }
    try {
      const r = await fetch(`/api/templates/persona/ops?prefix=p${n}&x=${Math.round(x)}&y=${Math.round(y)}`);
      if (!r.ok) throw new Error(String(r.status));
      const ops = await r.json();
      if (Array.isArray(ops) && ops[0] && ops[0].kind === "frame" && ops[0].fields) ops[0].fields.title = `Persona ${n}`;
      if (edit(ops)) {
        const c = canvas.getBoundingClientRect();
        vp = fit({ x, y, w: 1240, h: 820 }, c.width, c.height);
        applyViewport();
      }
    } catch {
      showNotice("A new persona could not be added just now. Please check your connection and try again.");
    }
  }

  // ------------------------------------------------------------------
  // The context menu of objects.

  const menu = makeMenu($("object-menu"));
  /** Kinds with a menu: what stands on the board by itself. */
  const HAS_MENU = new Set([...MOVABLE, "connector"]);

  /**
   * Opens the menu for object id at (x, y) on the screen.
   * @param {string} id
   * @param {number} x
   * @param {number} y
   */
  function openMenu(id, x, y) {
    const o = sync?.view().get(id);
    if (!o || !HAS_MENU.has(o.kind) || menu.isOpen()) return false;
    if (!selected.has(id)) {
      selected.clear();
      selected.add(id);
      scheduleRender();
    }
    /** @type {import("./menu.js").MenuItem[]} */
    const items = [];
    if (o.kind === "card") items.push({ label: "Add a note to this card", run: () => addCardNote(id) });
    items.push({ label: "Duplicate", run: duplicateSelected });
    items.push({ label: "Bring to front", run: () => {
      const g = `front-${newID()}`;
      for (const sid of selected) edit([{ op: "update", id: sid, fields: { z: topZ() } }], g);
      history.seal();
    } });
    items.push({ label: "Delete", run: deleteSelected });
    menu.open(items, x, y, `Actions for ${selected.size > 1 ? `${selected.size} things` : objectLabel(o)}`);
    return true;
  }

  /**
   * Puts pasted or duplicated objects on top of everything, keeping their
   * own order: a copy is what the person wants to work with next, and one
   * hidden under its original could not be reached.
   * @param {any[]} ops creates
   */
  function raiseCopies(ops) {
    const stacked = ops.filter((o) => typeof o.fields.z === "string")
      .sort((a, b) => (a.fields.z < b.fields.z ? -1 : a.fields.z > b.fields.z ? 1 : 0));
    let z = stacked.length > 0 ? topZ() : "";
    for (const o of stacked) {
      o.fields.z = z;
      z = keyBetween(z, "");
    }
    return ops;
  }

  function duplicateSelected() {
    const copied = copyObjects(sync.view(), selected);
    const { ops, ids } = pasteOps(copied, newID, 24, 24);
    raiseCopies(ops);
    if (edit(ops)) {
      selected.clear();
      for (const id of ids) selected.add(id);
      scheduleRender();
    }
  }

  // In a field that was being written in, the browser's own menu
  // (spelling, paste) stays. Whether it was is settled when the button
  // goes down, before the press itself can focus the field.
  let rightInField = false;
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 2) return;
    const field = /** @type {HTMLElement} */ (ev.target).closest("textarea, input, select");
    rightInField = !!field && document.activeElement === field;
  }, true);
  // Nor does a right click start writing in a note it lands on.
  canvas.addEventListener("mousedown", (ev) => { if (ev.button === 2 && !rightInField) ev.preventDefault(); }, true);
  canvas.addEventListener("contextmenu", (ev) => {
    const t = /** @type {HTMLElement} */ (ev.target);
    if (rightInField) return;
    // A long press on a touch screen brings a contextmenu event too, once
    // our menu is already open: the browser's own must not cover it.
    if (menu.isOpen()) {
      ev.preventDefault();
      return;
    }
    const id = objectOf(t);
    if (id && openMenu(id, ev.clientX, ev.clientY)) ev.preventDefault();
  });

  // A long press with a finger or pen: the same menu. A field being
  // edited keeps the browser's own long press (selecting words).
  /** @type {{id: number, x: number, y: number, timer: any} | null} */
  let press = null;
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse") return;
    const t = /** @type {HTMLElement} */ (ev.target);
    const field = t.closest("textarea, input, select");
    if (field && document.activeElement === field) return;
    const id = objectOf(t);
    if (!id) return;
    clearTimeout(press?.timer);
    const x = ev.clientX, y = ev.clientY;
    const pointerId = ev.pointerId;
    press = { id: pointerId, x, y, timer: setTimeout(() => {
      press = null;
      if (!openMenu(id, x, y)) return;
      pointer.cancel(pointerId);
      pressOpened = true;
    }, LongPressMs) };
  }, true);
  // Lifting the finger after a long press must not also tap what is under
  // it: that would focus the note and close the menu at once.
  let pressOpened = false;
  canvas.addEventListener("touchend", (ev) => { if (pressOpened) ev.preventDefault(); }, { capture: true, passive: false });
  canvas.addEventListener("pointerup", () => { if (pressOpened) setTimeout(() => { pressOpened = false; }, 0); }, true);
  canvas.addEventListener("click", (ev) => {
    if (!pressOpened) return;
    pressOpened = false;
    ev.preventDefault();
    ev.stopPropagation();
  }, true);
  const endPress = (/** @type {PointerEvent} */ ev) => {
    if (!press || ev.pointerId !== press.id) return;
    if (ev.type === "pointermove" && Math.hypot(ev.clientX - press.x, ev.clientY - press.y) <= LongPressSlopPx) return;
    clearTimeout(press.timer);
    press = null;
  };
  for (const type of ["pointermove", "pointerup", "pointercancel"]) canvas.addEventListener(type, /** @type {any} */ (endPress), true);

  document.addEventListener("keydown", (ev) => {
    const t = /** @type {HTMLElement} */ (ev.target);
    const typing = t instanceof HTMLTextAreaElement || t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t.isContentEditable;
    const mod = ev.ctrlKey || ev.metaKey;
    if (!sync || document.querySelector("dialog[open]") || menu.isOpen()) return;
    if (!typing && selected.size > 0 && (ev.key === "ContextMenu" || (ev.shiftKey && ev.key === "F10"))) {
      const first = [...selected][0];
      const r = renderer.el(first)?.getBoundingClientRect();
      if (r && openMenu(first, r.left + 12, r.top + 12)) ev.preventDefault();
      return;
    }
    if (mod && !ev.altKey && (ev.key === "z" || ev.key === "Z")) {
      // In a text field with typing not yet sent, the browser's own undo
      // works on the letters; otherwise undo is the board's.
      if (typing && dirty.has(t)) return;
      ev.preventDefault();
      if (ev.shiftKey) redo();
      else undo();
      return;
    }
    if (mod && !ev.altKey && (ev.key === "a" || ev.key === "A") && !typing) {
      // Select everything on the board that can be moved.
      ev.preventDefault();
      selected.clear();
      for (const o of sync.view().objects()) if (MOVABLE.has(o.kind) || o.kind === "connector") selected.add(o.id);
      scheduleRender();
      return;
    }
    if (mod && !ev.altKey && !typing && ["c", "C", "x", "X"].includes(ev.key) && selected.size > 0) {
      // Copy (or cut) what is selected, with what hangs from it.
      ev.preventDefault();
      clip = copyObjects(sync.view(), selected);
      pasteCount = 0;
      if (ev.key === "x" || ev.key === "X") deleteSelected();
      return;
    }
    if (mod && !ev.altKey && !typing && (ev.key === "v" || ev.key === "V") && clip.length > 0) {
      // Each paste lands a little further along, so copies never hide
      // each other.
      ev.preventDefault();
      pasteCount++;
      const { ops, ids } = pasteOps(clip, newID, 24 * pasteCount, 24 * pasteCount);
      raiseCopies(ops);
      if (edit(ops)) {
        selected.clear();
        for (const id of ids) selected.add(id);
        scheduleRender();
      }
      return;
    }
    if (mod && !ev.altKey && (ev.key === "y" || ev.key === "Y")) {
      if (typing && dirty.has(t)) return;
      ev.preventDefault();
      redo();
      return;
    }
    if (ev.key === " " && !typing) {
      pointer.setSpace(true);
      canvas.classList.add("panning");
      ev.preventDefault();
      return;
    }
    if (typing) {
      if (ev.key === "F2") {
        ev.preventDefault();
        rename(objectOf(t));
        return;
      }
      if (ev.key === "Escape") {
        const owner = /** @type {HTMLElement | null} */ (t.closest(".obj"));
        t.blur();
        if (owner && owner.tabIndex === -1) owner.focus();
      }
      return;
    }
    if (mod || ev.altKey) return;
    const step = ev.shiftKey ? 10 : 1;
    switch (ev.key) {
      case "v": case "V": setTool("select"); break;
      case "n": case "N": setTool("note"); break;
      case "t": case "T": setTool("text"); break;
      case "s": case "S": setTool("shape"); break;
      case "c": case "C": setTool("connector"); break;
      case "p": case "P": setTool("pen"); break;
      case "+": case "=": zoomBy(1.25); break;
      case "-": case "_": zoomBy(0.8); break;
      case "0": fitAll(); break;
      case "?": /** @type {HTMLDialogElement} */ ($("help-dialog")).showModal(); break;
      case "F2": {
        const id = [...selected][0];
        if (id) rename(id);
        break;
      }
      case "Delete": case "Backspace": deleteSelected(); break;
      case "Escape":
        selected.clear();
        setTool("select");
        scheduleRender();
        break;
      case "ArrowLeft": case "ArrowRight": case "ArrowUp": case "ArrowDown": {
        if (selected.size === 0) {
          const d = 40 * step;
          vp = { ...vp, x: vp.x + (ev.key === "ArrowLeft" ? d : ev.key === "ArrowRight" ? -d : 0), y: vp.y + (ev.key === "ArrowUp" ? d : ev.key === "ArrowDown" ? -d : 0) };
          applyViewport();
        } else {
          const dx = ev.key === "ArrowLeft" ? -step * 10 : ev.key === "ArrowRight" ? step * 10 : 0;
          const dy = ev.key === "ArrowUp" ? -step * 10 : ev.key === "ArrowDown" ? step * 10 : 0;
          edit(moveOps(moveTargets(sync.view(), [...selected]), dx, dy), `nudge:${[...selected].join(",")}`);
        }
        break;
      }
      default:
        return;
    }
    ev.preventDefault();
  });
  document.addEventListener("keyup", (ev) => {
    if (ev.key === " ") {
      pointer.setSpace(false);
      canvas.classList.remove("panning");
    }
  });

  /**
   * Lets the person rename a frame (its title) or a cell (its label) in place.
   * @param {string} id
   */
  function rename(id) {
    const o = sync.view().get(id);
    const el = renderer.el(id);
    if (!o || !el || (o.kind !== "frame" && o.kind !== "cell")) return;
    const field = o.kind === "frame" ? "title" : "label";
    const heading = /** @type {HTMLElement | null} */ (el.querySelector(o.kind === "frame" ? ".frame-title" : ".cell-label"));
    if (!heading || el.querySelector(".rename-input")) return;
    const input = /** @type {HTMLInputElement} */ (h("input", "rename-input"));
    input.value = String(o.fields[field] || "");
    input.maxLength = 200;
    input.setAttribute("aria-label", o.kind === "frame" ? "Frame title" : "Cell name");
    heading.hidden = true;
    heading.after(input);
    input.focus();
    input.select();
    let done = false;
    const finish = (/** @type {boolean} */ save) => {
      if (done) return;
      done = true;
      const value = input.value.trim();
      input.remove();
      heading.hidden = false;
      if (save && value !== "" && value !== o.fields[field]) edit([{ op: "update", id, fields: { [field]: value } }]);
    };
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); finish(true); }
      else if (ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
  }

  canvas.addEventListener("dblclick", (ev) => {
    const t = /** @type {Element} */ (ev.target);
    const heading = t.closest(".frame-title, .cell-label");
    if (heading) rename(objectOf(heading));
  });

  // ------------------------------------------------------------------
  // Notices and the respectful-language hint.

  /** @type {any} */
  let noticeTimer = null;
  /**
   * @param {string} text
   * @param {boolean} [brief] hides by itself after a few seconds
   * @param {boolean} [info] information rather than a problem
   */
  function showNotice(text, brief = false, info = brief) {
    const n = $("notice");
    n.classList.toggle("info", info);
    /** @type {HTMLElement} */ (n.querySelector(".notice-text")).textContent = text;
    n.hidden = false;
    clearTimeout(noticeTimer);
    if (brief) noticeTimer = setTimeout(() => { n.hidden = true; }, 4000);
  }
  $("notice").querySelector("button")?.addEventListener("click", () => { $("notice").hidden = true; });

  function boardTerms() {
    const o = sync?.view().get(TERMS_ID);
    if (o && o.kind === "text" && typeof o.fields.text === "string") return parseTerms(o.fields.text);
    return DEFAULT_TERMS;
  }

  /** @param {string} text */
  function checkLanguage(text) {
    const found = findTerms(text, boardTerms()).filter((t) => !dismissedTerms.has(t.term.toLowerCase()));
    const hint = $("language-hint");
    if (found.length === 0) return;
    hint.dataset.terms = found.map((t) => t.term.toLowerCase()).join("\n");
    /** @type {HTMLElement} */ (hint.querySelector(".hint-text")).textContent = hintText(found);
    hint.hidden = false;
  }
  $("language-hint").querySelector(".hint-dismiss")?.addEventListener("click", () => {
    const hint = $("language-hint");
    for (const t of (hint.dataset.terms || "").split("\n")) if (t) dismissedTerms.add(t);
    hint.hidden = true;
  });

  function openTerms() {
    if (!sync) return;
    const d = /** @type {HTMLDialogElement} */ ($("terms-dialog"));
    const ta = /** @type {HTMLTextAreaElement} */ ($("terms-text"));
    const o = sync.view().get(TERMS_ID);
    ta.value = o && typeof o.fields.text === "string" ? o.fields.text : defaultTermsText();
    d.showModal();
  }
  $("terms-save").addEventListener("click", (ev) => {
    ev.preventDefault();
    const ta = /** @type {HTMLTextAreaElement} */ ($("terms-text"));
    const o = sync.view().get(TERMS_ID);
    if (o) edit([{ op: "update", id: TERMS_ID, fields: { text: ta.value } }]);
    else if (sync.view().isDeleted(TERMS_ID)) showNotice("This board's word list was removed and cannot be made again here.");
    else edit([{ op: "create", id: TERMS_ID, kind: "text", fields: { text: ta.value } }]);
    /** @type {HTMLDialogElement} */ ($("terms-dialog")).close();
  });
  $("terms-cancel").addEventListener("click", () => /** @type {HTMLDialogElement} */ ($("terms-dialog")).close());
  $("help-close").addEventListener("click", () => /** @type {HTMLDialogElement} */ ($("help-dialog")).close());

  // ------------------------------------------------------------------
  // People, presence and cursors.

  const cursors = new Cursors(cursorsLayer);
  setInterval(() => { if (sync) cursors.prune(sync.users); }, 5000);

  function onPresence() {
    renderPeople($("people"), sync.users, sync.session);
    cursors.prune(sync.users);
    scheduleRender();
  }

  // ------------------------------------------------------------------
  // Workshop messages: broadcast, shared timer, "go to this board".

  let timerEnds = 0, timerOffset = 0;
  /** @type {any} */
  let timerTick = null;
  function showTimer() {
    const el = $("timer");
    const left = remaining(timerEnds, timerOffset, Date.now());
    if (timerEnds <= 0) {
      el.hidden = true;
      clearInterval(timerTick);
      timerTick = null;
      return;
    }
    el.hidden = false;
    el.classList.toggle("done", left === 0);
    /** @type {HTMLElement} */ (el.querySelector(".timer-value")).textContent = left === 0 ? "Time is up" : formatCountdown(left);
    el.setAttribute("aria-label", spokenCountdown(left));
    if (left === 0) {
      clearInterval(timerTick);
      timerTick = null;
    }
  }

  /** @param {any} m */
  function onWorkshop(m) {
    if (m.t === "broadcast") {
      const text = typeof m.message === "string" ? m.message.trim() : "";
      /** @type {HTMLElement} */ ($("broadcast").querySelector(".broadcast-text")).textContent = text;
      $("broadcast").hidden = text === "";
    } else if (m.t === "timer") {
      timerEnds = Number(m.endsAt) || 0;
      timerOffset = Number(m.now) ? Number(m.now) - Date.now() : 0;
      clearInterval(timerTick);
      timerTick = timerEnds > 0 ? setInterval(showTimer, 1000) : null;
      showTimer();
    } else if (m.t === "votes") {
      voting?.onMessage(m);
    } else if (m.t === "goto") {
      const path = gotoPath(m.board);
      if (!path || path === location.pathname) return;
      showNotice(gotoText(m.reason), false, true);
      // Send what was typed and give it a moment to be saved first.
      flushAll();
      const started = Date.now();
      const go = () => {
        if (sync.pending.length === 0 || Date.now() - started > 3000) {
          // Leave the board at once, so the facilitator's console stops
          // showing this page in its old group.
          sync.stop();
          location.href = path;
        } else setTimeout(go, 100);
      };
      setTimeout(go, 600);
    }
  }
  $("broadcast").querySelector(".broadcast-dismiss")?.addEventListener("click", () => { $("broadcast").hidden = true; });

  /** @type {{onMessage(m: any): void, refresh(): void} | null} */
  let voting = null;

  /**
   * On a workshop's board, learns this page's role and the workshop's
   * current timer, message and voting round: messages only tell what
   * changes while the page is open.
   */
  async function joinWorkshop() {
    let me;
    try {
      const r = await fetch(`/api/session?client=${encodeURIComponent(clientID)}`);
      if (!r.ok) return; // an open board, or no session: nothing more to show
      me = await r.json();
    } catch {
      return;
    }
    const w = me && me.workshop;
    if (!w || typeof w.id !== "string") return;
    const onThisWorkshop = w.plenary === boardID || (Array.isArray(w.groups) && w.groups.some((/** @type {any} */ g) => g.board === boardID));
    if (!onThisWorkshop) return;
    snapshots.setRole(me.role);
    if (w.timerEnds) onWorkshop({ t: "timer", endsAt: w.timerEnds });
    if (w.message && typeof w.message.text === "string") onWorkshop({ t: "broadcast", message: w.message.text });
    voting = mountVoting({ workshopID: w.id, boardID, clientID, canVote: me.role !== "observer", view: () => sync.view() });
  }

  // ------------------------------------------------------------------
  // Joining.

  /** @param {string} name */
  function join(name) {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    sync = new Sync({
      clientID,
      name,
      color,
      openSocket: () => /** @type {any} */ (new WebSocket(`${proto}//${location.host}/ws/boards/${encodeURIComponent(boardID)}`)),
    });
    sync.onChange = scheduleRender;
    sync.onStatus = showStatus;
    sync.onPresence = onPresence;
    sync.onCursors = (list) => cursors.move(list, sync.users, sync.session);
    sync.onWelcome = (m) => {
      const title = m.board && typeof m.board.title === "string" ? m.board.title : "Board";
      $("board-title").textContent = title;
      document.title = `${title} · Partnerboard`;
      /** @type {HTMLButtonElement} */ ($("add-persona")).hidden = false;
      const template = m.board && typeof m.board.template === "string" ? m.board.template : "";
      /** @type {HTMLElement} */ ($("export-minutes").parentElement).hidden = template !== "meeting";
    };
    sync.onWorkshop = onWorkshop;
    joinWorkshop();
    sync.onLock = (locked) => {
      $("locked-banner").hidden = !locked;
      document.body.classList.toggle("board-locked", locked);
    };
    sync.onError = (m) => {
      const text = ERROR_TEXT[m.code] || `Something you changed could not be saved. (${String(m.message || m.code || "unknown problem")})`;
      showNotice(text);
    };
    window.addEventListener("online", () => sync.reconnectNow());
    document.addEventListener("visibilitychange", () => { if (!document.hidden) sync.reconnectNow(); });
    window.addEventListener("beforeunload", (ev) => {
      flushAll();
      // Only ask when changes cannot reach the server right now; while
      // connected they are sent within moments (and re-sent on return).
      if (sync.pending.length > 0 && !sync.ready) ev.preventDefault();
    });
    // A page kept in the back-forward cache must not stay on the board.
    window.addEventListener("pagehide", (ev) => { if (ev.persisted) sync.stop(); });
    window.addEventListener("pageshow", (ev) => { if (ev.persisted) sync.start(); });
    /** @type {any} */ (window).partnerboard = {
      boardID,
      session: () => sync.session,
      seq: () => sync.seq,
      pending: () => sync.pending.length,
      state: () => sync.view().toJSON(),
      sync,
    };
    showStatus(sync.status());
    sync.start();
  }

  /** @param {string} s */
  function showStatus(s) {
    // Typing not yet sent counts as unsaved too.
    if (s === Saved && dirty.size > 0) s = Saving;
    const el = $("status");
    el.textContent = STATUS_TEXT[s] || "";
    el.dataset.state = s === Gone ? "offline" : s;
  }

  // Printing makes an A4 sheet (landscape, as a persona grid is wide) of
  // one persona: the one holding the selection, else the one nearest the
  // middle of the screen; the print stylesheet hides everything else.
  /** @type {{x: number, y: number, zoom: number} | null} */
  let viewBeforePrint = null;
  window.addEventListener("beforeprint", () => {
    if (!sync) return;
    const state = sync.view();
    const frames = state.objects().filter((o) => o.kind === "frame");
    /** @param {any} o */
    const frameOf = (o) => {
      for (let i = 0; o && i < 8; i++, o = state.get(String(o.fields.parent || ""))) if (o.kind === "frame") return o;
      return null;
    };
    let frame = null;
    for (const id of selected) if ((frame = frameOf(state.get(id)))) break;
    if (!frame && frames.length > 0) {
      const r = canvas.getBoundingClientRect();
      const mid = toBoard(vp, r.width / 2, r.height / 2);
      const dist = (/** @type {any} */ f) => Math.hypot(f.fields.x + f.fields.w / 2 - mid.x, f.fields.y + f.fields.h / 2 - mid.y);
      frame = frames.reduce((a, b) => (dist(b) < dist(a) ? b : a));
    }
    const b = bounds(frame ? [frame] : state.objects());
    if (!b) return;
    viewBeforePrint = vp;
    vp = fit(b, PrintWidthPx, PrintHeightPx);
    applyViewport();
  });
  window.addEventListener("afterprint", () => {
    if (!viewBeforePrint) return;
    vp = viewBeforePrint;
    viewBeforePrint = null;
    applyViewport();
  });

  // The conversation openers: built the first time they are opened.
  /** @type {ReturnType<typeof mountOpeners> | null} */
  let openers = null;
  $("openers-toggle").addEventListener("click", () => {
    const dock = $("openers");
    if (!openers) {
      openers = mountOpeners(dock, {
        place: (card) => {
          if (placeCard(card)) showNotice("The card is on the board, in the middle of your view. “+ Add a note” on it adds a note.", true, true);
        },
        say: (text) => showNotice(text, true, true),
      });
    }
    dock.hidden = !dock.hidden;
    $("openers-toggle").setAttribute("aria-expanded", String(!dock.hidden));
    if (!dock.hidden) /** @type {HTMLElement | null} */ (dock.querySelector("button"))?.focus();
  });

  for (const format of ["md", "csv", "minutes", "json", "svg"]) {
    /** @type {HTMLAnchorElement} */ ($(`export-${format}`)).href = `/api/boards/${encodeURIComponent(boardID)}/export?format=${format}`;
  }

  const snapshots = mountSnapshots({ boardID, edit, view: () => sync.view(), say: (text, brief) => showNotice(text, brief, true) });

  setTool("select");
  applyViewport();
  updateUndoButtons();
  // On narrow screens the partners panel starts folded, so it covers less.
  if (window.innerWidth <= 900) /** @type {HTMLDetailsElement} */ (canvas.querySelector(".partners-panel")).open = false;
  window.addEventListener("resize", () => { if (!fitted) applyViewport(); });

  // The display name: asked for once, kept in localStorage, changeable by
  // clicking your own name in the list of people.
  const nameDialog = /** @type {HTMLDialogElement} */ ($("name-dialog"));
  const nameInput = /** @type {HTMLInputElement} */ ($("name-input"));
  $("name-ok").addEventListener("click", (ev) => {
    ev.preventDefault();
    const name = limitName(nameInput.value.trim());
    if (!name) {
      nameInput.setAttribute("aria-invalid", "true");
      $("name-error").hidden = false;
      nameInput.focus();
      return;
    }
    nameInput.removeAttribute("aria-invalid");
    $("name-error").hidden = true;
    localStorage.setItem("pb-name", name);
    nameDialog.close();
    if (!sync) {
      join(name);
    } else if (name !== sync.name) {
      // Others learn a new name when the page joins again.
      sync.name = name;
      sync.drop();
    }
  });
  nameDialog.addEventListener("cancel", (ev) => { if (!sync) ev.preventDefault(); });
  $("people").addEventListener("click", (ev) => {
    const li = /** @type {HTMLElement} */ (ev.target).closest("li.me");
    if (!li || !sync) return;
    nameInput.value = sync.name;
    nameDialog.showModal();
    nameInput.select();
  });

  const stored = limitName((localStorage.getItem("pb-name") || "").trim());
  if (stored) {
    join(stored);
  } else {
    showStatus(Connecting);
    nameDialog.showModal();
    nameInput.focus();
  }
}

/**
 * Cuts a name to at most 64 bytes of UTF-8 (the protocol's limit) without
 * splitting a character.
 * @param {string} name
 */
function limitName(name) {
  const enc = new TextEncoder();
  let out = "";
  for (const ch of name) {
    if (enc.encode(out + ch).length > 64) break;
    out += ch;
  }
  return out;
}
