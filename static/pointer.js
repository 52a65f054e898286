// @ts-check
/**
 * @file Pointer input on the board (mouse, pen and touch through pointer
 * events): the tools (select and move, resize, note, text, shape,
 * connector, pen), drawing in picture cells, panning, pinch and wheel zoom.
 * It turns gestures into ops through the board page's edit().
 */

import { MaxPoints } from "./model.js";
import { zoomAt } from "./viewport.js";

/** Kinds a person can pick up and move on the board. */
export const MOVABLE = new Set(["note", "text", "shape", "frame", "card", "stroke"]);
/** Kinds with a resize handle. */
export const RESIZABLE = new Set(["note", "text", "shape", "frame"]);

/**
 * What the pointer code needs from the board page.
 * @typedef {object} PointerContext
 * @property {HTMLElement} canvas
 * @property {HTMLElement} world
 * @property {SVGSVGElement} ink
 * @property {import("./render.js").Renderer} renderer
 * @property {Set<string>} selected
 * @property {() => import("./sync.js").Sync | undefined} sync
 * @property {() => string} tool
 * @property {() => import("./viewport.js").Viewport} vp
 * @property {(v: import("./viewport.js").Viewport) => void} setVP
 * @property {(cx: number, cy: number) => {x: number, y: number}} boardPoint
 * @property {() => void} scheduleRender
 * @property {(ops: import("./model.js").Op[], group?: string) => boolean} edit
 * @property {() => string | undefined} topZ
 * @property {() => string} newID
 * @property {(name: string) => void} setTool
 * @property {(el: Element | null) => string} objectOf
 * @property {() => string} currentInk
 * @property {(kind: string, x: number, y: number) => void} createAt
 */

/**
 * Listens to pointer and wheel events on the canvas.
 * @param {PointerContext} ctx
 * @returns {{setSpace: (down: boolean) => void}} space held: dragging pans
 */
