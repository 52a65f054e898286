// @ts-check
/**
 * @file Conversation-opener decks: the standard deck, reading a
 * partnership's own deck from a JSON or Markdown file, and drawing a card.
 * Pure: no DOM, no I/O; randomness only through the function a caller
 * passes. docs/decks.md describes the file formats for the people who write
 * them.
 *
 * A deck is {title?, themes: [{id, title, prompts: [string]}]}. A card is
 * {theme, themeTitle, prompt}: theme is the id of its theme in the deck.
 * cardFields turns a card into the fields of a board object of kind "card".
 */

/** Most themes in one deck. A deck is a handful of themes, not a library. */
export const MAX_THEMES = 12;
/** Most prompts in one deck, over all its themes. */
export const MAX_DECK_CARDS = 300;
/** Longest prompt, in characters: a prompt must fit on a card and be read aloud in one breath. */
export const MAX_PROMPT_CHARS = 300;
/** Longest theme title, in characters. */
export const MAX_THEME_TITLE_CHARS = 60;
/** Longest theme id of a JSON deck, in characters (ids are a-z, 0-9 and -). */
export const MAX_THEME_ID_CHARS = 40;
/** Largest deck file, in characters of text: far more than MAX_DECK_CARDS prompts need. */
export const MAX_DECK_FILE_CHARS = 200_000;

/**
 * The theme ids a board's cards may carry in their theme field (the enum
 * of the board model). Other themes travel only as the card's label.
 */
export const BOARD_THEMES = Object.freeze(["drivers", "practicalities", "culture", "recording", "impact"]);

/**
 * @typedef {object} Theme
 * @property {string} id
 * @property {string} title
 * @property {readonly string[]} prompts
 *
 * @typedef {object} Deck
 * @property {string} [title]
 * @property {readonly Theme[]} themes
 *
 * @typedef {object} Card
 * @property {string} theme id of the card's theme in its deck
 * @property {string} themeTitle
 * @property {string} prompt
 */

/**
 * The standard deck, written for Partnerboard: five themes of questions
 * that help partners talk about how they will work together.
 * @type {Readonly<Deck>}
 */
