// @ts-check
/**
 * @file Reads the partners typed on the start page: one per line,
 * "Name, tier" with tier lead, core or wider (core if left out). Pure: no DOM.
 */

const TIERS = ["lead", "core", "wider"];

/**
 * @param {string} text
 * @returns {{partners: {name: string, tier: string}[], errors: string[]}}
 */
export function parsePartners(text) {
  /** @type {{name: string, tier: string}[]} */
  const partners = [];
  /** @type {string[]} */
  const errors = [];
  const seen = new Set();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const comma = line.lastIndexOf(",");
    let name = line, tier = "core";
    if (comma >= 0) {
      const maybe = line.slice(comma + 1).trim().toLowerCase();
      if (TIERS.includes(maybe)) {
        name = line.slice(0, comma).trim();
        tier = maybe;
      } else if (maybe !== "") {
        errors.push(`Line ${i + 1}: “${maybe}” is not a tier we know. Please use lead, core or wider.`);
        continue;
      } else {
        name = line.slice(0, comma).trim();
      }
    }
    if (name === "") {
      errors.push(`Line ${i + 1} has no partner name.`);
      continue;
    }
    if (new TextEncoder().encode(name).length > 256) {
      errors.push(`Line ${i + 1}: that name is too long.`);
      continue;
    }
    if (seen.has(name.toLowerCase())) {
      errors.push(`“${name}” is listed twice.`);
      continue;
    }
    seen.add(name.toLowerCase());
    partners.push({ name, tier });
  }
  if (partners.length > 64) errors.push("A board can have at most 64 partners.");
  return { partners, errors };
}