export function installPointer(ctx) {
  const { canvas, world, ink, renderer, selected, boardPoint, scheduleRender, edit, topZ, newID, setTool, objectOf, currentInk, createAt } = ctx;

  /** Active pointers on the canvas background, for pinch. @type {Map<number, {x: number, y: number}>} */
  const touches = new Map();
  /** @type {null | {kind: string, id: number, [k: string]: any}} */
  let drag = null;
  let spaceDown = false;

  /** @param {Element} t */
  function isField(t) {
    return !!t.closest("textarea, input, select, button, label, a, .partners-panel, fieldset");
  }

  canvas.addEventListener("pointerdown", (ev) => {
    const sync = ctx.sync();
    if (!sync) return;
    const t = /** @type {Element} */ (ev.target);
    if (ev.button === 2) return;
    const p = boardPoint(ev.clientX, ev.clientY);
    // Panning: middle button, space held, or the background with the select tool.
    // A frame's background pans too (it often fills the screen); its title moves it.
    const onBackground = t === canvas || t === world || t === ink || t.classList.contains("obj-frame");
    const drawing = t.closest("svg.cell-drawing");
    if (ev.button === 1 || spaceDown || (ctx.tool() === "select" && onBackground && !drawing)) {
      touches.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
      if (touches.size === 2) {
        const [a, b] = [...touches.values()];
        drag = { kind: "pinch", id: ev.pointerId, dist: Math.hypot(a.x - b.x, a.y - b.y), vp: { ...ctx.vp() } };
      } else {
        drag = { kind: "pan", id: ev.pointerId, sx: ev.clientX, sy: ev.clientY, vp: { ...ctx.vp() } };
        selected.clear();
        scheduleRender();
      }
      canvas.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      return;
    }
    if (drawing || ctx.tool() === "pen") {
      if (isField(t) && !drawing) return;
      const cellID = drawing ? objectOf(drawing) : "";
      const svg = drawing ? /** @type {SVGSVGElement} */ (/** @type {unknown} */ (drawing)) : ink;
      const path = /** @type {SVGPathElement} */ (document.createElementNS("http://www.w3.org/2000/svg", "path"));
      path.setAttribute("class", "stroke drawing-now");
      path.style.setProperty("--obj-color", currentInk());
      svg.append(path);
      drag = { kind: "pen", id: ev.pointerId, cellID, path, points: [round(p.x), round(p.y)] };
      path.setAttribute("d", `M${p.x} ${p.y}l0.01 0`);
      canvas.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      return;
    }
    if (ctx.tool() === "note" || ctx.tool() === "text" || ctx.tool() === "shape") {
      if (isField(t) && !t.closest(".obj-note, .obj-text, .obj-shape")) return;
      createAt(ctx.tool(), p.x, p.y);
      ev.preventDefault();
      return;
    }
    if (ctx.tool() === "connector") {
      const from = t.closest(".obj");
      const fromID = from && from.getAttribute("data-kind") !== "frame" ? objectOf(from) : "";
      const line = /** @type {SVGPathElement} */ (document.createElementNS("http://www.w3.org/2000/svg", "path"));
      line.setAttribute("class", "connector-line drawing-now");
      ink.append(line);
      drag = { kind: "connector", id: ev.pointerId, fromID, x: p.x, y: p.y, line };
      canvas.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      return;
    }
    // Select tool on an object: select it; drag its grip to move, its corner to resize.
    const objEl = t.closest("[data-id]");
    if (!objEl) return;
    const id = objectOf(objEl);
    const o = sync.view().get(id);
    if (!o) return;
    if (t.classList.contains("resize-handle") && RESIZABLE.has(o.kind)) {
      drag = { kind: "resize", id: ev.pointerId, obj: id, sx: p.x, sy: p.y, w: Number(o.fields.w) || 200, h: Number(o.fields.h) || 150, el: objEl };
      canvas.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      return;
    }
    if (!ev.shiftKey && !selected.has(id)) selected.clear();
    selected.add(id);
    scheduleRender();
    if (isField(t) || !MOVABLE.has(o.kind) && o.kind !== "connector") return;
    if (o.kind === "connector") return;
    drag = { kind: "move", id: ev.pointerId, sx: p.x, sy: p.y, moved: false, targets: moveTargets(sync.view(), [...selected]) };
    canvas.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });

  canvas.addEventListener("pointermove", (ev) => {
    if (!ctx.sync()) return;
    const p = boardPoint(ev.clientX, ev.clientY);
    ctx.sync()?.cursor(p.x, p.y);
    if (touches.has(ev.pointerId)) touches.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (!drag) return;
    if (drag.kind === "pinch" && touches.size === 2) {
      const [a, b] = [...touches.values()];
      const dist = Math.hypot(a.x - b.x, a.y - b.y);
      const r = canvas.getBoundingClientRect();
      ctx.setVP(zoomAt(drag.vp, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top, dist / Math.max(1, drag.dist)));
      return;
    }
    if (drag.id !== ev.pointerId) return;
    switch (drag.kind) {
      case "pan":
        ctx.setVP({ ...drag.vp, x: drag.vp.x + ev.clientX - drag.sx, y: drag.vp.y + ev.clientY - drag.sy });
        break;
      case "pen": {
        const pts = drag.points;
        const lx = pts[pts.length - 2], ly = pts[pts.length - 1];
        if (Math.hypot(p.x - lx, p.y - ly) * ctx.vp().zoom < 2 || pts.length >= MaxPoints * 2) break;
        pts.push(round(p.x), round(p.y));
        drag.path.setAttribute("d", pathOf(pts));
        break;
      }
      case "connector":
        drag.line.setAttribute("d", `M${drag.x} ${drag.y}L${p.x} ${p.y}`);
        break;
      case "move": {
        const dx = p.x - drag.sx, dy = p.y - drag.sy;
        if (!drag.moved && Math.hypot(dx, dy) * ctx.vp().zoom < 3) break;
        drag.moved = true;
        for (const m of drag.targets) {
          const el = /** @type {HTMLElement | undefined} */ (renderer.el(m.id));
          if (el && m.kind !== "stroke") {
            el.style.left = `${m.x + dx}px`;
            el.style.top = `${m.y + dy}px`;
          } else if (el && m.points) {
            el.setAttribute("transform", `translate(${dx} ${dy})`);
          }
        }
        break;
      }
      case "resize": {
        const el = /** @type {HTMLElement} */ (drag.el);
        drag.nw = Math.max(40, drag.w + p.x - drag.sx);
        drag.nh = Math.max(30, drag.h + p.y - drag.sy);
        el.style.width = `${drag.nw}px`;
        el.style.height = `${drag.nh}px`;
        break;
      }
    }
  });

  /** @param {PointerEvent} ev */
  function pointerEnd(ev) {
    touches.delete(ev.pointerId);
    if (!drag) return;
    if (drag.kind === "pinch") {
      if (touches.size < 2) drag = null;
      return;
    }
    if (drag.id !== ev.pointerId) return;
    const d = drag;
    drag = null;
    const p = boardPoint(ev.clientX, ev.clientY);
    const cancelled = ev.type === "pointercancel";
    switch (d.kind) {
      case "pen": {
        d.path.remove();
        if (cancelled) break;
        /** @type {Record<string, any>} */
        const fields = { points: d.points, width: 3, color: currentInk() };
        if (d.cellID) fields.parent = d.cellID;
        else fields.z = topZ();
        edit([{ op: "create", id: newID(), kind: "stroke", fields }]);
        break;
      }
      case "connector": {
        d.line.remove();
        if (cancelled) break;
        const under = document.elementFromPoint(ev.clientX, ev.clientY);
        const toEl = under?.closest(".obj");
        const toID = toEl && toEl.getAttribute("data-kind") !== "frame" ? objectOf(toEl) : "";
        if (!d.fromID && !toID && Math.hypot(p.x - d.x, p.y - d.y) < 5) break;
        /** @type {Record<string, any>} */
        const fields = { x: round(d.x), y: round(d.y), x2: round(p.x), y2: round(p.y), arrow: "end", z: topZ() };
        if (d.fromID) fields.from = d.fromID;
        if (toID && toID !== d.fromID) fields.to = toID;
        const id = newID();
        edit([{ op: "create", id, kind: "connector", fields }]);
        setTool("select");
        selected.clear();
        selected.add(id);
        break;
      }
      case "move": {
        if (!d.moved || cancelled) {
          scheduleRender();
          break;
        }
        const dx = p.x - d.sx, dy = p.y - d.sy;
        for (const m of d.targets) {
          const el = renderer.el(m.id);
          if (el && m.points) el.removeAttribute("transform");
        }
        const ops = moveOps(d.targets, dx, dy);
        edit(ops);
        break;
      }
      case "resize":
        if (!cancelled && d.nw !== undefined) {
          edit([{ op: "update", id: d.obj, fields: { w: round(d.nw), h: round(d.nh) } }]);
        }
        scheduleRender();
        break;
    }
  }
  canvas.addEventListener("pointerup", pointerEnd);
  canvas.addEventListener("pointercancel", pointerEnd);
  canvas.addEventListener("pointerleave", () => { /* capture keeps drags going */ });



  canvas.addEventListener("wheel", (ev) => {
    const t = /** @type {Element} */ (ev.target);
    // Let lists and text that can scroll further scroll; otherwise zoom.
    if (!ev.ctrlKey && canScroll(t, ev.deltaY)) return;
    ev.preventDefault();
    const r = canvas.getBoundingClientRect();
    const vp = ctx.vp();
    if (ev.shiftKey && !ev.ctrlKey) {
      ctx.setVP({ ...vp, x: vp.x - ev.deltaY, y: vp.y - ev.deltaX });
    } else {
      const factor = Math.exp(-ev.deltaY * (ev.ctrlKey ? 0.01 : 0.0015));
      ctx.setVP(zoomAt(vp, ev.clientX - r.left, ev.clientY - r.top, factor));
    }
  }, { passive: false });

  /**
   * Whether an element between t and the canvas can scroll further in the
   * direction of dy.
   * @param {Element} t
   * @param {number} dy
   */
  function canScroll(t, dy) {
    for (let el = /** @type {Element | null} */ (t); el && el !== canvas; el = el.parentElement) {
      if (el.scrollHeight <= el.clientHeight + 1) continue;
      const oy = getComputedStyle(el).overflowY;
      if (oy !== "auto" && oy !== "scroll" && el.tagName !== "TEXTAREA") continue;
      if (dy < 0 ? el.scrollTop > 0 : el.scrollTop + el.clientHeight < el.scrollHeight - 1) return true;
    }
    return false;
  }

  return {
    setSpace: (down) => { spaceDown = down; },
    /**
     * Ends the gesture of pointer id as if the browser had cancelled it:
     * a long press that opened a menu is not also a drag or a tap.
     * @param {number} id
     */
    cancel: (id) => { if (drag) pointerEnd(new PointerEvent("pointercancel", { pointerId: id })); },
  };
}

