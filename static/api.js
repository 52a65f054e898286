// @ts-check
/**
 * @file Small helpers shared by the pages: calling the server's JSON API
 * and making elements whose text is user text (always textContent).
 */

/**
 * Calls the server's API with the page's session cookie. Resolves to the
 * JSON body; rejects with an Error whose message is the server's own kind
 * explanation (or a general one), and whose code is the server's error code.
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 */
export async function api(method, path, body) {
  /** @type {RequestInit} */
  const init = { method, headers: body === undefined ? {} : { "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  let r;
  try {
    r = await fetch(path, init);
  } catch {
    throw new Error("The server could not be reached. Please check your connection and try again.");
  }
  const out = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(typeof out.message === "string" ? out.message : "That did not work just now. Please try again.");
    /** @type {any} */ (err).code = typeof out.code === "string" ? out.code : "";
    /** @type {any} */ (err).status = r.status;
    throw err;
  }
  return out;
}

/**
 * @param {string} tag
 * @param {string} [text] set with textContent, so markup stays text
 * @param {string} [cls]
 */
export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
