// @ts-check
/**
 * @file The context menu of board objects: right click, a long press on a
 * touch screen or with a pen, or the Menu key (Shift+F10) on what is
 * selected. A menu in the ARIA pattern: arrow keys move between items,
 * Enter or Space chooses, Escape closes and gives the focus back.
 */

import { el } from "./api.js";

/** How long a finger or pen must rest on an object to open the menu. */
export const LongPressMs = 550;
/** How far it may wander meanwhile (CSS pixels) and still count as resting. */
export const LongPressSlopPx = 8;

/** @typedef {{label: string, run: () => void}} MenuItem */

/**
 * @param {HTMLElement} menu the (empty) element that becomes the menu
 * @returns {{open(items: MenuItem[], x: number, y: number, label: string): void, close(): void, isOpen(): boolean}}
 */
export function makeMenu(menu) {
  menu.setAttribute("role", "menu");
  menu.hidden = true;
  /** @type {HTMLElement | null} */
  let returnTo = null;

  function close() {
    if (menu.hidden) return;
    menu.hidden = true;
    menu.replaceChildren();
    returnTo?.focus({ preventScroll: true });
    returnTo = null;
  }

  /** @param {number} d */
  function move(d) {
    const items = /** @type {HTMLElement[]} */ ([...menu.querySelectorAll("[role=menuitem]")]);
    const i = items.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    items[(i + d + items.length) % items.length]?.focus();
  }

  menu.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") move(1);
    else if (ev.key === "ArrowUp") move(-1);
    else if (ev.key === "Home") move(-Infinity);
    else if (ev.key === "Escape" || ev.key === "Tab") close();
    else return;
    ev.preventDefault();
  });
  menu.addEventListener("focusout", (ev) => {
    if (!menu.contains(/** @type {Node | null} */ (ev.relatedTarget))) setTimeout(() => { if (!menu.contains(document.activeElement)) close(); }, 0);
  });
  document.addEventListener("pointerdown", (ev) => {
    if (!menu.hidden && !menu.contains(/** @type {Node} */ (ev.target))) close();
  }, true);

  return {
    open(items, x, y, label) {
      returnTo = /** @type {HTMLElement | null} */ (document.activeElement);
      menu.setAttribute("aria-label", label);
      menu.replaceChildren(...items.map((it) => {
        const b = /** @type {HTMLButtonElement} */ (el("button", it.label, "menu-item"));
        b.type = "button";
        b.setAttribute("role", "menuitem");
        b.tabIndex = -1;
        b.addEventListener("click", () => {
          close();
          it.run();
        });
        return b;
      }));
      menu.hidden = false;
      // Keep it on screen.
      const r = menu.getBoundingClientRect();
      menu.style.left = `${Math.max(4, Math.min(x, window.innerWidth - r.width - 4))}px`;
      menu.style.top = `${Math.max(4, Math.min(y, window.innerHeight - r.height - 4))}px`;
      /** @type {HTMLElement | null} */ (menu.querySelector("[role=menuitem]"))?.focus();
    },
    close,
    isOpen: () => !menu.hidden,
  };
}