/**
 * What moves when ids move: frames take their cells (and the strokes in
 * picture cells) with them.
 * @param {import("./model.js").State} state
 * @param {string[]} ids
 */
export function moveTargets(state, ids) {
  /** @type {{id: string, kind: string, x: number, y: number, points?: number[]}[]} */
  const out = [];
  const seen = new Set();
  const add = (/** @type {string} */ id) => {
    const o = state.get(id);
    if (!o || seen.has(id)) return;
    seen.add(id);
    if (o.kind === "stroke") {
      out.push({ id, kind: o.kind, x: 0, y: 0, points: /** @type {number[]} */ ([...(/** @type {number[]} */ (o.fields.points) || [])]) });
    } else if (typeof o.fields.x === "number" || MOVABLE.has(o.kind) || o.kind === "cell") {
      out.push({ id, kind: o.kind, x: Number(o.fields.x) || 0, y: Number(o.fields.y) || 0 });
    }
  };
  for (const id of ids) {
    add(id);
    const o = state.get(id);
    // A frame carries its cells, a card the notes attached to it.
    if (o && (o.kind === "frame" || o.kind === "card")) {
      for (const c of state.objects()) {
        if (c.fields.parent !== id) continue;
        add(c.id);
        for (const st of state.objects()) if (st.kind === "stroke" && st.fields.parent === c.id) add(st.id);
      }
    }
  }
  return out;
}

/**
 * The ops that move targets (from moveTargets) by (dx, dy).
 * @param {{id: string, x: number, y: number, points?: number[]}[]} targets
 * @param {number} dx
 * @param {number} dy
 * @returns {import("./model.js").Op[]}
 */
export function moveOps(targets, dx, dy) {
  return targets.map((m) => {
    /** @type {Record<string, number | number[]>} */
    const fields = m.points
      ? { points: m.points.map((v, i) => round(clamp(v + (i % 2 === 0 ? dx : dy)))) }
      : { x: round(clamp(m.x + dx)), y: round(clamp(m.y + dy)) };
    return { op: "update", id: m.id, fields };
  });
}

/** @param {number} v */
export function round(v) {
  return Math.round(v * 10) / 10;
}

/** @param {number} v */
export function clamp(v) {
  return Math.max(-1e6, Math.min(1e6, v));
}

/** @param {number[]} pts */
function pathOf(pts) {
  let d = `M${pts[0]} ${pts[1]}`;
  for (let i = 2; i + 1 < pts.length; i += 2) d += `L${pts[i]} ${pts[i + 1]}`;
  return d;
}
