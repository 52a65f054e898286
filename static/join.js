// @ts-check
/**
 * @file The workshop page at /w/{id}: a join link lands here with its token
 * in the URL fragment. The page trades the token for the session cookie
 * once, takes it out of the address bar (so it is neither bookmarked nor
 * shared by accident), and shows the boards of the workshop; a participant
 * of one group goes straight to their group's board, and a facilitator gets
 * the console (console.js).
 */

import { consolePage } from "./console.js";

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * The token in a fragment like "#t=eyJ…", or "".
 * @param {string} hash
 */
export function tokenFromHash(hash) {
  const m = /^#t=([A-Za-z0-9_\-.]+)$/.exec(hash);
  return m ? m[1] : "";
}

/**
 * @param {string} text
 */
function say(text) {
  $("workshop-message").textContent = text;
}

/**
 * @param {string} workshopID
 */
export async function workshopPage(workshopID) {
  $("workshop").hidden = false;
  const token = tokenFromHash(location.hash);
  if (token) history.replaceState(null, "", location.pathname);
  let res;
  try {
    res = token
      ? await fetch("/api/session", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) })
      : await fetch("/api/session?client=" + encodeURIComponent(sessionStorage.getItem("pb-client") || "x"));
  } catch {
    say("We could not reach the server. Please check your connection and open the link again.");
    return;
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    say(body.message || "This link did not work. Please ask the facilitator for a new one.");
    return;
  }
  const w = body.workshop;
  if (w.id !== workshopID) {
    say("Your link is for another workshop.");
    return;
  }
  $("workshop-title").textContent = w.title;
  const roles = { facilitator: "You are a facilitator of this workshop.", participant: "You are taking part in this workshop.", observer: "You are watching this workshop." };
  say(roles[/** @type {"facilitator"|"participant"|"observer"} */ (body.role)] || "");
  const group = w.groups.find((/** @type {{id: string}} */ g) => g.id === body.group);
  if (body.role === "participant" && group) {
    location.assign("/b/" + encodeURIComponent(group.board));
    return;
  }
  const list = $("workshop-boards");
  const link = (/** @type {string} */ board, /** @type {string} */ label) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/b/" + encodeURIComponent(board);
    a.textContent = label;
    li.append(a);
    return li;
  };
  list.replaceChildren(link(w.plenary, "Plenary: everyone together"),
    ...w.groups.map((/** @type {{board: string, name: string}} */ g) => link(g.board, g.name)));
  if (body.role === "facilitator") consolePage(w);
}