export const DEFAULT_DECK = deepFreeze({
  title: "Conversation openers",
  themes: [
    {
      id: "drivers",
      title: "Drivers",
      prompts: [
        "Why are we forming this partnership now, and what would be missed if we did not?",
        "What does each organisation hope to gain from working together, and have we said it out loud to each other?",
        "Which needs in our area are not being met today, and who feels that gap most?",
        "What does each partner do especially well that the others could lean on?",
        "What could go wrong for the partnership in its first year, and what would we do about it?",
        "If the money stopped tomorrow, which parts of this partnership would we still want to keep?",
        "Which national or local rules and strategies shape what we can offer?",
        "Where might partners feel they are competing for the same people, staff or money, and how can we talk about that openly?",
        "What would tell us, a year from now, that working together was worth it?",
        "What can this group offer that none of us could offer on our own?",
      ],
    },
    {
      id: "practicalities",
      title: "Practicalities",
      prompts: [
        "Who makes decisions for the partnership, and how do the other partners have their say?",
        "If one organisation leads, what does that ask of it, and what do the others expect in return?",
        "Who is missing from this conversation, and how will we invite them in?",
        "What do we need to agree on paper, and how will we keep those agreements up to date as we change?",
        "How will we share information about the people we support safely, and with their consent?",
        "Where will we meet people, and is it somewhere they find easy to reach and welcoming?",
        "Which costs will we share, and how will we count the time, rooms or skills partners give instead of money?",
        "How does someone move from one partner to another without having to tell their story again?",
        "Which local groups and services should we link with, or point people towards?",
        "What should we put in place now so that the work can carry on after the first funding ends?",
      ],
    },
    {
      id: "culture",
      title: "Culture",
      prompts: [
        "Which beliefs about the people we support do we hold in common, and where do we see things differently?",
        "If each of us finished the sentence \u201cA good partnership is\u2026\u201d, what would we say?",
        "How will we build trust between staff who have never worked together before?",
        "How will we make sure every partner, large or small, has a real voice in decisions?",
        "What will we do when we do not see eye to eye, so that a disagreement makes us stronger rather than weaker?",
        "How comfortable is each organisation with trying something new that might not work?",
        "What words will we use about the people we support, and have we asked them what they prefer?",
        "How do we want the people who lead this partnership to act, and who can set the example?",
        "How will people who use our services shape the partnership, not only be asked for their views?",
        "What would help a new member of staff feel part of the partnership, not just of their own organisation?",
      ],
    },
    {
      id: "recording",
      title: "Recording and measuring",
      prompts: [
        "What do we want to learn from this work, and how will we know we are learning it?",
        "Which records will we keep, and how can they help staff rather than slow them down?",
        "Which reports do funders and boards expect from us, and how will we share the work of writing them?",
        "How will we hear, in their own words, what changed for the people we support?",
        "How will we note what did not work, without blame, so that we can do better next time?",
        "How can stories, case studies and numbers work together to show the difference we make?",
        "How will we share what we learn with partners, funders and the wider community?",
        "Can our systems talk to each other, and if not, what is the simplest way to join up the information?",
        "How will what we find out change the way our services work?",
        "How often will we stop and look back together at what the evidence is telling us?",
      ],
    },
    {
      id: "impact",
      title: "Impact",
      prompts: [
        "How easy is it for someone to find us and get help the first time they ask?",
        "What gets in the way of people reaching support early, before things become a crisis?",
        "How can the support fit around someone's life, rather than asking them to fit the service?",
        "How will people leave the partnership feeling more hopeful and more in control?",
        "Do we all mean the same thing when we talk about helping early, or about prevention?",
        "Which rules about who can get support might turn people away, and can we look at them together?",
        "What will tell someone, at every step, that we are listening and that they matter?",
        "How will we build on the skills and strengths people already have?",
        "What does a referral feel like for the person being referred?",
        "Who is not reaching us yet, and what would make a difference for them?",
      ],
    },
  ],
});

/**
 * DeckError is what parseDeck throws: message is plain English for the
 * person who wrote the file, line the 1-based line it is about (0 when it
 * is about the file as a whole).
 */
export class DeckError extends Error {
  /**
   * @param {number} line
   * @param {string} message
   */
  constructor(line, message) {
    super(message);
    this.name = "DeckError";
    /** @type {number} */
    this.line = line;
  }
}

/**
 * The text to show for a DeckError: "Line N: message", or the message alone
 * when it is about the whole file.
 * @param {{line: number, message: string}} err
 */
export function formatDeckError(err) {
  return err.line > 0 ? `Line ${err.line}: ${err.message}` : err.message;
}

/**
 * Reads a deck from a file's text. The format follows the file name
 * (.json, or .md / .markdown / .txt); without a known extension, text that
 * starts with "{" is read as JSON and anything else as Markdown.
 * @param {string} text
 * @param {string} [filename]
 * @returns {{deck: Deck}}
 * @throws {DeckError}
 */
