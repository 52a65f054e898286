// @ts-check
/**
 * @file The facilitator console, on the workshop page of a facilitator's
 * link: every group's board as a live picture with who is in it, and the
 * controls of the session — links, messages, the timer, locks, dot voting,
 * the plenary, snapshots and exports.
 *
 * The console keeps one protocol connection per board of the workshop. It
 * edits nothing; the connections tell it who is where (presence) and when a
 * board changed, so its picture is fetched again. The facilitator shows up
 * in each board's list of people, as anyone watching a board does.
 */

import { Sync, randomID } from "./sync.js";
import { remaining, formatCountdown } from "./workshop.js";
import { api, el } from "./api.js";

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** A board's picture is fetched again at most this often while it changes. */
export const ThumbnailEveryMs = 2000;

/**
 * @typedef {{id: string, name: string, board: string}} Group
 * @typedef {{id: string, title: string, groups: Group[], plenary: string, plenaryOpen: boolean,
 *   locked?: string[], timerEnds?: number, message?: {text: string, at: number},
 *   vote?: {id: string, perPerson: number, open: boolean}}} Workshop
 */

/**
 * The boards the console watches, plenary first.
 * @param {Workshop} w
 * @returns {{board: string, name: string, group: string}[]}
 */
export function consoleBoards(w) {
  return [{ board: w.plenary, name: "Plenary: everyone together", group: "" },
    ...w.groups.map((g) => ({ board: g.board, name: g.name, group: g.id }))];
}

/**
 * Shows the console for workshop w.
 * @param {Workshop} initial
 */
