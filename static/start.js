// @ts-check
/**
 * @file The start page: make a new board and list the boards on this server.
 */

import { parsePartners } from "./partners.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const TEMPLATE_NAMES = { persona: "Persona grid", "response-map": "Challenges and partnership responses", blank: "Blank board" };

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
      const r = await fetch("/api/boards", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title, template, partners: parsed.partners }),
      });
      const body = await r.json().catch(() => ({}));
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