export function parseDeck(text, filename = "") {
  if (typeof text !== "string") throw new DeckError(0, "The deck file could not be read as text.");
  if (text.length > MAX_DECK_FILE_CHARS) {
    throw new DeckError(0, `The file is too long for a deck: it may hold up to ${MAX_DECK_FILE_CHARS.toLocaleString("en-GB")} characters.`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = (/\.([A-Za-z]+)$/.exec(filename)?.[1] ?? "").toLowerCase();
  let json;
  if (ext === "json") json = true;
  else if (["md", "markdown", "txt"].includes(ext)) json = false;
  else if (ext === "") json = text.trimStart().startsWith("{");
  else throw new DeckError(0, `A deck is a .json or .md file; \u201c${filename}\u201d is neither.`);
  const b = new DeckBuilder();
  if (json) readJSONDeck(text, b);
  else readMarkdownDeck(text, b);
  return { deck: b.finish() };
}

/**
 * Draws a random card: from the theme themeId, or from the whole deck when
 * themeId is empty, null or undefined (every prompt is equally likely).
 * Returns null when the theme does not exist or holds no prompts.
 * @param {Deck} deck
 * @param {string | null} [themeId]
 * @param {() => number} [random] returns a number in [0, 1), like Math.random
 * @returns {Card | null}
 */
export function drawCard(deck, themeId, random = Math.random) {
  const themes = themeId ? deck.themes.filter((t) => t.id === themeId) : deck.themes;
  const total = themes.reduce((n, t) => n + t.prompts.length, 0);
  if (total === 0) return null;
  let i = Math.min(total - 1, Math.max(0, Math.floor(random() * total)));
  for (const t of themes) {
    if (i < t.prompts.length) return { theme: t.id, themeTitle: t.title, prompt: t.prompts[i] };
    i -= t.prompts.length;
  }
  return null; // not reached
}

/**
 * The fields of the board object (kind "card") that shows card: prompt,
 * label (the theme's title) and, when the theme is one of BOARD_THEMES,
 * theme. Position and size are the caller's to add.
 * @param {Card} card
 * @returns {{prompt: string, label: string, theme?: string}}
 */
export function cardFields(card) {
  /** @type {{prompt: string, label: string, theme?: string}} */
  const f = { prompt: card.prompt, label: card.themeTitle };
  if (BOARD_THEMES.includes(card.theme)) f.theme = card.theme;
  return f;
}

// ---------------------------------------------------------------------------
// Building a deck, with the checks both formats share.

/** Characters of s, counting a letter outside the BMP (an emoji) as one. */
const chars = (/** @type {string} */ s) => [...s].length;

/**
 * Whether s holds something that is not text a board can keep: a lone
 * UTF-16 surrogate (which a JSON escape such as \ud800 can make) or a
 * control character.
 */
const notText = (/** @type {string} */ s) =>
  /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/** Folds a title for comparison: case and runs of spaces do not matter. */
const fold = (/** @type {string} */ s) => s.trim().replace(/\s+/g, " ").toLowerCase();

/** Quotes words of the file in a message, shortened if long. */
function q(/** @type {string} */ s) {
  const cs = [...s];
  return `\u201c${cs.length > 40 ? cs.slice(0, 40).join("") + "\u2026" : s}\u201d`;
}

class DeckBuilder {
  /** @type {{id: string, title: string, prompts: string[], line: number, seen: Map<string, number>}[]} */
  themes = [];
  cards = 0;
  /** @type {string | undefined} */
  title = undefined;

  /**
   * @param {number} line
   * @param {unknown} title
   * @param {unknown} [id] given in a JSON deck; derived from the title otherwise
   */
  theme(line, title, id) {
    if (typeof title !== "string" || title.trim() === "") throw new DeckError(line, "This theme has no title.");
    title = title.trim().replace(/\s+/g, " ");
    if (chars(/** @type {string} */ (title)) > MAX_THEME_TITLE_CHARS) {
      throw new DeckError(line, `The theme title is too long: a title may have up to ${MAX_THEME_TITLE_CHARS} characters.`);
    }
    const t = /** @type {string} */ (title);
    if (notText(t)) throw new DeckError(line, "The theme title holds a character that is not plain text.");
    if (this.themes.length >= MAX_THEMES) throw new DeckError(line, `A deck may have up to ${MAX_THEMES} themes; this is theme ${MAX_THEMES + 1}.`);
    const same = this.themes.find((o) => fold(o.title) === fold(t));
    if (same) throw new DeckError(line, `The theme ${q(t)} is already in the deck, on line ${same.line}. Please give each theme its own title.`);
    let themeId;
    if (id !== undefined) {
      if (typeof id !== "string" || !/^[a-z0-9-]+$/.test(id) || id.length > MAX_THEME_ID_CHARS) {
        throw new DeckError(line, `A theme id may use a to z, 0 to 9 and - (up to ${MAX_THEME_ID_CHARS} characters).`);
      }
      if (this.themes.some((o) => o.id === id)) throw new DeckError(line, `Two themes have the id ${q(id)}. Please give each theme its own id.`);
      themeId = id;
    } else {
      themeId = this.idFor(t);
    }
    this.themes.push({ id: themeId, title: t, prompts: [], line, seen: new Map() });
  }

  /**
   * A theme id for a title: the standard id when the title is a standard
   * theme's title (or id), else a slug of the title, unique in the deck.
   * @param {string} title
   */
  idFor(title) {
    const std = DEFAULT_DECK.themes.find((t) => fold(t.title) === fold(title) || t.id === fold(title));
    let base = std ? std.id : fold(title).normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, MAX_THEME_ID_CHARS - 3);
    if (base === "") base = "theme";
    let id = base;
    for (let n = 2; this.themes.some((o) => o.id === id); n++) id = `${base}-${n}`;
    return id;
  }

  /**
   * @param {number} line
   * @param {unknown} prompt
   */
  prompt(line, prompt) {
    const t = this.themes.at(-1);
    if (!t) throw new DeckError(line, "This prompt comes before any theme. Start the deck with a theme heading, such as \u201c# Drivers\u201d.");
    if (typeof prompt !== "string") throw new DeckError(line, "A prompt must be text.");
    const p = prompt.trim().replace(/\s+/g, " ");
    if (p === "") throw new DeckError(line, "This prompt is empty. Write a question, or remove the line.");
    if (notText(p)) throw new DeckError(line, "This prompt holds a character that is not plain text (a control character or a broken \\u escape).");
    const n = chars(p);
    if (n > MAX_PROMPT_CHARS) {
      throw new DeckError(line, `This prompt is too long (${n} characters): a prompt may have up to ${MAX_PROMPT_CHARS}. Try splitting it into two.`);
    }
    if (this.cards >= MAX_DECK_CARDS) throw new DeckError(line, `A deck may have up to ${MAX_DECK_CARDS} prompts; this is prompt ${MAX_DECK_CARDS + 1}.`);
    const again = t.seen.get(p.toLowerCase());
    if (again !== undefined) throw new DeckError(line, `This prompt is already in ${q(t.title)}, on line ${again}.`);
    t.seen.set(p.toLowerCase(), line);
    t.prompts.push(p);
    this.cards++;
  }

  /** @returns {Deck} */
  finish() {
    if (this.themes.length === 0) {
      throw new DeckError(0, "The file holds no themes. A deck needs at least one theme with at least one prompt.");
    }
    const empty = this.themes.find((t) => t.prompts.length === 0);
    if (empty) throw new DeckError(empty.line, `The theme ${q(empty.title)} has no prompts.`);
    /** @type {Deck} */
    const deck = { themes: this.themes.map(({ id, title, prompts }) => ({ id, title, prompts })) };
    if (this.title) deck.title = this.title;
    return deepFreeze(deck);
  }
}

// ---------------------------------------------------------------------------
// Markdown decks.

/**
 * Reads the Markdown form: "# Theme title" lines start a theme, "- prompt"
 * (or "* prompt") lines add a prompt to it, and a line indented by at least
 * two spaces continues the prompt above it. Blank lines and HTML comments
 * (<!-- … -->, on lines of their own) are skipped. Anything else is an
 * error naming its line.
 * @param {string} text
 * @param {DeckBuilder} b
 */
function readMarkdownDeck(text, b) {
  const lines = text.split(/\r\n|\r|\n/);
  /** @type {{line: number, text: string} | null} */
  let pending = null; // the prompt being read, which may continue on the next lines
  const flush = () => {
    if (pending) b.prompt(pending.line, pending.text);
    pending = null;
  };
  let comment = 0; // line where an unfinished comment started
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i];
    const line = raw.trim();
    if (comment) {
      if (line.endsWith("-->")) comment = 0;
      continue;
    }
    if (line.startsWith("<!--")) {
      flush();
      if (!line.endsWith("-->")) comment = n;
      continue;
    }
    if (line === "") {
      flush();
      continue;
    }
    const heading = /^(#+)(\s+(.*)|$)/.exec(line);
    if (heading) {
      flush();
      if (heading[1].length > 1) {
        throw new DeckError(n, `A theme heading starts with a single \u201c#\u201d, not \u201c${heading[1]}\u201d.`);
      }
      b.theme(n, (heading[3] ?? "").replace(/\s+#+$/, ""));
      continue;
    }
    const item = /^[-*+]\s+(.*)$|^[-*+]$/.exec(line);
    if (item && /^\s{2,}/.test(raw)) {
      throw new DeckError(n, "Prompts are not nested: start each \u201c- \u201d at the beginning of its line.");
    }
    if (item) {
      flush();
      pending = { line: n, text: item[1] ?? "" };
      continue;
    }
    if (pending && /^\s{2,}/.test(raw)) {
      pending.text += " " + line;
      continue;
    }
    if (/^\d+[.)]\s/.test(line)) {
      throw new DeckError(n, "Start each prompt with \u201c- \u201d rather than a number.");
    }
    throw new DeckError(n, "This line is not a theme heading (\u201c# Title\u201d) or a prompt (\u201c- Question?\u201d).");
  }
  if (comment) throw new DeckError(comment, "This comment is never closed with \u201c-->\u201d.");
  flush();
}

// ---------------------------------------------------------------------------
// JSON decks. A small parser of our own rather than JSON.parse, so that
// every fault, in the syntax or in the deck, can name its line in every
// browser.

/**
 * @typedef {{type: "object", line: number, members: {key: string, keyLine: number, value: JNode}[]}
 *   | {type: "array", line: number, items: JNode[]}
 *   | {type: "string", line: number, value: string}
 *   | {type: "other", line: number, value: number | boolean | null}} JNode
 */

/**
 * Parses JSON text into nodes that know their line.
 * @param {string} text
 * @returns {JNode}
 */
function parseJSON(text) {
  let pos = 0;
  let line = 1;
  const fail = (/** @type {string} */ msg) => {
    throw new DeckError(line, `The file is not valid JSON: ${msg}.`);
  };
  const space = () => {
    for (; pos < text.length; pos++) {
      const c = text[pos];
      if (c === "\n") line++;
      else if (c !== " " && c !== "\t" && c !== "\r") break;
    }
  };
  const describe = () => (pos >= text.length ? "the file ends too soon" : `unexpected ${q(text[pos])}`);
  /** @returns {JNode} */
  const value = () => {
    space();
    const at = line;
    const c = text[pos];
    if (c === "{") {
      pos++;
      /** @type {{key: string, keyLine: number, value: JNode}[]} */
      const members = [];
      space();
      if (text[pos] === "}") {
        pos++;
        return { type: "object", line: at, members };
      }
      for (;;) {
        space();
        if (text[pos] !== '"') fail(`${describe()} where a name in quotes should be`);
        const keyLine = line;
        const key = string();
        space();
        if (text[pos] !== ":") fail(`${describe()} where a \u201c:\u201d should follow the name ${q(key)}`);
        pos++;
        members.push({ key, keyLine, value: value() });
        space();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return { type: "object", line: at, members };
        }
        fail(`${describe()} where a comma or \u201c}\u201d should be`);
      }
    }
    if (c === "[") {
      pos++;
      /** @type {JNode[]} */
      const items = [];
      space();
      if (text[pos] === "]") {
        pos++;
        return { type: "array", line: at, items };
      }
      for (;;) {
        items.push(value());
        space();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return { type: "array", line: at, items };
        }
        fail(`${describe()} where a comma or \u201c]\u201d should be`);
      }
    }
    if (c === '"') return { type: "string", line: at, value: string() };
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos, pos + 40));
    if (lit) {
      pos += lit[0].length;
      return { type: "other", line: at, value: JSON.parse(lit[0]) };
    }
    return fail(`${describe()} where a value should be`);
  };
  const string = () => {
    const start = pos;
    for (pos++; pos < text.length; pos++) {
      const c = text.charCodeAt(pos);
      if (c === 34) break; // "
      if (c === 92) pos++; // a backslash escapes the next character
      else if (c < 32) fail(c === 10 ? "a text in quotes runs on to the next line (close it with \u201c\"\u201d)" : "a control character inside quotes");
    }
    if (pos >= text.length) fail("a text in quotes is never closed");
    pos++;
    try {
      return /** @type {string} */ (JSON.parse(text.slice(start, pos)));
    } catch {
      return fail("a backslash escape inside quotes is not valid");
    }
  };
  const root = value();
  space();
  if (pos < text.length) fail(`${describe()} after the end of the deck`);
  return root;
}

