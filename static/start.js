// @ts-check
/**
 * @file The start page: make a new board and list the boards on this server.
 */

import { parsePartners } from "./partners.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const TEMPLATE_NAMES = { persona: "Persona grid", "response-map": "Challenges and partnership responses", meeting: "Meeting", vision: "Shared vision", blank: "Blank board" };

export async function startPage() {
  $("start").hidden = false;
  document.body.classList.add("on-start");
  const form = /** @type {HTMLFormElement} */ ($("new-board"));
  const error = $("new-board-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    const title = String(data.get("title") || "").trim();
    const template = String(data.get("template") || "blank");
    const parsed = parsePartners(String(data.get("partners") || ""));
    if (!title) return say("Please give the board a title, so people know which board they are on.");
    if (parsed.errors.length > 0) return say(parsed.errors.join(" "));
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    button.disabled = true;
    try {
      const { r, body } = await postJSON("/api/boards", { title, template, partners: parsed.partners });
      if (!r.ok || typeof body.id !== "string") {
        say(typeof body.message === "string" ? body.message : "The board could not be made just now. Please try again.");
        return;
      }
      location.href = `/b/${encodeURIComponent(body.id)}`;
    } catch {
      say("The server could not be reached. Please check your connection and try again.");
    } finally {
      button.disabled = false;
    }
  });

  /** @param {string} text */
  function say(text) {
    error.textContent = text;
    error.hidden = false;
  }

  workshopForm();

  const list = $("boards");
  try {
    const r = await fetch("/api/boards");
    const boards = r.ok ? await r.json() : [];
    if (!Array.isArray(boards) || boards.length === 0) {
      $("boards-empty").hidden = false;
      return;
    }
    for (const b of boards) {
      if (!b || typeof b.id !== "string") continue;
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/b/${encodeURIComponent(b.id)}`;
      a.textContent = typeof b.title === "string" && b.title ? b.title : "Untitled board";
      li.append(a);
      const meta = document.createElement("span");
      meta.className = "board-meta";
      const parts = [TEMPLATE_NAMES[/** @type {keyof typeof TEMPLATE_NAMES} */ (b.template)] || ""];
      if (typeof b.created === "number") parts.push(new Date(b.created).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" }));
      meta.textContent = parts.filter(Boolean).join(" · ");
      li.append(meta);
      list.append(li);
    }
  } catch {
    $("boards-empty").hidden = false;
  }
}

/** The "Run a workshop" form: makes the workshop, then opens its console. */
function workshopForm() {
  const form = /** @type {HTMLFormElement} */ ($("new-workshop"));
  const error = $("new-workshop-error");
  /** @param {string} text */
  const say = (text) => {
    error.textContent = text;
    error.hidden = false;
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    const title = String(data.get("title") || "").trim();
    const template = String(data.get("template") || "persona");
    const groups = Number(data.get("groups"));
    const parsed = parsePartners(String(data.get("partners") || ""));
    if (!title) return say("Please give the workshop a title, so people know they are in the right place.");
    if (!Number.isInteger(groups) || groups < 1 || groups > 24) return say("Please choose between 1 and 24 breakout groups.");
    if (parsed.errors.length > 0) return say(parsed.errors.join(" "));
    const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
    button.disabled = true;
    try {
      const { r, body } = await postJSON("/api/workshops", { title, template, groups, partners: parsed.partners });
      const url = body && body.facilitator && body.facilitator.url;
      if (!r.ok || typeof url !== "string" || !url.startsWith("/w/")) {
        say(typeof body.message === "string" ? body.message : "The workshop could not be made just now. Please try again.");
        return;
      }
      // The facilitator link carries its token in the fragment; the
      // workshop page trades it for a session and shows the console.
      location.href = url;
    } catch {
      say("The server could not be reached. Please check your connection and try again.");
    } finally {
      button.disabled = false;
    }
  });
}

/**
 * Posts a JSON body; the answer's body is {} when it is not JSON.
 * @param {string} path
 * @param {any} data
 */
async function postJSON(path, data) {
  const r = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(data),
  });
  const body = await r.json().catch(() => ({}));
  return { r, body };
}
