// @ts-check
/**
 * @file Dot voting on the board page. While the facilitator has a round
 * open, a panel lists the board's challenges and responses; each person
 * places their dots (as many as the round gives them) and can take one back
 * to move it. Totals stay hidden until the round closes, so nobody follows
 * the crowd; then the panel shows the results for this board.
 *
 * The server counts the dots and refuses one too many, however fast the
 * clicks come; the page only remembers which items it put its own dots on,
 * to show them.
 */

import { api, el } from "./api.js";
import { objectLabel } from "./snapshots.js";

/**
 * @typedef {{id: string, perPerson: number, open: boolean}} Round
 * @typedef {{board: string, item: string, dots: number}} Total
 * @typedef {{id: string, kind: string, fields: Record<string, any>}} BoardObject
 * @typedef {{
 *   workshopID: string, boardID: string, clientID: string, canVote: boolean,
 *   view: () => {get(id: string): BoardObject | undefined, objects(): Iterable<BoardObject>},
 * }} Deps
 */

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * The board's challenges and responses, in board order: list entries in
 * cells. A cell holds challenges when its id ends in "challenges" or its
 * label says so (as board/toc.go decides); any other list holds responses.
 * @param {{get(id: string): BoardObject | undefined, objects(): Iterable<BoardObject>}} view
 * @returns {{id: string, label: string, challenge: boolean}[]}
 */