/**
 * Reads the JSON form: {"title"?: "…", "themes": [{"id"?: "…", "title":
 * "…", "prompts": ["…"]}]}.
 * @param {string} text
 * @param {DeckBuilder} b
 */
function readJSONDeck(text, b) {
  const root = parseJSON(text);
  if (root.type !== "object") throw new DeckError(root.line, "A JSON deck is an object with a list of themes: {\"themes\": [ … ]}.");
  const member = (/** @type {JNode & {type: "object"}} */ o, /** @type {string[]} */ known, /** @type {string} */ what) => {
    /** @type {Map<string, JNode>} */
    const m = new Map();
    for (const { key, keyLine, value } of o.members) {
      if (!known.includes(key)) throw new DeckError(keyLine, `${what} cannot have ${q(key)}; it may have ${known.map((k) => `\u201c${k}\u201d`).join(", ")}.`);
      if (m.has(key)) throw new DeckError(keyLine, `${q(key)} is given twice.`);
      m.set(key, value);
    }
    return m;
  };
  const top = member(root, ["title", "themes"], "The deck");
  const title = top.get("title");
  if (title) {
    if (title.type !== "string" || chars(title.value) > MAX_THEME_TITLE_CHARS || notText(title.value)) {
      throw new DeckError(title.line, `The deck's title must be plain text of up to ${MAX_THEME_TITLE_CHARS} characters.`);
    }
    b.title = title.value.trim() || undefined;
  }
  const themes = top.get("themes");
  if (!themes) throw new DeckError(root.line, "The deck has no \u201cthemes\u201d list.");
  if (themes.type !== "array") throw new DeckError(themes.line, "\u201cthemes\u201d must be a list: [ … ].");
  for (const t of themes.items) {
    if (t.type !== "object") throw new DeckError(t.line, "Each theme is an object: {\"title\": \"…\", \"prompts\": [ … ]}.");
    const m = member(t, ["id", "title", "prompts"], "A theme");
    const tt = m.get("title");
    const id = m.get("id");
    if (id && id.type !== "string") throw new DeckError(id.line, "A theme id must be text.");
    b.theme(tt ? tt.line : t.line, tt && tt.type === "string" ? tt.value : undefined, id && id.type === "string" ? id.value : undefined);
    const prompts = m.get("prompts");
    if (!prompts) throw new DeckError(t.line, "This theme has no \u201cprompts\u201d list.");
    if (prompts.type !== "array") throw new DeckError(prompts.line, "\u201cprompts\u201d must be a list of questions: [\"…\", \"…\"].");
    for (const p of prompts.items) {
      b.prompt(p.line, p.type === "string" ? p.value : undefined);
    }
  }
}

/**
 * Freezes o and everything in it, so a deck can be shared without copies.
 * @template T
 * @param {T} o
 * @returns {T}
 */
function deepFreeze(o) {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
