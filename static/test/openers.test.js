// Tests of static/openers.js against a small stand-in for the DOM: only the
// calls the panel makes exist, so a call to anything else (innerHTML
// included) fails the test. The real page is covered by the browser tests.
//
//   node --test static/test/

import { test } from "node:test";
import assert from "node:assert/strict";
import { mountOpeners } from "../openers.js";
import { DEFAULT_DECK, MAX_DECK_FILE_CHARS } from "../deck.js";

class FakeElement {
  /** @param {FakeDocument} doc @param {string} tag */
  constructor(doc, tag) {
    this.ownerDocument = doc;
    this.tagName = tag.toUpperCase();
    /** @type {FakeElement[]} */
    this.children = [];
    /** @type {FakeElement | null} */
    this.parent = null;
    /** @type {Record<string, string>} */
    this.attributes = {};
    /** @type {Record<string, (() => void)[]>} */
    this.listeners = {};
    this.own = "";
    this.className = "";
    this.id = "";
    this.hidden = false;
    this.disabled = false;
    this.type = "";
    this.value = "";
    this.accept = "";
    this.htmlFor = "";
    /** @type {any} */
    this.files = null;
    Object.defineProperty(this, "innerHTML", { set() { throw new Error("innerHTML was used"); } });
  }
  get textContent() {
    return this.own + this.children.map((c) => c.textContent).join("");
  }
  set textContent(t) {
    this.own = String(t);
    this.children = [];
  }
  /** @param {string} name @param {string} value */
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  /** @param {string} name */
  getAttribute(name) {
    return this.attributes[name] ?? null;
  }
  /** @param {FakeElement[]} kids */
  append(...kids) {
    for (const k of kids) {
      k.parent = this;
      this.children.push(k);
    }
  }
  /** @param {FakeElement[]} kids */
  replaceChildren(...kids) {
    this.children = [];
    this.own = "";
    this.append(...kids);
  }
  remove() {
    if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this);
    this.parent = null;
  }
  /** @param {string} type @param {() => void} fn */
  addEventListener(type, fn) {
    (this.listeners[type] ??= []).push(fn);
  }
  /** @param {string} type */
  fire(type) {
    for (const fn of this.listeners[type] ?? []) fn();
  }
  click() {
    if (!this.disabled) this.fire("click");
  }
  /** @returns {FakeElement[]} this element and every one below it */
  all() {
    return [this, ...this.children.flatMap((c) => c.all())];
  }
  /** @param {string} cls */
  find(cls) {
    return this.all().filter((e) => e.className.split(" ").includes(cls));
  }
  /** The visible element with class cls (one must exist). @param {string} cls */
  one(cls) {
    const found = this.find(cls).filter((e) => !e.hiddenUp());
    assert.equal(found.length, 1, `${found.length} visible .${cls}`);
    return found[0];
  }
  hiddenUp() {
    /** @type {FakeElement | null} */
    let e = this;
    for (; e; e = e.parent) if (e.hidden) return true;
    return false;
  }
}

class FakeDocument {
  /** @param {string} tag */
  createElement(tag) {
    return new FakeElement(this, tag);
  }
}

/** Mounts a panel; returns it with what it placed and said. */
function mount(random = () => 0) {
  const container = new FakeDocument().createElement("div");
  /** @type {any[]} */
  const placed = [];
  /** @type {string[]} */
  const said = [];
  // @ts-ignore: the stand-in has what the panel uses
  const panel = mountOpeners(container, { place: (c) => placed.push(c), say: (t) => said.push(t), random });
  return { container, panel, placed, said };
}

/** A stand-in for a chosen File. */
const fakeFile = (/** @type {string} */ name, /** @type {string} */ text) => ({ name, size: text.length, text: async () => text });

/** Chooses file in the panel's file input and waits for it to be read. */
async function choose(/** @type {FakeElement} */ container, /** @type {any} */ file) {
  const input = container.one("openers-file");
  input.files = [file];
  input.value = "C:\\fakepath\\" + file.name;
  input.fire("change");
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(input.value, "", "the input is cleared so the same file can be chosen again");
}

test("the panel lists the themes, with real buttons that have names", () => {
  const { container } = mount();
  const themes = container.find("openers-theme");
  assert.deepEqual(themes.map((t) => t.one("openers-theme-name").textContent), DEFAULT_DECK.themes.map((t) => t.title));
  for (const b of container.all().filter((e) => e.tagName === "BUTTON")) {
    assert.equal(b.type, "button");
    assert.ok(b.textContent.trim() !== "", "a button has no text");
  }
  assert.equal(themes[0].one("openers-draw").getAttribute("aria-label"), "Draw a card from Drivers");
  const input = container.one("openers-file");
  const label = container.one("openers-file-label");
  assert.equal(label.htmlFor, input.id);
  assert.match(label.textContent, /Load your own deck/);
  assert.equal(container.find("openers-error")[0].getAttribute("role"), "alert");
  assert.equal(container.one("openers-reset").disabled, true, "the standard deck is already in use");
  const ids = container.all().map((e) => e.id).filter(Boolean);
  assert.equal(new Set(ids).size, ids.length, "ids are unique");
  // A second panel on the same page has ids of its own.
  const other = mount().container.all().map((e) => e.id).filter(Boolean);
  assert.ok(other.every((id) => !ids.includes(id)));
});

