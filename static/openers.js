// @ts-check
/**
 * @file The conversation-openers panel: browse the themes of a deck, draw a
 * card from one theme or from any, place it on the board, and load a
 * partnership's own deck from a JSON or Markdown file. Built with DOM calls
 * only; every word from a deck file is set with textContent. Importing the
 * module does nothing: mountOpeners builds the panel when called.
 *
 * Styles: static/openers.css (classes openers-…).
 */

import { DEFAULT_DECK, parseDeck, drawCard, formatDeckError, DeckError, MAX_DECK_FILE_CHARS } from "./deck.js";

/** @typedef {import("./deck.js").Deck} Deck */
/** @typedef {import("./deck.js").Card} Card */

/**
 * @typedef {object} OpenersOptions
 * @property {(card: Card) => void} place puts a card on the board; the
 *   caller turns it into a board object (see cardFields in deck.js)
 * @property {(text: string) => void} [say] tells people what happened, e.g.
 *   through the page's status line or a live region
 * @property {() => number} [random] for drawing; Math.random by default
 */

/**
 * @typedef {object} Openers
 * @property {() => Deck} deck the deck in use
 * @property {(deck: Deck) => void} setDeck uses deck (already checked by parseDeck)
 * @property {() => void} unmount removes the panel
 */

let mounts = 0;

/**
 * Builds the panel inside container and returns a handle to it.
 * @param {HTMLElement} container
 * @param {OpenersOptions} options
 * @returns {Openers}
 */
