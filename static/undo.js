// @ts-check
/**
 * @file Per-user undo and redo. Pure: no DOM.
 *
 * Each page keeps its own history of the batches it made, so undo never
 * reverts someone else's work. For every batch the page sends, `invert`
 * computes the ops that take the board back, from the state just before
 * the edit. Undo sends those ops as an ordinary batch (so everyone sees
 * it), and the inverse of the undo, computed the same way, becomes the redo.
 *
 * Only what this page changed is reverted: an undone update restores the
 * fields the edit touched, nothing else, so a colleague's later change to
 * another field of the same object stays. Edits to objects someone else has
 * since deleted are skipped.
 *
 * Ids are never reused (a delete leaves a tombstone, and a create of a
 * tombstoned id does nothing). So undoing a delete re-creates the object
 * under a NEW id, and the history remembers the mapping old id → new id:
 * every later undo or redo that names the old id (as the target, a parent,
 * a connector end, a link or a partner) is rewritten to the new one.
 * Undoing a delete also re-attaches what pointed at the object: connector
 * and referral ends (which the model detached) and the links and partner
 * lists of items that named it.
 */

/** @typedef {import("./model.js").Op} Op */
/** @typedef {import("./model.js").State} State */

/** Fields holding one id. */
const ID_FIELDS = ["parent", "from", "to"];
/** Fields holding a list of ids. */
const IDS_FIELDS = ["links", "partners"];

/**
 * Returns the ops that undo `ops` if applied to a state equal to `before`
 * followed by `ops`. `before` is not changed.
 * @param {State} before
 * @param {readonly Op[]} ops
 * @returns {Op[]}
 */
export function invert(before, ops) {
  const s = before.clone();
  /** @type {Op[][]} */
  const parts = [];
  for (const op of ops) {
    /** @type {Op[]} */
    const inv = [];
    const cur = s.get(op.id);
    if (op.op === "create") {
      if (!cur && !s.isDeleted(op.id)) inv.push({ op: "delete", id: op.id });
    } else if (op.op === "update") {
      if (cur) {
        /** @type {Record<string, any>} */
        const old = {};
        let any = false;
        for (const name of Object.keys(op.fields || {})) {
          const v = cur.fields[name];
          old[name] = v === undefined ? null : copy(v);
          any = true;
        }
        if (any) inv.push({ op: "update", id: op.id, fields: old });
      }
    } else if (op.op === "delete") {
      if (cur) {
        inv.push({ op: "create", id: op.id, kind: cur.kind, fields: copyFields(cur.fields) });
        // What pointed at it, to point it back after the re-create.
        for (const o of s.objects()) {
          if (o.id === op.id) continue;
          /** @type {Record<string, any>} */
          const f = {};
          let any = false;
          for (const name of ["from", "to"]) {
            if (o.fields[name] === op.id) { f[name] = op.id; any = true; }
          }
          for (const name of IDS_FIELDS) {
            const v = /** @type {readonly string[] | undefined} */ (o.fields[name]);
            if (Array.isArray(v) && v.includes(op.id)) { f[name] = v.slice(); any = true; }
          }
          if (any) inv.push({ op: "update", id: o.id, fields: f });
        }
      }
    }
    s.apply([op]);
    parts.push(inv);
  }
  return parts.reverse().flat();
}

/**
 * Rewrites ops for the current state: creates whose id is taken (live or
 * tombstoned) get a fresh id from newID, recorded in remap; every id the ops
 * name is mapped through remap; updates and deletes of objects that are not
 * live are dropped. Returns the ops to send ([] if nothing is left to do).
 * @param {State} state
 * @param {readonly Op[]} ops
 * @param {Map<string, string>} remap old id → new id; updated in place
 * @param {() => string} newID
 * @returns {Op[]}
 */
