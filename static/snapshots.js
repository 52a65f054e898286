// @ts-check
/**
 * @file The snapshots dialog of the board page: save the board as it is
 * now under a name, list what was saved, look at one (a picture and what
 * has changed since), download it, and bring the board back to it.
 *
 * A restore is not a special server action. The server works out the ops
 * that turn the board now into the snapshot; the page sends them through
 * its ordinary edit path, so everyone on the board sees the restore live
 * and its author can undo it in one step, like any other change.
 */

import { api, el } from "./api.js";

/**
 * @typedef {{id: string, board: string, name: string, created: number, seq: number}} Snapshot
 * @typedef {{id: string, kind: string, fields: Record<string, any>}} BoardObject
 * @typedef {{added: BoardObject[] | null, removed: BoardObject[] | null,
 *   changed: {id: string, kind: string, fields: string[]}[] | null}} Diff
 * @typedef {{
 *   boardID: string,
 *   edit: (ops: any[], group?: string) => boolean,
 *   view: () => {get(id: string): BoardObject | undefined},
 *   say: (text: string, quiet?: boolean) => void,
 * }} Deps
 */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** How object kinds read in the lists of changes. */
const KIND_NAMES = /** @type {Record<string, string>} */ ({
  note: "Sticky note", text: "Text", cell: "Grid cell", item: "List entry", shape: "Shape",
  connector: "Connector", stroke: "Drawing", frame: "Frame", card: "Prompt card",
  partner: "Partner", referral: "Referral",
});

/** Longest piece of an object's text shown in a list of changes. */
export const LabelChars = 80;

/**
 * A short readable name for a board object: its text, label or name, or
 * its kind when it has none.
 * @param {{kind: string, fields?: Record<string, any>} | undefined} o
 */
export function objectLabel(o) {
  if (!o) return "Something";
  const f = o.fields || {};
  const kind = KIND_NAMES[o.kind] || "Something";
  for (const key of ["text", "label", "name", "prompt", "reason"]) {
    const v = typeof f[key] === "string" ? f[key].trim().replace(/\s+/g, " ") : "";
    if (v) return `${kind}: “${v.length > LabelChars ? `${v.slice(0, LabelChars - 1)}…` : v}”`;
  }
  return kind;
}

/** @param {number} ms */
function when(ms) {
  try {
    return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  } catch {
    return "";
  }
}

/**
 * Wires the dialog into the board page.
 * @param {Deps} deps
 */
