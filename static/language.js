// @ts-check
/**
 * @file The respectful-language hint: finds labelling terms in what someone
 * typed and suggests person-first wording. Pure: no DOM. The hint is only
 * ever a suggestion; text is never blocked or changed.
 *
 * Where the list lives: each board may hold a `text` object with the id
 * "language-terms" (see TERMS_ID). Its text is the board's list, one term
 * per line, optionally with a suggestion after "=>":
 *
 *     service users => people who use our services
 *     clients => the people we work with
 *
 * If the board has no such object, DEFAULT_TERMS apply. Because it is an
 * ordinary board object, editing the list syncs and undoes like anything
 * else; the board page offers it under "Wording hints".
 */

/** Id of the text object that holds a board's own list of terms. */
export const TERMS_ID = "language-terms";

/** @typedef {{term: string, suggestion: string}} Term */

/** @type {readonly Term[]} */
export const DEFAULT_TERMS = Object.freeze([
  { term: "service users", suggestion: "people who use our services" },
  { term: "service user", suggestion: "a person who uses our services" },
  { term: "clients", suggestion: "the people we work with" },
  { term: "rough sleepers", suggestion: "people sleeping rough" },
  { term: "addicts", suggestion: "people who use drugs" },
  { term: "beggars", suggestion: "people who beg" },
  { term: "not engaging", suggestion: "people we have not yet reached" },
]);

/**
 * The default list in the text form a board's list uses.
 * @returns {string}
 */
export function defaultTermsText() {
  return DEFAULT_TERMS.map((t) => `${t.term} => ${t.suggestion}`).join("\n");
}

/**
 * Parses a board's list (one term per line, "term => suggestion").
 * Blank lines and lines starting with # are skipped.
 * @param {string} text
 * @returns {Term[]}
 */
export function parseTerms(text) {
  /** @type {Term[]} */
  const out = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const i = line.indexOf("=>");
    const term = (i < 0 ? line : line.slice(0, i)).trim();
    const suggestion = i < 0 ? "" : line.slice(i + 2).trim();
    if (term !== "") out.push({ term, suggestion });
  }
  return out;
}

/**
 * Returns the terms found in text, longest first and each once, matched as
 * whole words regardless of case ("Service users" matches, "clientship"
 * does not). A shorter term inside a longer one found at the same place
 * ("service user" in "service users") is not reported twice.
 * @param {string} text
 * @param {readonly Term[]} terms
 * @returns {Term[]}
 */
export function findTerms(text, terms) {
  const lower = text.toLowerCase();
  const sorted = [...terms].sort((a, b) => b.term.length - a.term.length);
  /** @type {Term[]} */
  const found = [];
  /** @type {[number, number][]} */
  const taken = [];
  for (const t of sorted) {
    const needle = t.term.toLowerCase();
    if (needle === "") continue;
    let from = 0;
    for (;;) {
      const i = lower.indexOf(needle, from);
      if (i < 0) break;
      from = i + 1;
      const end = i + needle.length;
      if (!boundary(lower, i - 1) || !boundary(lower, end)) continue;
      if (taken.some(([a, b]) => i >= a && end <= b)) continue;
      taken.push([i, end]);
      if (!found.includes(t)) found.push(t);
    }
  }
  return found;
}

/**
 * Reports whether position i of s is outside a word (or outside s).
 * @param {string} s
 * @param {number} i
 */
function boundary(s, i) {
  if (i < 0 || i >= s.length) return true;
  return !/[\p{L}\p{N}]/u.test(s[i]);
}

/**
 * The hint's wording for the terms found.
 * @param {readonly Term[]} found
 * @returns {string}
 */
export function hintText(found) {
  const parts = found.map((t) => (t.suggestion ? `“${t.suggestion}” instead of “${t.term}”` : `other words than “${t.term}”`));
  return `A gentle suggestion: some people prefer being described by who they are, not by a label. You could try ${parts.join(", or ")}.`;
}
