// @ts-check
// A first, small board page: join a board, see its sticky notes live and
// add or edit them. The full whiteboard replaces it.

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** A random id of letters and digits, valid for objects, batches and clients. */
function newID() {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"[b & 63]).join("");
}

async function startPage() {
  $("start").hidden = false;
  const res = await fetch("/api/boards");
  const boards = await res.json();
  const list = $("boards");
  for (const b of boards) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/b/" + encodeURIComponent(b.id);
    a.textContent = b.title;
    li.append(a);
    list.append(li);
  }
  $("new-board").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = /** @type {HTMLFormElement} */ (ev.target);
    const title = String(new FormData(form).get("title") || "");
    const r = await fetch("/api/boards", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ title, template: "blank" }) });
    const info = await r.json();
    location.href = "/b/" + encodeURIComponent(info.id);
  });
}

/** @param {string} boardID */
function boardPage(boardID) {
  $("board").hidden = false;
  const clientID = sessionStorage.getItem("pb-client") || newID();
  sessionStorage.setItem("pb-client", clientID);
  const nameInput = /** @type {HTMLInputElement} */ ($("name"));
  nameInput.value = localStorage.getItem("pb-name") || "Guest";
  /** @type {Map<string, {id: string, kind: string, fields: Record<string, any>}>} */
  const objects = new Map();
  /** @type {Map<string, {id: string, name: string, color: string}>} */
  const people = new Map();
  let epoch = "", seq = 0;
  /** @type {WebSocket | null} */
  let ws = null;

  const setStatus = (/** @type {string} */ s) => { $("status").textContent = s; };

  function render() {
    const canvas = $("canvas");
    const seen = new Set();
    for (const o of objects.values()) {
      if (o.kind !== "note") continue;
      seen.add(o.id);
      let el = /** @type {HTMLElement | null} */ (canvas.querySelector(`[data-id="${CSS.escape(o.id)}"]`));
      if (!el) {
        el = document.createElement("div");
        el.className = "note";
        el.dataset.id = o.id;
        const ta = document.createElement("textarea");
        ta.setAttribute("aria-label", "Sticky note");
        ta.addEventListener("change", () => send([{ op: "update", id: o.id, fields: { text: ta.value } }]));
        el.append(ta);
        canvas.append(el);
      }
      el.style.left = (o.fields.x || 0) + "px";
      el.style.top = (o.fields.y || 0) + "px";
      const ta = /** @type {HTMLTextAreaElement} */ (el.firstChild);
      if (document.activeElement !== ta) ta.value = o.fields.text || "";
    }
    for (const el of Array.from(canvas.children)) {
      if (!seen.has(/** @type {HTMLElement} */ (el).dataset.id || "")) el.remove();
    }
    const list = $("people");
    list.replaceChildren(...Array.from(people.values(), (p) => {
      const li = document.createElement("li");
      li.textContent = p.name;
      li.style.setProperty("--c", p.color || "#cbd2d9");
      return li;
    }));
  }

  /** @param {any[]} ops */
  function apply(ops) {
    for (const op of ops) {
      if (op.op === "create" && !objects.has(op.id)) objects.set(op.id, { id: op.id, kind: op.kind, fields: { ...op.fields } });
      else if (op.op === "update" && objects.has(op.id)) {
        const o = /** @type {any} */ (objects.get(op.id));
        for (const [k, v] of Object.entries(op.fields)) { if (v === null) delete o.fields[k]; else o.fields[k] = v; }
      } else if (op.op === "delete") objects.delete(op.id);
    }
  }

  /** @param {any[]} ops */
  function send(ops) {
    if (!ws || ws.readyState !== WebSocket.OPEN) { setStatus("Not connected: your change was not sent."); return; }
    ws.send(JSON.stringify({ t: "ops", batch: newID(), ops }));
    setStatus("Saving…");
  }

  function connect() {
    setStatus("Connecting…");
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/ws/boards/${encodeURIComponent(boardID)}`);
    ws.onopen = () => {
      const hello = { t: "hello", client: clientID, name: nameInput.value.trim() || "Guest" };
      if (epoch) Object.assign(hello, { epoch, seq });
      ws?.send(JSON.stringify(hello));
    };
    ws.onmessage = (ev) => {
      for (const line of String(ev.data).split("\n")) {
        const m = JSON.parse(line);
        if (m.t === "welcome") {
          $("board-title").textContent = m.board.title;
          if (m.state) { objects.clear(); for (const o of m.state.objects) objects.set(o.id, o); }
          for (const e of m.ops) apply(e.ops);
          epoch = m.epoch; seq = m.seq;
          people.clear();
          for (const u of m.users) people.set(u.id, u);
          setStatus("All changes saved");
        } else if (m.t === "op") { apply(m.ops); seq = m.seq; }
        else if (m.t === "ack") { seq = Math.max(seq, m.seq); setStatus("All changes saved"); }
        else if (m.t === "join") people.set(m.user.id, m.user);
        else if (m.t === "leave") people.delete(m.id);
        else if (m.t === "error") setStatus(m.message);
      }
      render();
    };
    ws.onclose = () => { setStatus("Reconnecting…"); setTimeout(connect, 1000); };
  }

  $("add-note").addEventListener("click", () => {
    const id = newID();
    const ops = [{ op: "create", id, kind: "note", fields: { x: 20 + objects.size * 30 % 600, y: 20 + objects.size * 20 % 300, text: "" } }];
    apply(ops);
    render();
    send(ops);
  });
  nameInput.addEventListener("change", () => localStorage.setItem("pb-name", nameInput.value));
  connect();
}

const m = location.pathname.match(/^\/b\/([A-Za-z0-9_-]+)$/);
if (m) boardPage(m[1]); else startPage();