export function mountSnapshots(deps) {
  const dialog = /** @type {HTMLDialogElement} */ ($("snapshots-dialog"));
  const nameInput = /** @type {HTMLInputElement} */ ($("snap-name"));
  const error = $("snap-error");
  const base = `/api/boards/${encodeURIComponent(deps.boardID)}`;
  /** @type {Snapshot | null} */
  let shown = null;

  /** @param {string} text */
  const fail = (text) => {
    error.textContent = text;
    error.hidden = text === "";
  };

  async function list() {
    const ul = $("snap-list");
    /** @type {Snapshot[]} */
    let all = [];
    try {
      all = await api("GET", `${base}/snapshots`);
    } catch (err) {
      fail(/** @type {Error} */ (err).message);
      return;
    }
    if (!Array.isArray(all)) all = [];
    // The same list again leaves the page alone: a button someone is
    // about to press (or a screen reader is on) stays where it is.
    const key = JSON.stringify(all.map((sn) => [sn.id, sn.name, sn.created]));
    if (ul.dataset.key === key) return;
    ul.dataset.key = key;
    ul.replaceChildren(...all.map((sn) => {
      const li = el("li", undefined, "snap-entry");
      li.dataset.snapshot = sn.id;
      li.append(el("span", sn.name, "snap-name"), el("span", when(sn.created), "muted"));
      const look = /** @type {HTMLButtonElement} */ (el("button", "Look and compare", "secondary snap-open"));
      look.type = "button";
      look.setAttribute("aria-label", `Look and compare: “${sn.name}”`);
      look.addEventListener("click", () => open(sn));
      li.append(look);
      return li;
    }));
    $("snap-none").hidden = ul.children.length > 0;
  }

  /** @param {Snapshot} sn */
  async function open(sn) {
    fail("");
    /** @type {Diff} */
    let diff;
    try {
      diff = await api("GET", `/api/snapshots/${encodeURIComponent(sn.id)}/compare`);
    } catch (err) {
      fail(/** @type {Error} */ (err).message);
      return;
    }
    shown = sn;
    $("snap-detail").hidden = false;
    $("snap-detail-heading").textContent = `“${sn.name}”, saved ${when(sn.created)}`;
    const added = diff.added || [], removed = diff.removed || [], changed = diff.changed || [];
    $("snap-summary").textContent = added.length + removed.length + changed.length === 0
      ? "The board is just as it was then."
      : `Since then: ${added.length} added, ${removed.length} removed, ${changed.length} changed.`;
    const view = deps.view();
    fill("snap-added", added.map((o) => objectLabel(o)));
    fill("snap-removed", removed.map((o) => objectLabel(o)));
    fill("snap-changed", changed.map((c) => objectLabel(view.get(c.id) || { kind: c.kind })));
    const sid = encodeURIComponent(sn.id);
    const picture = /** @type {HTMLImageElement} */ ($("snap-picture"));
    picture.src = `/api/snapshots/${sid}/export?format=svg`;
    picture.alt = `The board as it was at “${sn.name}”`;
    for (const format of ["json", "md", "csv", "svg"]) {
      /** @type {HTMLAnchorElement} */ ($(`snap-export-${format}`)).href = `/api/snapshots/${sid}/export?format=${format}`;
    }
  }

  /**
   * @param {string} id
   * @param {string[]} labels
   */
  function fill(id, labels) {
    const ul = $(id);
    ul.replaceChildren(...labels.map((l) => el("li", l)));
    /** @type {HTMLElement} */ (ul.parentElement).hidden = labels.length === 0;
  }

  async function restore() {
    if (!shown) return;
    const sn = shown;
    fail("");
    let out;
    try {
      out = await api("GET", `/api/snapshots/${encodeURIComponent(sn.id)}/restore`);
    } catch (err) {
      fail(/** @type {Error} */ (err).message);
      return;
    }
    const ops = Array.isArray(out.ops) ? out.ops : [];
    if (ops.length === 0) {
      fail("The board is already just as it was then: there is nothing to restore.");
      return;
    }
    // One undo group: Ctrl+Z takes the whole restore back at once.
    if (!deps.edit(ops, `restore-${sn.id}-${Date.now()}`)) return;
    dialog.close();
    deps.say(`The board is back as it was at “${sn.name}”. Everyone sees it now. Undo takes it back.`, true);
  }

  $("snap-save").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = nameInput.value.trim();
    if (!name) {
      fail("Please name the snapshot, for example “After the first round”.");
      nameInput.focus();
      return;
    }
    try {
      await api("POST", `${base}/snapshots`, { name });
    } catch (err) {
      fail(/** @type {Error} */ (err).message);
      return;
    }
    fail("");
    nameInput.value = "";
    $("snap-saved").textContent = `Saved “${name}”.`;
    await list();
  });
  $("snap-restore").addEventListener("click", restore);
  $("snap-close").addEventListener("click", () => dialog.close());
  $("snapshots").addEventListener("click", () => {
    fail("");
    $("snap-saved").textContent = "";
    $("snap-detail").hidden = true;
    shown = null;
    dialog.showModal();
    nameInput.focus();
    list();
  });

  return {
    /**
     * On a workshop's board only facilitators save snapshots, and
     * observers only look.
     * @param {string} role
     */
    setRole(role) {
      $("snap-save").hidden = role !== "facilitator";
      $("snap-restore").hidden = role === "observer";
    },
  };
}