test("draw a card from a theme, then place it", () => {
  const { container, placed, said } = mount(() => 0);
  assert.ok(container.find("openers-card")[0].hidden);
  container.find("openers-theme")[2].one("openers-draw").click();
  const card = container.one("openers-card");
  assert.equal(card.getAttribute("aria-live"), "polite");
  assert.equal(card.one("openers-card-theme").textContent, "Culture");
  assert.equal(card.one("openers-card-prompt").textContent, DEFAULT_DECK.themes[2].prompts[0]);
  card.one("openers-place").click();
  assert.deepEqual(placed, [{ theme: "culture", themeTitle: "Culture", prompt: DEFAULT_DECK.themes[2].prompts[0] }]);
  assert.match(said[0], /^Placed on the board: /);
});

test("draw from any theme, and drawing again gives another card", () => {
  let n = 0;
  const { container } = mount(() => [0, 0, 0.5][Math.min(n++, 2)]);
  container.one("openers-draw-any").click();
  const first = container.one("openers-card-prompt").textContent;
  assert.equal(first, DEFAULT_DECK.themes[0].prompts[0]);
  container.one("openers-draw-again").click();
  assert.notEqual(container.one("openers-card-prompt").textContent, first);
});

test("browse the prompts of a theme and place one", () => {
  const { container, placed } = mount();
  const toggle = container.find("openers-theme")[4].one("openers-browse-toggle");
  assert.equal(toggle.getAttribute("aria-expanded"), "false");
  toggle.click();
  const prompts = container.find("openers-prompt");
  assert.deepEqual(prompts.map((p) => p.one("openers-prompt-text").textContent), DEFAULT_DECK.themes[4].prompts);
  assert.equal(container.find("openers-theme")[4].one("openers-browse-toggle").getAttribute("aria-expanded"), "true");
  assert.equal(container.one("openers-browse-title").textContent, "Prompts in Impact");
  prompts[3].one("openers-place").click();
  assert.deepEqual(placed, [{ theme: "impact", themeTitle: "Impact", prompt: DEFAULT_DECK.themes[4].prompts[3] }]);
  container.find("openers-theme")[4].one("openers-browse-toggle").click();
  assert.ok(container.find("openers-browse")[0].hidden);
});

test("load a deck of one's own, then go back to the standard deck", async () => {
  const { container, panel, said } = mount();
  await choose(container, fakeFile("housing.md", "# Housing and home\n- Who do people turn to first?\n- What does a settled home look like?\n"));
  assert.deepEqual(container.find("openers-theme").map((t) => t.one("openers-theme-name").textContent), ["Housing and home"]);
  assert.equal(container.find("openers-error")[0].textContent, "");
  assert.match(said.at(-1) ?? "", /1 theme and 2 prompts/);
  assert.equal(panel.deck().themes[0].id, "housing-and-home");
  const reset = container.one("openers-reset");
  assert.equal(reset.disabled, false);
  reset.click();
  assert.equal(panel.deck(), DEFAULT_DECK);
  assert.equal(container.find("openers-theme").length, 5);
});

test("a faulty deck shows the line of the fault and changes nothing", async () => {
  const { container, panel } = mount();
  await choose(container, fakeFile("ours.json", '{\n  "themes": [\n    {"title": "Money", "prompts": [""]}\n  ]\n}'));
  const alert = container.find("openers-error")[0];
  assert.equal(alert.textContent, "Line 3: This prompt is empty. Write a question, or remove the line. Nothing was changed.");
  assert.equal(panel.deck(), DEFAULT_DECK);
  assert.equal(container.find("openers-theme").length, 5);
  // Words from the file are only ever text.
  await choose(container, fakeFile("x.md", "<img src=x onerror=alert(1)>"));
  assert.match(alert.textContent, /^Line 1: /);
  await choose(container, fakeFile("huge.md", "x".repeat(4 * MAX_DECK_FILE_CHARS + 1)));
  assert.match(alert.textContent, /too large/);
  assert.equal(panel.deck(), DEFAULT_DECK);
});

test("unmount removes the panel", () => {
  const { container, panel } = mount();
  assert.equal(container.children.length, 1);
  panel.unmount();
  assert.equal(container.children.length, 0);
});
