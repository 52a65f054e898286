// Tests of static/deck.js: the standard deck, reading decks from JSON and
// Markdown (every fault names its line), and drawing cards.
//
//   node --test static/test/

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_DECK, parseDeck, drawCard, cardFields, formatDeckError, DeckError, BOARD_THEMES,
  MAX_DECK_CARDS, MAX_PROMPT_CHARS, MAX_THEMES, MAX_THEME_TITLE_CHARS, MAX_DECK_FILE_CHARS,
} from "../deck.js";
import { DEFAULT_TERMS, findTerms } from "../language.js";
import { validateOps } from "../model.js";

/**
 * Runs parseDeck and returns the DeckError it throws.
 * @param {string} text
 * @param {string} [filename]
 */
function fault(text, filename = "deck.md") {
  try {
    parseDeck(text, filename);
  } catch (e) {
    assert.ok(e instanceof DeckError, `threw ${e}, want a DeckError`);
    return e;
  }
  assert.fail(`parseDeck accepted ${JSON.stringify(text.slice(0, 80))}`);
}

/** A seeded generator of numbers in [0, 1) (mulberry32). */
function seeded(/** @type {number} */ seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("the standard deck has the five themes, each with at least eight prompts", () => {
  assert.deepEqual(DEFAULT_DECK.themes.map((t) => t.id), ["drivers", "practicalities", "culture", "recording", "impact"]);
  assert.deepEqual(DEFAULT_DECK.themes.map((t) => t.title), ["Drivers", "Practicalities", "Culture", "Recording and measuring", "Impact"]);
  assert.deepEqual(DEFAULT_DECK.themes.map((t) => t.id), [...BOARD_THEMES]);
  let total = 0;
  const seen = new Set();
  for (const t of DEFAULT_DECK.themes) {
    assert.ok(t.prompts.length >= 8, `${t.id} has ${t.prompts.length} prompts`);
    total += t.prompts.length;
    for (const p of t.prompts) {
      assert.ok(!seen.has(p.toLowerCase()), `"${p}" is in the deck twice`);
      seen.add(p.toLowerCase());
      assert.ok([...p].length <= MAX_PROMPT_CHARS, `"${p}" is too long`);
      assert.equal(p, p.trim().replace(/\s+/g, " "), "prompts are written on one line without extra spaces");
      assert.match(p, /\?$/, `"${p}" is not a question`);
      assert.deepEqual(findTerms(p, DEFAULT_TERMS), [], `"${p}" uses a labelling term`);
    }
  }
  assert.ok(total <= MAX_DECK_CARDS);
  assert.ok(DEFAULT_DECK.themes.length <= MAX_THEMES);
  assert.ok(Object.isFrozen(DEFAULT_DECK) && Object.isFrozen(DEFAULT_DECK.themes[0].prompts));
});

test("the standard deck, written out as Markdown and as JSON, reads back the same", () => {
  const md = DEFAULT_DECK.themes.map((t) => `# ${t.title}\n\n${t.prompts.map((p) => `- ${p}`).join("\n")}\n`).join("\n");
  assert.deepEqual(parseDeck(md, "openers.md").deck.themes, DEFAULT_DECK.themes);
  const { deck } = parseDeck(JSON.stringify(DEFAULT_DECK, null, 2), "openers.json");
  assert.deepEqual(deck, DEFAULT_DECK);
});

test("a Markdown deck: headings, prompts, continuation lines, comments", () => {
  const text = [
    "<!-- Our deck for the housing partnership -->",
    "# Housing and home",
    "",
    "- What would a settled home look like for the people we support?",
    "* Who do people turn to first",
    "  when they are worried about their tenancy?",
    "",
    "<!--",
    "a note for the facilitator",
    "-->",
    "#   Drivers  #",
    "+ What brought us together?",
  ].join("\r\n");
  const { deck } = parseDeck(text, "Housing.MD");
  assert.deepEqual(deck, {
    themes: [
      { id: "housing-and-home", title: "Housing and home", prompts: [
        "What would a settled home look like for the people we support?",
        "Who do people turn to first when they are worried about their tenancy?",
      ] },
      { id: "drivers", title: "Drivers", prompts: ["What brought us together?"] },
    ],
  });
});

test("a JSON deck: ids given or derived, title kept", () => {
  const text = JSON.stringify({
    title: "Our openers",
    themes: [
      { id: "money", title: "Money and resources", prompts: ["What can each partner give?"] },
      { title: "recording and measuring", prompts: ["  What will we count,\n and why?  "] },
      { title: "Caf\u00e9 culture!", prompts: ["Where do we meet?"] },
      { title: "\u4f4f\u623f", prompts: ["\u4f4f\u623f\uff1f"] },
    ],
  });
  const { deck } = parseDeck("\ufeff" + text, "deck.json");
  assert.equal(deck.title, "Our openers");
  assert.deepEqual(deck.themes.map((t) => t.id), ["money", "recording", "cafe-culture", "theme"]);
  assert.deepEqual(deck.themes[1].prompts, ["What will we count, and why?"]);
  // Without an extension the first character decides.
  assert.equal(parseDeck(text).deck.themes.length, 4);
  assert.equal(parseDeck("# A\n- b?").deck.themes[0].prompts[0], "b?");
});

test("limits are accepted at the boundary", () => {
  const long = "q".repeat(MAX_PROMPT_CHARS - 1) + "?";
  assert.equal(parseDeck(`# A\n- ${long}`).deck.themes[0].prompts[0], long);
  const emoji = "\u{1f600}".repeat(MAX_PROMPT_CHARS); // one character each, two UTF-16 units
  assert.equal(parseDeck(`# A\n- ${emoji}`).deck.themes[0].prompts.length, 1);
  const title = "t".repeat(MAX_THEME_TITLE_CHARS);
  assert.equal(parseDeck(`# ${title}\n- a?`).deck.themes[0].title, title);
  const themes = Array.from({ length: MAX_THEMES }, (_, i) => `# Theme ${i}\n- a?`).join("\n");
  assert.equal(parseDeck(themes).deck.themes.length, MAX_THEMES);
  const cards = "# A\n" + Array.from({ length: MAX_DECK_CARDS }, (_, i) => `- Question ${i}?`).join("\n");
  assert.equal(parseDeck(cards).deck.themes[0].prompts.length, MAX_DECK_CARDS);
});

test("each fault in a Markdown deck names its line", () => {
  const cases = [
    ["- A prompt first?\n# Drivers", 1, /before any theme/],
    ["# Drivers\n\n-   \n", 3, /empty/],
    ["# Drivers\n- " + "x".repeat(MAX_PROMPT_CHARS + 1), 2, new RegExp(`${MAX_PROMPT_CHARS + 1} characters.*up to ${MAX_PROMPT_CHARS}`)],
    ["# Drivers\n- " + "\u{1f600}".repeat(MAX_PROMPT_CHARS + 1), 2, /too long/],
    ["# Drivers\n- a?\n# Culture\n- b?\n#  drivers \n- c?", 5, /already in the deck, on line 1/],
    ["# Drivers\nJust some words", 2, /not a theme heading/],
    ["# Drivers\n## Gaps\n- a?", 2, /single/],
    ["# Drivers\n1. First?", 2, /rather than a number/],
    ["# Drivers\n- a?\n  - nested?", 3, /not nested/],
    ["# Drivers\n- a?\n- b?\n- A?", 4, /already in \u201cDrivers\u201d, on line 2/],
    ["# Drivers\n- a?\n# Culture\n", 3, /has no prompts/],
    ["#\n- a?", 1, /no title/],
    ["# " + "t".repeat(MAX_THEME_TITLE_CHARS + 1) + "\n- a?", 1, /title is too long/],
    ["# Drivers\n- a?\n<!-- never closed\n", 3, /never closed/],
    [Array.from({ length: MAX_THEMES + 1 }, (_, i) => `# T${i}\n- a?`).join("\n"), 2 * MAX_THEMES + 1, new RegExp(`up to ${MAX_THEMES} themes`)],
    ["# A\n" + Array.from({ length: MAX_DECK_CARDS + 1 }, (_, i) => `- Q${i}?`).join("\n"), MAX_DECK_CARDS + 2, new RegExp(`up to ${MAX_DECK_CARDS} prompts`)],
    ["", 0, /no themes/],
    ["<!-- only a comment -->\n\n", 0, /no themes/],
  ];
  for (const [text, line, message] of cases) {
    const e = fault(/** @type {string} */ (text));
    assert.equal(e.line, line, `${JSON.stringify(text).slice(0, 60)}: ${e.message}`);
    assert.match(e.message, /** @type {RegExp} */ (message));
  }
});

test("each fault in a JSON deck names its line", () => {
  const cases = [
    ['{\n  "themes": [\n    {"title": "Drivers", "prompts": ["a?",]}\n  ]\n}', 3, /not valid JSON.*where a value should be/],
    ['{\n  "themes": [\n    {"title": "Drivers"\n     "prompts": []}\n  ]\n}', 4, /not valid JSON.*comma or \u201c}\u201d/],
    ['{\n  "themes": [\n    {"title": "Drivers", "prompts": ["a?"]}\n', 4, /ends too soon/],
    ['{"themes": [{"title": "Drivers", "prompts": ["a?\n"]}]}', 1, /next line/],
    ['{"themes": []}\n\n{}', 3, /after the end/],
    ["{'themes': []}", 1, /name in quotes/],
    ['{"themes": [{"title": "D", "prompts": ["\\x"]}]}', 1, /backslash/],
    ['[\n  {"title": "Drivers"}\n]', 1, /object with a list of themes/],
    ['{\n  "title": "Ours",\n  "cards": []\n}', 3, /cannot have \u201ccards\u201d/],
    ['{\n  "title": "Ours"\n}', 1, /no \u201cthemes\u201d/],
    ['{\n  "themes": {"title": "Drivers"}\n}', 2, /must be a list/],
    ['{"themes": [\n  "Drivers"\n]}', 2, /Each theme is an object/],
    ['{"themes": [\n  {"title": "Drivers",\n   "prompts": "a?"}\n]}', 3, /list of questions/],
    ['{"themes": [\n  {"title": "Drivers", "prompts": [\n    "a?",\n    ""\n  ]}\n]}', 4, /empty/],
    ['{"themes": [\n  {"title": "Drivers", "prompts": [\n    42\n  ]}\n]}', 3, /must be text/],
    ['{"themes": [\n  {"prompts": ["a?"]}\n]}', 2, /no title/],
    ['{"themes": [\n  {"title": "Drivers"}\n]}', 2, /no \u201cprompts\u201d/],
    ['{"themes": [\n  {"title": "Drivers", "prompts": ["a?"]},\n  {"title": "DRIVERS", "prompts": ["b?"]}\n]}', 3, /already in the deck, on line 2/],
    ['{"themes": [\n  {"id": "a", "title": "One", "prompts": ["a?"]},\n  {"id": "a", "title": "Two", "prompts": ["b?"]}\n]}', 3, /id \u201ca\u201d/],
    ['{"themes": [\n  {"id": "Big Id", "title": "One", "prompts": ["a?"]}\n]}', 2, /a to z/],
    ['{"themes": [\n  {"title": "One",\n   "title": "Two", "prompts": ["a?"]}\n]}', 3, /given twice/],
    ['{"themes": [\n  {"title": "One", "prompts": [\n"' + "x".repeat(MAX_PROMPT_CHARS + 1) + '"]}\n]}', 3, /too long/],
    ['{"themes": [\n  {"title": "One", "prompts": []}\n]}', 2, /has no prompts/],
    ['{"themes": [\n  {"title": "One", "prompts": [\n    "a \\ud800 b?"]}\n]}', 3, /not plain text/],
    ['{"themes": [\n  {"title": "One", "prompts": [\n    "a \\u0000 b?"]}\n]}', 3, /not plain text/],
    ['{"themes": [\n  {"title": "\\udc00", "prompts": ["a?"]}\n]}', 2, /not plain text/],
    ['{"title": "\\u0007",\n "themes": []}', 1, /plain text/],
  ];
  for (const [text, line, message] of cases) {
    const e = fault(/** @type {string} */ (text), "deck.json");
    assert.equal(e.line, line, `${text}: ${e.message}`);
    assert.match(e.message, /** @type {RegExp} */ (message));
  }
});