export function resolve(state, ops, remap, newID) {
  /** @param {string} id */
  const map = (id) => {
    let seen = 0;
    while (remap.has(id) && seen++ < 1000) id = /** @type {string} */ (remap.get(id));
    return id;
  };
  /** Ids this batch creates, so later ops of the batch may target them. */
  const creating = new Set();
  // Fresh ids first, so that references inside the batch map too.
  for (const op of ops) {
    if (op.op !== "create") continue;
    const id = map(op.id);
    if (state.get(id) || state.isDeleted(id) || creating.has(id)) {
      let fresh = "";
      const m = /^(.+)-([a-z]+)$/.exec(id);
      if (m && remap.has(m[1])) {
        const derived = `${map(m[1])}-${m[2]}`;
        if (derived.length <= 64 && !state.get(derived) && !state.isDeleted(derived) && !creating.has(derived)) fresh = derived;
      }
      if (!fresh) fresh = newID();
      remap.set(id, fresh);
      creating.add(fresh);
    } else {
      creating.add(id);
    }
  }
  /** @type {Op[]} */
  const out = [];
  for (const op of ops) {
    const id = map(op.id);
    if (op.op !== "create" && !state.get(id) && !creating.has(id)) continue;
    if (op.op === "delete") {
      out.push({ op: "delete", id });
      continue;
    }
    /** @type {Record<string, any>} */
    const fields = {};
    for (const [name, v] of Object.entries(op.fields || {})) {
      if (ID_FIELDS.includes(name) && typeof v === "string" && v !== "") fields[name] = map(v);
      else if (IDS_FIELDS.includes(name) && Array.isArray(v)) fields[name] = [...new Set(v.map((x) => map(String(x))))];
      else fields[name] = v;
    }
    /** @type {Op} */
    const o = op.op === "create" ? { op: "create", id, kind: op.kind, fields } : { op: "update", id, fields };
    out.push(o);
  }
  return out;
}

/**
 * History is one page's undo and redo stacks. Entries that share a `group`
 * (e.g. typing into one text field) and follow each other merge into one
 * step, keeping the oldest inverse.
 */
export class History {
  /** @param {number} [limit] most steps kept */
  constructor(limit = 200) {
    this.limit = limit;
    /** @type {{ops: Op[], group: string}[]} */
    this.undoStack = [];
    /** @type {{ops: Op[], group: string}[]} */
    this.redoStack = [];
    /** @type {Map<string, string>} */
    this.remap = new Map();
  }

  /**
   * Records an edit this page made.
   * @param {State} before the view just before the edit
   * @param {readonly Op[]} ops
   * @param {string} [group]
   */
  record(before, ops, group = "") {
    const inv = invert(before, ops);
    this.redoStack = [];
    if (inv.length === 0) return;
    const top = this.undoStack[this.undoStack.length - 1];
    if (group !== "" && top && top.group === group) {
      // Merge: undo the later edit first, then the earlier one. Fields
      // already restored by the older inverse win because they come last.
      top.ops = [...inv, ...top.ops];
      return;
    }
    this.undoStack.push({ ops: inv, group });
    if (this.undoStack.length > this.limit) this.undoStack.shift();
  }

  /** Ends the current group, so the next edit is a step of its own. */
  seal() {
    const top = this.undoStack[this.undoStack.length - 1];
    if (top) top.group = "";
  }

  canUndo() { return this.undoStack.length > 0; }
  canRedo() { return this.redoStack.length > 0; }

  /**
   * Returns the ops that undo this page's last step (to send as a batch),
   * or null if there is nothing left that can be undone.
   * @param {State} state the current view
   * @param {() => string} newID
   * @returns {Op[] | null}
   */
  undo(state, newID) {
    return this.step(state, newID, this.undoStack, this.redoStack);
  }

  /**
   * Returns the ops that redo the last undone step, or null.
   * @param {State} state
   * @param {() => string} newID
   * @returns {Op[] | null}
   */
  redo(state, newID) {
    return this.step(state, newID, this.redoStack, this.undoStack);
  }

  /**
   * @param {State} state
   * @param {() => string} newID
   * @param {{ops: Op[], group: string}[]} from
   * @param {{ops: Op[], group: string}[]} to
   */
  step(state, newID, from, to) {
    while (from.length > 0) {
      const e = /** @type {{ops: Op[], group: string}} */ (from.pop());
      const ops = resolve(state, e.ops, this.remap, newID);
      if (ops.length === 0) continue; // everything it touched is gone
      to.push({ ops: invert(state, ops), group: "" });
      return ops;
    }
    return null;
  }
}

/**
 * @param {any} v
 * @returns {any}
 */
function copy(v) {
  return Array.isArray(v) ? v.slice() : v;
}

/** @param {Record<string, any>} f */
function copyFields(f) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [k, v] of Object.entries(f)) out[k] = copy(v);
  return out;
}