export function votableItems(view) {
  const out = [];
  for (const o of view.objects()) {
    if (o.kind !== "item") continue;
    const cell = view.get(String(o.fields.parent || ""));
    if (!cell || cell.kind !== "cell") continue;
    const label = String(cell.fields.label || "");
    const challenge = cell.id.endsWith("challenges") || /challenge/i.test(label);
    out.push({ id: o.id, label: objectLabel(o).replace(/^List entry: /, ""), challenge, order: String(o.fields.order || ""), cell: cell.id });
  }
  out.sort((a, b) => (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return out.map(({ id, label, challenge }) => ({ id, label, challenge }));
}

/**
 * @param {Deps} deps
 * @returns {{onMessage(m: any): void, refresh(): void}}
 */
export function mountVoting(deps) {
  const base = `/api/workshops/${encodeURIComponent(deps.workshopID)}/votes`;
  const panel = $("vote-panel");
  /** @type {Round | null} */
  let round = null;
  let left = 0;
  /** @type {Total[] | null} */
  let totals = null;
  /** Dots this page placed, per item, for the round in hand. @type {Record<string, number>} */
  let mine = {};
  let hiddenByUser = false;
  let busy = false;
  let lastShown = "";

  const storeKey = () => `pb-dots-${round ? round.id : ""}`;
  const save = () => { try { sessionStorage.setItem(storeKey(), JSON.stringify(mine)); } catch { /* private mode */ } };
  const load = () => {
    try {
      const v = JSON.parse(sessionStorage.getItem(storeKey()) || "{}");
      mine = v && typeof v === "object" ? v : {};
    } catch {
      mine = {};
    }
  };

  /** @param {string} text */
  const fail = (text) => {
    $("vote-error").textContent = text;
    $("vote-error").hidden = text === "";
  };

  /** @param {Round | null} r @param {Total[] | null} t */
  function setRound(r, t) {
    const fresh = !round || !r || round.id !== r.id;
    round = r && typeof r.id === "string" ? r : null;
    totals = Array.isArray(t) ? t : null;
    if (fresh) {
      load();
      hiddenByUser = false;
      if (round) left = round.perPerson - Object.values(mine).reduce((a, b) => a + b, 0);
    }
    fail("");
    refresh();
  }

  function refresh() {
    const showing = round !== null && (round.open || totals !== null);
    panel.hidden = !showing || hiddenByUser;
    document.body.classList.toggle("voting", showing && !hiddenByUser);
    if (!showing || !round) return;
    const items = votableItems(deps.view());
    // Redraw only when something shown changed: a rebuilt list would take
    // the keyboard focus off the button someone is on.
    const shown = JSON.stringify([round, totals, left, mine, deps.canVote, items]);
    if (shown === lastShown) return;
    lastShown = shown;
    const ol = $("vote-items");
    if (round.open) {
      $("vote-state").textContent = deps.canVote
        ? `You have ${left} of ${round.perPerson} ${round.perPerson === 1 ? "dot" : "dots"} left. Put them on the challenges and responses that matter most to you.`
        : "A dot-voting round is open. Your link lets you watch but not vote.";
      ol.replaceChildren(...items.map((it) => voteRow(it)));
    } else {
      const dots = new Map((totals || []).filter((t) => t.board === deps.boardID).map((t) => [t.item, t.dots]));
      $("vote-state").textContent = "Voting has closed. Here is how the dots fell on this board, most first.";
      const ranked = items.map((it) => ({ ...it, dots: dots.get(it.id) || 0 })).sort((a, b) => b.dots - a.dots);
      ol.replaceChildren(...ranked.map((it) => {
        const li = el("li", undefined, "vote-item");
        li.dataset.item = it.id;
        li.dataset.dots = String(it.dots);
        li.append(el("span", `${it.dots} ${it.dots === 1 ? "dot" : "dots"}`, "vote-count"), el("span", `${it.challenge ? "Challenge" : "Response"}: ${it.label}`));
        return li;
      }));
    }
    $("vote-empty").hidden = items.length > 0;
  }

  /** @param {{id: string, label: string, challenge: boolean}} it */
  function voteRow(it) {
    const li = el("li", undefined, "vote-item");
    li.dataset.item = it.id;
    const n = mine[it.id] || 0;
    li.dataset.mine = String(n);
    const what = `${it.challenge ? "Challenge" : "Response"}: ${it.label}`;
    li.append(el("span", what, "vote-label"), el("span", n ? `Your dots: ${n}` : "", "vote-count"));
    if (deps.canVote) {
      const add = /** @type {HTMLButtonElement} */ (el("button", "Add a dot", "secondary vote-add"));
      add.type = "button";
      add.setAttribute("aria-label", `Add a dot to ${what}`);
      add.disabled = left <= 0;
      add.addEventListener("click", () => cast(it.id, "cast"));
      const back = /** @type {HTMLButtonElement} */ (el("button", "Take one back", "secondary vote-back"));
      back.type = "button";
      back.setAttribute("aria-label", `Take a dot back from ${what}`);
      back.disabled = n === 0;
      back.addEventListener("click", () => cast(it.id, "uncast"));
      li.append(add, back);
    }
    return li;
  }

  /** @param {string} item @param {"cast" | "uncast"} how */
  async function cast(item, how) {
    if (busy || !round) return;
    busy = true;
    try {
      const out = await api("POST", `${base}/${how}`, { board: deps.boardID, item, client: deps.clientID });
      left = Number(out.left) || 0;
      mine[item] = Math.max(0, (mine[item] || 0) + (how === "cast" ? 1 : -1));
      save();
      fail("");
    } catch (err) {
      fail(/** @type {Error} */ (err).message);
    } finally {
      busy = false;
      refresh();
      // Keep the keyboard where it was: on the same item's button.
      const row = $("vote-items").querySelector(`li[data-item="${CSS.escape(item)}"]`);
      const again = /** @type {HTMLButtonElement | null} */ (row && row.querySelector(how === "cast" ? ".vote-add" : ".vote-back"));
      (again && !again.disabled ? again : /** @type {HTMLElement | null} */ (row && row.querySelector("button:not([disabled])")))?.focus();
    }
  }

  $("vote-hide").addEventListener("click", () => {
    hiddenByUser = true;
    refresh();
  });

  // Where the round stands when the page opens.
  api("GET", `${base}?client=${encodeURIComponent(deps.clientID)}`).then((v) => {
    setRound(v.round || null, v.round && !v.round.open ? v.totals || [] : null);
    if (typeof v.left === "number") {
      left = v.left;
      refresh();
    }
  }).catch(() => { /* voting not enabled, or no session: no panel */ });

  return {
    onMessage(m) {
      setRound(m.round || null, m.totals || null);
    },
    refresh,
  };
}