test("files that are not decks at all", () => {
  assert.match(fault("# A\n- a?", "deck.docx").message, /\.json or \.md/);
  const huge = fault("# A\n" + "- a?\n".repeat(MAX_DECK_FILE_CHARS / 4));
  assert.equal(huge.line, 0);
  assert.match(huge.message, /too long for a deck/);
  assert.match(fault("[]", "deck.json").message, /object/);
  assert.match(fault("", "deck.json").message, /ends too soon/);
});

test("formatDeckError says the line when there is one", () => {
  assert.equal(formatDeckError(new DeckError(4, "This prompt is empty.")), "Line 4: This prompt is empty.");
  assert.equal(formatDeckError(new DeckError(0, "The file holds no themes.")), "The file holds no themes.");
});

test("drawCard is deterministic with a seeded random, from one theme or from all", () => {
  const a = Array.from({ length: 20 }, ((r) => () => drawCard(DEFAULT_DECK, "culture", r))(seeded(7)));
  const b = Array.from({ length: 20 }, ((r) => () => drawCard(DEFAULT_DECK, "culture", r))(seeded(7)));
  assert.deepEqual(a, b);
  for (const card of a) {
    assert.equal(card?.theme, "culture");
    assert.equal(card?.themeTitle, "Culture");
    assert.ok(DEFAULT_DECK.themes[2].prompts.includes(card?.prompt ?? ""));
  }
  assert.ok(new Set(a.map((c) => c?.prompt)).size > 1, "twenty draws all gave the same card");

  // From any theme, each prompt is equally likely: r picks the index.
  const all = DEFAULT_DECK.themes.flatMap((t) => t.prompts.map((p) => ({ theme: t.id, themeTitle: t.title, prompt: p })));
  assert.deepEqual(drawCard(DEFAULT_DECK, null, () => 0), all[0]);
  assert.deepEqual(drawCard(DEFAULT_DECK, "", () => 0.9999999), all.at(-1));
  assert.deepEqual(drawCard(DEFAULT_DECK, undefined, () => 10 / all.length), all[10]);
  assert.deepEqual(drawCard(DEFAULT_DECK, "impact", () => 1), { theme: "impact", themeTitle: "Impact", prompt: DEFAULT_DECK.themes[4].prompts.at(-1) });
  const seen = new Set();
  const r = seeded(42);
  for (let i = 0; i < 2000; i++) seen.add(drawCard(DEFAULT_DECK, null, r)?.theme);
  assert.equal(seen.size, 5);
  assert.equal(drawCard(DEFAULT_DECK, "no-such-theme"), null);
  assert.equal(drawCard({ themes: [] }), null);
});

