// @ts-check
/**
 * @file Copy and paste of board objects. Pure: no DOM.
 *
 * Copying takes the selected objects and everything that hangs from them
 * (a frame's cells, a list's items, a response's referrals). Pasting makes
 * new objects under new ids — ids are never reused — shifted a little so
 * the copy is visible, with references among the copied objects pointing
 * at the copies. References to objects that were not copied (a partner, a
 * connector's far end) are kept as they are.
 */

/** @typedef {{id: string, kind: string, fields: Record<string, any>}} Obj */

const REFS = ["parent", "from", "to", "links", "partners"];

/**
 * The objects with ids in ids, and their descendants by parent, in an
 * order where every parent comes before its children.
 * @param {{objects(): Obj[]}} state
 * @param {Iterable<string>} ids
 * @returns {Obj[]}
 */
export function copyObjects(state, ids) {
  const all = state.objects();
  /** @type {Map<string, Obj[]>} */
  const children = new Map();
  for (const o of all) {
    const p = o.fields.parent;
    if (typeof p === "string" && p) {
      if (!children.has(p)) children.set(p, []);
      /** @type {Obj[]} */ (children.get(p)).push(o);
    }
  }
  const byID = new Map(all.map((o) => [o.id, o]));
  /** @type {Obj[]} */
  const out = [];
  const seen = new Set();
  /** @param {string} id */
  const take = (id) => {
    const o = byID.get(id);
    if (!o || seen.has(id)) return;
    seen.add(id);
    out.push({ id: o.id, kind: o.kind, fields: structuredClone(o.fields) });
    for (const c of children.get(id) || []) take(c.id);
  };
  for (const id of ids) take(id);
  // Connectors and referrals after everything they may point at.
  const late = (/** @type {Obj} */ o) => (o.kind === "connector" || o.kind === "referral" ? 1 : 0);
  return out.map((o, i) => ({ o, i })).sort((a, b) => late(a.o) - late(b.o) || a.i - b.i).map((x) => x.o);
}

/**
 * Create ops for a paste of copied objects, shifted by (dx, dy).
 * @param {Obj[]} copied
 * @param {() => string} newID
 * @param {number} dx
 * @param {number} dy
 * @returns {{ops: any[], ids: string[]}} the ops, and the new ids of the
 *   copied objects in order
 */
export function pasteOps(copied, newID, dx, dy) {
  /** @type {Map<string, string>} */
  const rename = new Map(copied.map((o) => [o.id, newID()]));
  const ops = [];
  for (const o of copied) {
    const f = structuredClone(o.fields);
    for (const k of REFS) {
      const v = f[k];
      if (typeof v === "string" && rename.has(v)) f[k] = rename.get(v);
      else if (Array.isArray(v)) f[k] = v.map((id) => rename.get(id) || id);
    }
    for (const [kx, ky] of [["x", "y"], ["x2", "y2"]]) {
      if (typeof f[kx] === "number") f[kx] += dx;
      if (typeof f[ky] === "number") f[ky] += dy;
    }
    if (Array.isArray(f.points)) f.points = f.points.map((/** @type {number} */ v, /** @type {number} */ i) => v + (i % 2 === 0 ? dx : dy));
    ops.push({ op: "create", id: rename.get(o.id), kind: o.kind, fields: f });
  }
  return { ops, ids: copied.map((o) => /** @type {string} */ (rename.get(o.id))) };
}