export function consolePage(initial) {
  let w = initial;
  const base = `/api/workshops/${encodeURIComponent(w.id)}`;
  $("console").hidden = false;
  document.body.classList.add("on-console");

  const errorBox = $("c-error");
  /** @param {unknown} err */
  const fail = (err) => {
    errorBox.textContent = err instanceof Error ? err.message : String(err);
    errorBox.hidden = false;
  };
  /** @param {string} text */
  const done = (text) => {
    errorBox.hidden = true;
    $("c-done").textContent = text;
  };
  /** @param {any} next */
  const update = (next) => {
    if (next && typeof next.id === "string" && Array.isArray(next.groups)) w = next;
    renderControls();
    for (const b of boards) renderBoard(b);
  };

  let clientID = sessionStorage.getItem("pb-client") || "";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clientID)) {
    clientID = `c${randomID(15)}`;
    sessionStorage.setItem("pb-client", clientID);
  }
  const myName = ((localStorage.getItem("pb-name") || "").trim() || "Facilitator").slice(0, 40);

  // ------------------------------------------------------------------
  // The boards: a card each, with its picture, its people and its lock.

  /**
   * @typedef {{board: string, name: string, group: string, sync: Sync, li: HTMLElement,
   *   img: HTMLImageElement, people: HTMLElement, count: HTMLElement, lock: HTMLButtonElement,
   *   shownSeq: number, lastFetch: number, timer: any}} Watched
   */
  /** @type {Watched[]} */
  const boards = [];
  const list = $("c-groups");
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  for (const b of consoleBoards(w)) {
    const li = el("li", undefined, "console-group");
    li.dataset.board = b.board;
    const head = el("div", undefined, "console-group-head");
    const h = el("h3", b.name);
    const open = /** @type {HTMLAnchorElement} */ (el("a", "Open", "console-open"));
    open.href = `/b/${encodeURIComponent(b.board)}`;
    open.setAttribute("aria-label", `Open ${b.name}`);
    const lock = /** @type {HTMLButtonElement} */ (el("button", "", "secondary c-lock"));
    lock.type = "button";
    head.append(h, open, lock);
    const img = /** @type {HTMLImageElement} */ (el("img", undefined, "console-thumb"));
    img.alt = `Picture of the board: ${b.name}`;
    img.width = 320;
    img.height = 200;
    const count = el("p", "Nobody here yet", "muted c-count");
    const people = el("ul", undefined, "console-people");
    people.setAttribute("aria-label", `People in ${b.name}`);
    li.append(head, img, count, people);
    list.append(li);

    const sync = new Sync({
      clientID,
      name: `${myName} · facilitator`,
      openSocket: () => /** @type {any} */ (new WebSocket(`${proto}//${location.host}/ws/boards/${encodeURIComponent(b.board)}`)),
    });
    /** @type {Watched} */
    const watched = { ...b, sync, li, img, people, count, lock, shownSeq: -1, lastFetch: 0, timer: null };
    boards.push(watched);
    sync.onPresence = () => renderPeople(watched);
    sync.onWelcome = () => { refreshPicture(watched); renderPeople(watched); };
    sync.onChange = () => refreshPicture(watched);
    sync.onWorkshop = onWorkshop;
    lock.addEventListener("click", async () => {
      const locked = !(w.locked || []).includes(b.board);
      lock.disabled = true;
      try {
        update(await api("POST", `${base}/boards/${encodeURIComponent(b.board)}/lock`, { locked }));
        done(locked ? `${b.name} is now locked: only facilitators can change it.` : `${b.name} is open for editing again.`);
      } catch (err) {
        fail(err);
      } finally {
        lock.disabled = false;
      }
    });
    renderBoard(watched);
    sync.start();
  }

  /** @param {Watched} b */
  function renderBoard(b) {
    const locked = (w.locked || []).includes(b.board);
    b.lock.textContent = locked ? "Unlock" : "Lock";
    b.lock.setAttribute("aria-label", `${locked ? "Unlock" : "Lock"} ${b.name}`);
    b.li.classList.toggle("locked", locked);
    b.li.dataset.locked = String(locked);
  }

  /**
   * Fetches the board's picture again when it changed, at most every
   * ThumbnailEveryMs, and once more after the last change.
   * @param {Watched} b
   */
  function refreshPicture(b) {
    if (b.sync.seq === b.shownSeq || b.timer) return;
    const wait = Math.max(0, b.lastFetch + ThumbnailEveryMs - Date.now());
    b.timer = setTimeout(() => {
      b.timer = null;
      b.lastFetch = Date.now();
      b.shownSeq = b.sync.seq;
      b.img.src = `/api/boards/${encodeURIComponent(b.board)}/export?format=svg&v=${b.sync.seq}`;
      b.li.dataset.seq = String(b.sync.seq);
    }, wait);
  }

  /** @param {Watched} b */
  function renderPeople(b) {
    const others = [...b.sync.users.values()].filter((u) => u.id !== b.sync.session);
    b.count.textContent = others.length === 0 ? "Nobody here yet" : others.length === 1 ? "1 person here" : `${others.length} people here`;
    const items = others.sort((x, y) => x.name.localeCompare(y.name)).map((u) => {
      const li = el("li");
      li.dataset.session = u.id;
      const name = el("span", u.name, "c-person");
      li.append(name);
      // Only participants belong to groups; the server says so if we try
      // to move anyone else, so offer it to everyone but facilitators.
      if (!u.name.endsWith("· facilitator")) {
        const label = el("label", "Move to", "visually-hidden");
        const sel = /** @type {HTMLSelectElement} */ (el("select", undefined, "c-move"));
        sel.id = `move-${b.board}-${u.id}`;
        label.setAttribute("for", sel.id);
        label.textContent = `Move ${u.name} to another group`;
        sel.append(new Option("Move to…", ""));
        for (const g of w.groups) if (g.id !== b.group) sel.append(new Option(g.name, g.id));
        sel.addEventListener("change", async () => {
          const group = sel.value;
          if (!group) return;
          sel.disabled = true;
          try {
            update(await api("POST", `${base}/move`, { session: u.id, group }));
            const g = w.groups.find((x) => x.id === group);
            done(`${u.name} is on their way to ${g ? g.name : "the other group"}.`);
          } catch (err) {
            fail(err);
          } finally {
            sel.disabled = false;
            sel.value = "";
          }
        });
        li.append(label, sel);
      }
      return li;
    });
    b.people.replaceChildren(...items);
  }

  // ------------------------------------------------------------------
  // Workshop-wide controls.

  let timerTick = /** @type {any} */ (null);
  let timerOffset = 0;
  function renderControls() {
    const plenary = /** @type {HTMLButtonElement} */ ($("c-plenary"));
    plenary.textContent = w.plenaryOpen ? "Close the plenary to participants" : "Open the plenary to participants";
    plenary.setAttribute("aria-pressed", String(w.plenaryOpen));
    $("c-message-now").textContent = w.message ? `Showing now: “${w.message.text}”` : "No message is showing.";
    const vote = w.vote;
    $("c-vote-state").textContent = !vote ? "No voting round yet." : vote.open
      ? `Voting is open: ${vote.perPerson} dot${vote.perPerson === 1 ? "" : "s"} each.`
      : "Voting is closed. The results are below and on every board.";
    /** @type {HTMLButtonElement} */ ($("c-vote-close")).disabled = !vote || !vote.open;
    showTimer();
  }
  function showTimer() {
    const left = remaining(w.timerEnds || 0, timerOffset, Date.now());
    $("c-timer-left").textContent = !w.timerEnds ? "No timer running." : left === 0 ? "Time is up." : `${formatCountdown(left)} left`;
    if (w.timerEnds && left > 0 && !timerTick) timerTick = setInterval(showTimer, 1000);
    if ((!w.timerEnds || left === 0) && timerTick) {
      clearInterval(timerTick);
      timerTick = null;
    }
  }

  /** @param {any} m */
  function onWorkshop(m) {
    if (m.t === "timer") {
      w = { ...w, timerEnds: Number(m.endsAt) || 0 };
      timerOffset = Number(m.now) ? Number(m.now) - Date.now() : 0;
      showTimer();
    } else if (m.t === "votes" && m.round) {
      w = { ...w, vote: m.round };
      renderControls();
      if (Array.isArray(m.totals)) showTotals(m.totals);
    }
  }

  /**
   * @param {string} formID
   * @param {(data: FormData) => Promise<void>} fn
   */
  function onSubmit(formID, fn) {
    const form = /** @type {HTMLFormElement} */ ($(formID));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = /** @type {HTMLButtonElement | null} */ (form.querySelector("button[type=submit]"));
      if (button) button.disabled = true;
      try {
        await fn(new FormData(form));
      } catch (err) {
        fail(err);
      } finally {
        if (button) button.disabled = false;
      }
    });
  }
  /**
   * @param {string} id
   * @param {() => Promise<void>} fn
   */
  function onClick(id, fn) {
    const button = /** @type {HTMLButtonElement} */ ($(id));
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await fn();
      } catch (err) {
        fail(err);
      } finally {
        button.disabled = false;
        renderControls();
      }
    });
  }

  onSubmit("c-broadcast", async (data) => {
    const message = String(data.get("message") || "").trim();
    if (!message) throw new Error("Please write the message first.");
    update(await api("POST", `${base}/broadcast`, { message }));
    /** @type {HTMLInputElement} */ ($("c-broadcast-text")).value = "";
    done("Your message is showing on every board.");
  });
  onSubmit("c-timer", async (data) => {
    const minutes = Number(data.get("minutes"));
    if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error("Please choose from 1 minute to 24 hours (1,440 minutes).");
    update(await api("POST", `${base}/timer`, { seconds: Math.round(minutes * 60) }));
    done(`The timer is running on every board: ${minutes} minute${minutes === 1 ? "" : "s"}.`);
  });
  onClick("c-timer-stop", async () => {
    update(await api("POST", `${base}/timer`, { seconds: 0 }));
    done("The timer has stopped.");
  });
  onClick("c-gather", async () => {
    update(await api("POST", `${base}/gather`, {}));
    done("Everyone is being taken to the plenary board.");
  });
  onClick("c-plenary", async () => {
    const open = !w.plenaryOpen;
    update(await api("POST", `${base}/plenary`, { open }));
    done(open ? "Participants can now edit the plenary board." : "The plenary board is view only for participants again.");
  });
  onSubmit("c-vote", async (data) => {
    const perPerson = Number(data.get("dots"));
    if (!(Number.isInteger(perPerson) && perPerson >= 1 && perPerson <= 20)) throw new Error("Please give each person from 1 to 20 dots.");
    const round = await api("POST", `${base}/votes`, { perPerson });
    w = { ...w, vote: round };
    $("c-vote-results").replaceChildren();
    renderControls();
    done("Voting is open. Everyone can put dots on challenges and responses.");
  });
  onClick("c-vote-close", async () => {
    const out = await api("POST", `${base}/votes/close`, {});
    w = { ...w, vote: out.round };
    showTotals(out.totals || []);
    done("Voting is closed. Everyone can see the results now.");
  });
  onSubmit("c-snapshot", async (data) => {
    const name = String(data.get("name") || "").trim();
    if (!name) throw new Error("Please name the snapshot, for example “After the first round”.");
    const out = await api("POST", `${base}/snapshots`, { name });
    const n = Array.isArray(out.snapshots) ? out.snapshots.length : Array.isArray(out) ? out.length : 0;
    /** @type {HTMLInputElement} */ ($("c-snapshot-name")).value = "";
    done(`Saved “${name}”${n ? ` for ${n} boards` : ""}. You can open, compare or restore it from each board.`);
  });

  /**
   * The dots items received, most first, named by their text.
   * @param {{board: string, item: string, dots: number}[]} totals
   */
  function showTotals(totals) {
    const sorted = [...totals].sort((a, b) => b.dots - a.dots || a.item.localeCompare(b.item));
    const rows = sorted.map((t) => {
      const watched = boards.find((b) => b.board === t.board);
      const obj = watched ? watched.sync.view().get(t.item) : undefined;
      const text = obj && typeof obj.fields.text === "string" && obj.fields.text.trim() ? obj.fields.text.trim() : "(an item without text)";
      const li = el("li");
      li.append(el("span", text, "c-vote-text"), " ", el("span", `${t.dots} dot${t.dots === 1 ? "" : "s"}`, "c-vote-dots"),
        " ", el("span", watched ? `on ${watched.name}` : "", "muted"));
      return li;
    });
    $("c-vote-results").replaceChildren(...rows);
    $("c-vote-none").hidden = rows.length > 0;
  }

  // ------------------------------------------------------------------
  // Links.

  const roleSelect = /** @type {HTMLSelectElement} */ ($("c-link-role"));
  roleSelect.append(new Option("Participant: chooses a group", "participant"),
    ...w.groups.map((g) => new Option(`Participant: ${g.name}`, `participant:${g.id}`)),
    new Option("Observer: can look, not change", "observer"),
    new Option("Facilitator: can run the workshop", "facilitator"));

  onSubmit("c-link", async (data) => {
    const [role, group = ""] = String(data.get("role") || "participant").split(":");
    const label = String(data.get("label") || "").trim();
    const out = await api("POST", `${base}/links`, { role, group, label });
    const url = new URL(out.url, location.origin).href;
    const field = /** @type {HTMLInputElement} */ ($("c-link-url"));
    field.value = url;
    $("c-link-new").hidden = false;
    field.focus();
    field.select();
    done("The link is ready. Share it with the people it is for; anyone with it can join in that role.");
    // The form is free for the next link at once; the list catches up.
    loadLinks().catch(fail);
  });
  $("c-link-copy").addEventListener("click", async () => {
    const field = /** @type {HTMLInputElement} */ ($("c-link-url"));
    try {
      await navigator.clipboard.writeText(field.value);
      done("Link copied.");
    } catch {
      field.select();
      done("Press Ctrl+C to copy the selected link.");
    }
  });

  /** @param {{role: string, group?: string}} l */
  const describe = (l) => {
    if (l.role === "participant") {
      const g = w.groups.find((x) => x.id === l.group);
      return g ? `Participant link for ${g.name}` : "Participant link";
    }
    return l.role === "observer" ? "Observer link" : "Facilitator link";
  };
  async function loadLinks() {
    /** @type {any[]} */
    const links = await api("GET", `${base}/links`);
    const now = Date.now();
    $("c-links").replaceChildren(...links.map((l) => {
      const li = el("li");
      li.dataset.link = l.id;
      const what = l.label ? `${describe(l)}: ${l.label}` : describe(l);
      const status = l.revoked ? "withdrawn" : l.expires <= now ? "expired" : `until ${new Date(l.expires).toLocaleString()}`;
      li.append(el("span", what), " ", el("span", `(${status})`, "muted"));
      if (!l.revoked && l.expires > now) {
        const b = /** @type {HTMLButtonElement} */ (el("button", "Withdraw", "secondary c-revoke"));
        b.type = "button";
        b.setAttribute("aria-label", `Withdraw the ${what.toLowerCase()}`);
        b.addEventListener("click", async () => {
          if (!confirm(`Withdraw this ${describe(l).toLowerCase()}? Anyone using it will be disconnected.`)) return;
          b.disabled = true;
          try {
            await api("DELETE", `${base}/links/${encodeURIComponent(l.id)}`);
            done("The link is withdrawn. Anyone using it has been disconnected.");
            await loadLinks();
          } catch (err) {
            b.disabled = false;
            fail(err);
          }
        });
        li.append(" ", b);
      }
      return li;
    }));
  }

  // ------------------------------------------------------------------
  // Exports.

  for (const [id, format] of [["c-export-md", "md"], ["c-export-csv", "csv"], ["c-export-json", "json"]]) {
    /** @type {HTMLAnchorElement} */ ($(id)).href = `${base}/export?format=${format}`;
  }

  if (w.timerEnds) timerOffset = 0;
  renderControls();
  loadLinks().catch(fail);
  if (w.vote && !w.vote.open) api("GET", `${base}/votes`).then((v) => showTotals(v.totals || [])).catch(fail);

  /** For tests and for the curious: what the console is watching. */
  /** @type {any} */ (window).partnerboardConsole = {
    boards: () => boards.map((b) => ({ board: b.board, name: b.name, seq: b.sync.seq, shown: b.shownSeq, people: [...b.sync.users.values()].filter((u) => u.id !== b.sync.session).map((u) => u.name) })),
    workshop: () => w,
  };
}