test("cardFields makes a card the board model accepts", () => {
  const std = cardFields({ theme: "recording", themeTitle: "Recording and measuring", prompt: "What will we count?" });
  assert.deepEqual(std, { prompt: "What will we count?", label: "Recording and measuring", theme: "recording" });
  const own = cardFields({ theme: "housing-and-home", themeTitle: "Housing and home", prompt: "Who do people turn to?" });
  assert.deepEqual(own, { prompt: "Who do people turn to?", label: "Housing and home" });
  for (const fields of [std, own]) {
    validateOps([{ op: "create", id: "card1", kind: "card", fields: { ...fields, x: 10, y: 20 } }]);
  }
  // The longest prompt and title a deck allows fit the board's limits.
  const big = "\u{1f600}".repeat(MAX_PROMPT_CHARS);
  validateOps([{ op: "create", id: "card1", kind: "card", fields: cardFields({ theme: "x", themeTitle: "\u{1f600}".repeat(MAX_THEME_TITLE_CHARS), prompt: big }) }]);
});

test("mangled deck files give a deck within the limits or a DeckError on a real line", () => {
  const md = DEFAULT_DECK.themes.map((t) => `# ${t.title}\n${t.prompts.map((p) => `- ${p}`).join("\n")}`).join("\n\n");
  const json = JSON.stringify(DEFAULT_DECK, null, 2);
  const bits = ["{", "}", "[", "]", '"', ",", ":", "\\", "\n", "# ", "- ", "  ", "<!--", "-->", "\ud800", "\u{1f600}", "x"];
  const r = seeded(2026);
  for (let i = 0; i < 600; i++) {
    const [text, name] = i % 2 ? [json, "d.json"] : [md, "d.md"];
    let t = text;
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
      const at = Math.floor(r() * t.length);
      const cut = Math.floor(r() * 8);
      t = t.slice(0, at) + (r() < 0.7 ? bits[Math.floor(r() * bits.length)] : "") + t.slice(at + cut);
    }
    try {
      const { deck } = parseDeck(t, name);
      assert.ok(deck.themes.length >= 1 && deck.themes.length <= MAX_THEMES);
      for (const th of deck.themes) {
        assert.ok(th.prompts.length >= 1);
        for (const p of th.prompts) {
          assert.ok(p !== "" && [...p].length <= MAX_PROMPT_CHARS);
          validateOps([{ op: "create", id: "c", kind: "card", fields: cardFields({ theme: th.id, themeTitle: th.title, prompt: p }) }]);
        }
      }
    } catch (e) {
      assert.ok(e instanceof DeckError, `${e} for ${JSON.stringify(t)}`);
      assert.ok(e.line >= 0 && e.line <= t.split(/\r\n|\r|\n/).length, `line ${e.line} of ${t.split("\n").length}`);
      assert.ok(e.message.length > 0);
    }
  }
});