export function mountOpeners(container, { place, say = () => {}, random = Math.random }) {
  const doc = container.ownerDocument;
  const uid = `openers-${++mounts}`;
  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {string} [className]
   * @param {string} [text]
   * @returns {HTMLElementTagNameMap[K]}
   */
  const el = (tag, className, text) => {
    const e = doc.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  /**
   * @param {string} text
   * @param {string} className
   * @param {() => void} onClick
   */
  const button = (text, className, onClick) => {
    const b = el("button", className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  };

  /** @type {Deck} */
  let deck = DEFAULT_DECK;
  /** @type {Card | null} */
  let drawn = null;
  /** @type {string | null} id of the theme whose prompts are shown */
  let browsing = null;

  const root = el("section", "openers");
  root.setAttribute("aria-labelledby", `${uid}-title`);
  const title = el("h2", "openers-title", "Conversation openers");
  title.id = `${uid}-title`;
  const deckName = el("p", "openers-deck-name");
  const intro = el("p", "openers-intro", "Draw a card to start a conversation, then place it on the board and add notes around it.");

  const drawAny = button("Draw a card from any theme", "openers-draw-any primary", () => draw(null));
  const themeList = el("ul", "openers-themes");
  themeList.setAttribute("aria-label", "Themes");

  // The drawn card. A live region, so the prompt is read out when it changes.
  const cardBox = el("div", "openers-card");
  cardBox.setAttribute("aria-live", "polite");
  cardBox.hidden = true;
  const cardTheme = el("p", "openers-card-theme");
  const cardPrompt = el("p", "openers-card-prompt");
  const cardActions = el("div", "openers-card-actions");
  const placeDrawn = button("Place on board", "openers-place primary", () => drawn && placeCard(drawn));
  const drawAgain = button("Draw another", "openers-draw-again", () => draw(drawn ? drawnFrom : null));
  cardActions.append(placeDrawn, drawAgain);
  cardBox.append(cardTheme, cardPrompt, cardActions);
  /** @type {string | null} the theme the drawn card came from (null: any) */
  let drawnFrom = null;

  const browse = el("div", "openers-browse");
  browse.id = `${uid}-browse`;
  browse.hidden = true;
  const browseTitle = el("h3", "openers-browse-title");
  browseTitle.id = `${uid}-browse-title`;
  const promptList = el("ul", "openers-prompts");
  promptList.setAttribute("aria-labelledby", browseTitle.id);
  browse.append(browseTitle, promptList);

  // Loading a deck of one's own.
  const load = el("div", "openers-load");
  const fileLabel = el("label", "openers-file-label", "Load your own deck (a .json or .md file)");
  const file = el("input", "openers-file");
  file.type = "file";
  file.id = `${uid}-file`;
  file.accept = ".json,.md,.markdown,.txt,application/json,text/markdown,text/plain";
  fileLabel.htmlFor = file.id;
  const help = el("p", "openers-help", "In Markdown, start each theme with \u201c# Theme title\u201d and each prompt with \u201c- \u201d. The guide to deck files is docs/decks.md.");
  help.id = `${uid}-help`;
  file.setAttribute("aria-describedby", help.id);
  // Always in the page, so that a screen reader announces each new message.
  const alert = el("p", "openers-error");
  alert.setAttribute("role", "alert");
  const reset = button("Use the standard deck", "openers-reset secondary", () => {
    setDeck(DEFAULT_DECK);
    alert.textContent = "";
    say("Now using the standard deck.");
  });
  file.addEventListener("change", () => void loadFile());
  load.append(fileLabel, file, help, alert, reset);

  root.append(title, deckName, intro, drawAny, themeList, cardBox, browse, load);
  container.append(root);
  render();

  /** Draws a card from themeId (null: any theme), avoiding the card just shown. */
  function draw(/** @type {string | null} */ themeId) {
    let card = drawCard(deck, themeId, random);
    for (let tries = 0; card && drawn && card.prompt === drawn.prompt && card.theme === drawn.theme && tries < 5; tries++) {
      card = drawCard(deck, themeId, random);
    }
    if (!card) return;
    drawn = card;
    drawnFrom = themeId;
    cardTheme.textContent = card.themeTitle;
    cardPrompt.textContent = card.prompt;
    drawAgain.textContent = themeId ? `Draw another from ${card.themeTitle}` : "Draw another";
    cardBox.hidden = false;
  }

  function placeCard(/** @type {Card} */ card) {
    place({ theme: card.theme, themeTitle: card.themeTitle, prompt: card.prompt });
    say(`Placed on the board: ${card.prompt}`);
  }

  /** Shows or hides the prompts of theme id. */
  function toggleBrowse(/** @type {string} */ id) {
    browsing = browsing === id ? null : id;
    renderBrowse();
    renderThemes();
  }

  async function loadFile() {
    const f = file.files?.[0];
    if (!f) return;
    file.value = ""; // so that choosing the same file again, once fixed, reads it again
    // A character is at most 4 bytes of UTF-8: anything larger cannot be a deck.
    if (f.size > 4 * MAX_DECK_FILE_CHARS) {
      alert.textContent = "That file is too large to be a deck. Nothing was changed.";
      return;
    }
    let text;
    try {
      text = await f.text();
    } catch {
      alert.textContent = "That file could not be read. Nothing was changed.";
      return;
    }
    try {
      const { deck: d } = parseDeck(text, f.name);
      setDeck(d);
      alert.textContent = "";
      const cards = d.themes.reduce((n, t) => n + t.prompts.length, 0);
      say(`Loaded \u201c${f.name}\u201d: ${plural(d.themes.length, "theme")} and ${plural(cards, "prompt")}.`);
    } catch (e) {
      if (!(e instanceof DeckError)) throw e;
      alert.textContent = `${formatDeckError(e)} Nothing was changed.`;
    }
  }

  function setDeck(/** @type {Deck} */ d) {
    deck = d;
    drawn = null;
    browsing = null;
    cardBox.hidden = true;
    render();
  }

  function render() {
    const standard = deck === DEFAULT_DECK;
    deckName.textContent = standard ? "Deck: the standard deck" : `Deck: ${deck.title ?? "your own deck"}`;
    reset.disabled = standard;
    renderThemes();
    renderBrowse();
  }

  function renderThemes() {
    themeList.replaceChildren(...deck.themes.map((t) => {
      const li = el("li", "openers-theme");
      const name = el("span", "openers-theme-name", t.title);
      const count = el("span", "openers-theme-count", plural(t.prompts.length, "prompt"));
      const drawOne = button("Draw a card", "openers-draw", () => draw(t.id));
      drawOne.setAttribute("aria-label", `Draw a card from ${t.title}`);
      const show = button(browsing === t.id ? "Hide prompts" : "Browse prompts", "openers-browse-toggle secondary", () => toggleBrowse(t.id));
      // The visible words start the name, so speech control finds it.
      show.setAttribute("aria-label", `${browsing === t.id ? "Hide prompts" : "Browse prompts"} of ${t.title}`);
      show.setAttribute("aria-expanded", String(browsing === t.id));
      show.setAttribute("aria-controls", browse.id);
      li.append(name, count, drawOne, show);
      return li;
    }));
  }

  function renderBrowse() {
    const t = deck.themes.find((x) => x.id === browsing);
    browse.hidden = !t;
    if (!t) {
      promptList.replaceChildren();
      return;
    }
    browseTitle.textContent = `Prompts in ${t.title}`;
    promptList.replaceChildren(...t.prompts.map((p) => {
      const li = el("li", "openers-prompt");
      const words = el("span", "openers-prompt-text", p);
      const put = button("Place on board", "openers-place", () => placeCard({ theme: t.id, themeTitle: t.title, prompt: p }));
      put.setAttribute("aria-label", `Place on board: ${p}`);
      li.append(words, put);
      return li;
    }));
  }

  return {
    deck: () => deck,
    setDeck,
    unmount: () => root.remove(),
  };
}

/** "1 prompt", "3 prompts". */
function plural(/** @type {number} */ n, /** @type {string} */ word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
