// @ts-check
/**
 * @file Who is here and where their pointers are: the list of people in the
 * header and the live cursors on the board. Names are set with textContent.
 */

import { h } from "./render.js";

/** A cursor that has not moved for this long fades out, in ms. */
export const CursorIdle = 30000;

/** @typedef {import("./sync.js").User} User */

/**
 * Shows everyone on the board, this page's person first.
 * @param {HTMLElement} list ul#people
 * @param {Map<string, User>} users
 * @param {string} me this page's session
 */
export function renderPeople(list, users, me) {
  const sorted = [...users.values()].sort((a, b) => (a.id === me ? -1 : b.id === me ? 1 : a.name.localeCompare(b.name)));
  list.replaceChildren(...sorted.map((u) => {
    const li = h("li", u.id === me ? "me" : "");
    li.dataset.session = u.id;
    if (u.color) li.style.setProperty("--person", u.color);
    if (u.id === me) {
      // Your own name is a button: it changes your name. Its text is only
      // the name, so the list still reads as the names of the people here.
      const b = h("button", "me-button", u.name);
      b.setAttribute("type", "button");
      b.setAttribute("aria-label", `You: ${u.name}. Change your name`);
      b.title = "You: click to change your name";
      li.append(b);
    } else {
      li.textContent = u.name;
    }
    return li;
  }));
}

export class Cursors {
  /** @param {HTMLElement} layer the cursor layer inside the board */
  constructor(layer) {
    this.layer = layer;
    /** @type {Map<string, {el: HTMLElement, at: number}>} */
    this.cursors = new Map();
  }

  /**
   * Moves others' cursors (board coordinates).
   * @param {[string, number, number][]} list
   * @param {Map<string, User>} users
   * @param {string} me
   */
  move(list, users, me) {
    const now = Date.now();
    for (const [session, x, y] of list) {
      if (session === me || typeof session !== "string") continue;
      let c = this.cursors.get(session);
      if (!c) {
        const el = h("div", "cursor");
        el.dataset.session = session;
        el.setAttribute("aria-hidden", "true");
        el.append(h("span", "cursor-name"));
        this.layer.append(el);
        c = { el, at: now };
        this.cursors.set(session, c);
      }
      c.at = now;
      c.el.classList.remove("idle");
      const u = users.get(session);
      const name = u ? u.name : "Someone";
      const label = /** @type {HTMLElement} */ (c.el.querySelector(".cursor-name"));
      if (label.textContent !== name) label.textContent = name;
      if (u && u.color) c.el.style.setProperty("--person", u.color);
      c.el.style.left = `${Number(x) || 0}px`;
      c.el.style.top = `${Number(y) || 0}px`;
    }
  }

  /**
   * Removes the cursors of people who left and fades idle ones.
   * @param {Map<string, User>} users
   */
  prune(users) {
    const now = Date.now();
    for (const [session, c] of this.cursors) {
      if (!users.has(session)) {
        c.el.remove();
        this.cursors.delete(session);
      } else if (now - c.at > CursorIdle) {
        c.el.classList.add("idle");
      }
    }
  }
}
