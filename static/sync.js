// @ts-check
/**
 * @file The client side of the wire protocol (docs/protocol.md): the
 * confirmed board state, this page's unconfirmed batches, presence and
 * cursors, and the connection with its reconnects.
 *
 * It mirrors the Go client (client/client.go: handle, onWelcome, applyEntry,
 * confirm). The page sees `view()`: the confirmed state with every
 * unconfirmed batch re-applied on top, in the order they were made. When
 * someone else's batch arrives it goes under the unconfirmed ones (a
 * rebase), so every page ends up in the server's order.
 *
 * The module touches no DOM. The socket and the timers are passed in, so
 * node --test can drive it with fakes (static/test/sync.test.js).
 */

import { State, validateOps } from "./model.js";

/** The socket calls Sync makes; a browser WebSocket has them all. */
/**
 * @typedef {object} SocketLike
 * @property {number} readyState 1 when open
 * @property {(data: string) => void} send
 * @property {(code?: number, reason?: string) => void} close
 * @property {((ev: any) => void) | null} onopen
 * @property {((ev: {data: any}) => void) | null} onmessage
 * @property {((ev: {code?: number}) => void) | null} onclose
 * @property {((ev: any) => void) | null} onerror
 */

/**
 * @typedef {object} User
 * @property {string} id session id
 * @property {string} name
 * @property {string} color
 * @property {string} [editing] the object they are editing, or ""
 */

/**
 * @typedef {object} Batch
 * @property {string} id
 * @property {import("./model.js").Op[]} ops
 */

/**
 * @typedef {object} SyncOptions
 * @property {string} clientID kept for the page's life (sessionStorage)
 * @property {string} name display name
 * @property {string} [color] #rrggbb
 * @property {() => SocketLike} openSocket opens a new socket to the board
 * @property {(fn: () => void, ms: number) => any} [setTimeout]
 * @property {(t: any) => void} [clearTimeout]
 * @property {() => number} [now] milliseconds
 * @property {() => number} [random] in [0, 1), for jitter and batch ids
 */

/** Connection states, as #status shows them (data-state). */
export const Connecting = "connecting";
export const Saving = "saving";
export const Saved = "saved";
export const Offline = "offline";
/** The board does not exist (close 4004): the page stops trying. */
export const Gone = "gone";

/** Longest wait between reconnect attempts, in ms. */
export const MaxBackoff = 5000;
/** Shortest wait before the first reconnect attempt, in ms. */
export const MinBackoff = 250;
/** Least time between two cursor messages, in ms (at most 20 a second). */
export const CursorInterval = 50;
/**
 * How long the page may go without sending, or without hearing from the
 * server, before it pings, in ms. The server pings a socket only after 30 s
 * of silence, which costs it more (server.PingInterval and
 * ClientPingInterval), so a quiet page speaks first.
 */
export const PingInterval = 15000;
/** How long a ping may go unanswered before the page reconnects, in ms. */
export const PongTimeout = 10000;

/**
 * The reconnect delay after `attempt` failures in a row: exponential from
 * MinBackoff, capped at MaxBackoff, with up to 25 % jitter so that a room's
 * pages do not all come back in the same instant after a restart.
 * @param {number} attempt 0 for the first retry
 * @param {number} r a random number in [0, 1)
 */
export function backoff(attempt, r) {
  const base = Math.min(MaxBackoff, MinBackoff * 2 ** Math.min(attempt, 16));
  return Math.round(Math.min(MaxBackoff, base * (1 + r * 0.25)));
}

/**
 * Splits one frame from the server into its messages (one JSON object per
 * line). Lines that are not JSON objects are skipped and counted.
 * @param {string} frame
 * @returns {{messages: any[], bad: number}}
 */
export function splitFrame(frame) {
  const messages = [];
  let bad = 0;
  for (const line of frame.split("\n")) {
    if (line === "") continue;
    try {
      const m = JSON.parse(line);
      if (typeof m === "object" && m !== null && !Array.isArray(m)) messages.push(m);
      else bad++;
    } catch {
      bad++;
    }
  }
  return { messages, bad };
}

/** Largest batch message the page sends, in bytes of JSON (the server closes with 1009 above 512 KiB). */
export const MaxBatchBytes = 400 * 1024;

/**
 * Splits ops into batches the server accepts: at most MaxOpsPerBatch ops and
 * about MaxBatchBytes of JSON each. Order is kept. (Atomicity is per batch,
 * so callers keep edits that must stay together small.)
 * @param {readonly import("./model.js").Op[]} ops
 * @param {number} [maxOps]
 * @param {number} [maxBytes]
 * @returns {import("./model.js").Op[][]}
 */
export function chunkOps(ops, maxOps = 500, maxBytes = MaxBatchBytes) {
  /** @type {import("./model.js").Op[][]} */
  const out = [];
  /** @type {import("./model.js").Op[]} */
  let cur = [];
  let bytes = 0;
  for (const op of ops) {
    // UTF-16 length × 3 bounds the UTF-8 size.
    const n = JSON.stringify(op).length * 3 + 1;
    if (cur.length > 0 && (cur.length >= maxOps || bytes + n > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(op);
    bytes += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * A random id of n letters and digits, valid as an object, batch or client id.
 * @param {number} [n]
 * @param {() => number} [random]
 */
export function randomID(n = 12, random = Math.random) {
  let s = "";
  for (let i = 0; i < n; i++) s += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return s;
}

/**
 * Sync is one page's connection to one board. Listeners:
 * - onChange(): the view (board content) changed;
 * - onStatus(state): the connection state changed (Connecting, …);
 * - onPresence(): users or who-is-editing changed;
 * - onCursors(list): others' cursors moved, [[session, x, y], …];
 * - onError(msg): the server refused something ({code, message, batch?});
 * - onWelcome(msg): joined (board info in msg.board).
 */
export class Sync {
  /** @param {SyncOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.clientID = opts.clientID;
    this.name = opts.name;
    this.color = opts.color || "";
    this.setTimeout = opts.setTimeout || ((fn, ms) => setTimeout(fn, ms));
    this.clearTimeout = opts.clearTimeout || ((t) => clearTimeout(t));
    this.now = opts.now || (() => Date.now());
    this.random = opts.random || Math.random;
    /** Confirmed state: every entry up to seq, in the server's order. */
    this.confirmed = new State();
    this.epoch = "";
    this.seq = 0;
    this.session = "";
    /** @type {any} board info from the welcome */
    this.board = null;
    /** @type {Batch[]} this page's batches the server has not acked, oldest first */
    this.pending = [];
    /** @type {Map<string, User>} */
    this.users = new Map();
    /** @type {State | null} confirmed + pending; null when it must be rebuilt */
    this.viewState = null;
    /** Makes batch ids unique across reloads of a page that keeps its client id. */
    this.loadTag = randomID(6, this.random);
    this.nextBatch = 0;
    /** @type {SocketLike | null} */
    this.socket = null;
    /** True between the welcome and the socket's end. */
    this.ready = false;
    this.everJoined = false;
    this.attempts = 0;
    this.stopped = false;
    /** @type {any} */
    this.retryTimer = null;
    /** @type {any} */
    this.pingTimer = null;
    /** @type {any} */
    this.pongTimer = null;
    /** When the page last sent, and last heard from the server (this.now()). */
    this.lastSent = 0;
    this.lastHeard = 0;
    /** @type {{x: number, y: number} | null} */
    this.cursorWant = null;
    this.cursorLast = -Infinity;
    /** @type {any} */
    this.cursorTimer = null;
    this.editingObject = "";
    this.statusValue = Connecting;
    /** A facilitator has locked the board (only they may edit). */
    this.locked = false;
    /** Why the page stopped for good ("" while it keeps trying). */
    this.stopReason = "";
    /** @type {() => void} */ this.onChange = () => {};
    /** @type {(s: string) => void} */ this.onStatus = () => {};
    /** @type {() => void} */ this.onPresence = () => {};
    /** @type {(c: [string, number, number][]) => void} */ this.onCursors = () => {};
    /** @type {(m: any) => void} */ this.onError = () => {};
    /** @type {(m: any) => void} */ this.onWelcome = () => {};
    /** @type {(m: any) => void} */ this.onRemoteOps = () => {};
    /** @type {(locked: boolean) => void} */ this.onLock = () => {};
    /** Workshop messages: broadcast, timer, goto and votes, passed on as they come. @type {(m: any) => void} */
    this.onWorkshop = () => {};
  }

  /** The board as this page shows it: confirmed state plus unconfirmed batches. */
  view() {
    if (!this.viewState) {
      if (this.pending.length === 0) {
        this.viewState = this.confirmed;
      } else {
        const v = this.confirmed.clone();
        for (const b of this.pending) v.apply(b.ops);
        this.viewState = v;
      }
    }
    return this.viewState;
  }

  /** The connection state: Connecting, Saving, Saved, Offline or Gone. */
  status() {
    return this.statusValue;
  }

  updateStatus() {
    let s;
    if (this.stopped) s = Gone;
    else if (!this.ready) s = this.everJoined ? Offline : Connecting;
    else s = this.pending.length > 0 ? Saving : Saved;
    if (s !== this.statusValue) {
      this.statusValue = s;
      this.onStatus(s);
    }
  }

  // ------------------------------------------------------------------
  // Sending.

  /**
   * Applies ops to the view at once and sends them as one batch (now if
   * joined, else after the next welcome). Throws the model's ModelError if
   * the batch is invalid; nothing is applied then.
   * @param {import("./model.js").Op[]} ops
   * @returns {string} the batch id
   */
  submit(ops) {
    validateOps(ops);
    this.nextBatch++;
    const batch = { id: `b${this.nextBatch}-${this.loadTag}-${this.clientID.slice(0, 8)}`, ops: JSON.parse(JSON.stringify(ops)) };
    if (this.viewState && this.viewState !== this.confirmed) {
      this.viewState.apply(batch.ops);
    } else {
      this.viewState = null;
    }
    this.pending.push(batch);
    if (this.ready) this.sendBatch(batch);
    this.updateStatus();
    this.onChange();
    return batch.id;
  }

  /** @param {Batch} b */
  sendBatch(b) {
    this.sendJSON({ t: "ops", batch: b.id, ops: b.ops });
  }

  /** @param {any} m */
  sendJSON(m) {
    if (!this.socket || this.socket.readyState !== 1) return false;
    try {
      this.socket.send(JSON.stringify(m));
      this.lastSent = this.now();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends the pointer position in board coordinates, at most once every
   * CursorInterval ms; the latest position always goes out.
   * @param {number} x
   * @param {number} y
   */
  cursor(x, y) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    this.cursorWant = { x: clampCoord(x), y: clampCoord(y) };
    if (this.cursorTimer !== null) return;
    const wait = this.cursorLast + CursorInterval - this.now();
    if (wait <= 0) this.flushCursor();
    else this.cursorTimer = this.setTimeout(() => { this.cursorTimer = null; this.flushCursor(); }, wait);
  }

  flushCursor() {
    if (!this.cursorWant || !this.ready) return;
    const { x, y } = this.cursorWant;
    this.cursorWant = null;
    this.cursorLast = this.now();
    this.sendJSON({ t: "cursor", x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 });
  }

  /**
   * Says which object this page is editing ("" when done). Sent again after
   * a reconnect.
   * @param {string} object
   */
  editing(object) {
    if (object === this.editingObject) return;
    this.editingObject = object;
    if (this.ready) this.sendJSON({ t: "editing", object });
  }

  // ------------------------------------------------------------------
  // The connection.

  /** Opens the connection (and keeps reopening it until stop). */
  start() {
    this.stopped = false;
    this.open();
  }

  /** Closes the connection for good. */
  stop() {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    this.ready = false;
    if (s) {
      s.onclose = s.onmessage = s.onopen = s.onerror = null;
      try { s.close(1000); } catch { /* already closed */ }
    }
    this.updateStatus();
  }

  clearTimers() {
    for (const t of [this.retryTimer, this.pingTimer, this.pongTimer, this.cursorTimer]) {
      if (t !== null) this.clearTimeout(t);
    }
    this.retryTimer = this.pingTimer = this.pongTimer = this.cursorTimer = null;
  }

  open() {
    this.retryTimer = null;
    if (this.stopped) return;
    let s;
    try {
      s = this.opts.openSocket();
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = s;
    s.onopen = () => {
      if (this.socket !== s) return;
      /** @type {any} */
      const hello = { t: "hello", client: this.clientID, name: this.name };
      if (this.color) hello.color = this.color;
      if (this.epoch) {
        hello.epoch = this.epoch;
        hello.seq = this.seq;
      }
      this.sendJSON(hello);
    };
    s.onmessage = (ev) => {
      if (this.socket !== s) return;
      this.receive(String(ev.data));
    };
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.closed(ev && typeof ev.code === "number" ? ev.code : 1006);
    };
    s.onerror = () => {};
  }

  /**
   * The socket ended.
   * @param {number} code
   */
  closed(code) {
    this.socket = null;
    this.ready = false;
    if (this.pingTimer !== null) this.clearTimeout(this.pingTimer);
    if (this.pongTimer !== null) this.clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = null;
    if (code === 4004 || code === 4403) {
      // No such board, or this page's link was withdrawn or has expired:
      // trying again would not help.
      this.stopped = true;
      this.stopReason = code === 4004 ? "not_found" : "link_withdrawn";
      this.updateStatus();
      this.onError({ code: this.stopReason, message: code === 4004 ? "There is no board at this address." : "This link was withdrawn or has expired." });
      return;
    }
    this.updateStatus();
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped || this.retryTimer !== null) return;
    const wait = backoff(this.attempts, this.random());
    this.attempts++;
    this.retryTimer = this.setTimeout(() => this.open(), wait);
  }

  /** Reconnects at once (e.g. the browser came back online). */
  reconnectNow() {
    if (this.stopped || this.ready) return;
    if (this.retryTimer !== null) {
      this.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    if (!this.socket) this.open();
  }

  /**
   * Drops the connection as a network failure would; it reconnects by
   * itself. Also used when the server's messages stop making sense.
   */
  drop() {
    const s = this.socket;
    if (!s) return;
    s.onclose = s.onmessage = s.onopen = s.onerror = null;
    try { s.close(4000); } catch { /* already closed */ }
    this.closed(1006);
  }

  /**
   * Keeps one ping timer while the page is connected. It pings once the
   * page has sent nothing, or heard nothing, for PingInterval: the first
   * tells the server the page is there, the second checks that the server
   * is. Sending and receiving only note the time, so a busy page costs no
   * timer work.
   * @param {number} [atLeast] the least wait, in ms
   */
  armPing(atLeast = 0) {
    if (this.pingTimer !== null) return;
    const due = Math.min(this.lastSent, this.lastHeard) + PingInterval;
    this.pingTimer = this.setTimeout(() => {
      this.pingTimer = null;
      if (!this.ready) return;
      if (this.now() < Math.min(this.lastSent, this.lastHeard) + PingInterval) {
        this.armPing();
        return;
      }
      this.sendJSON({ t: "ping" });
      if (this.pongTimer === null) {
        this.pongTimer = this.setTimeout(() => { this.pongTimer = null; this.drop(); }, PongTimeout);
      }
      // Still unheard, the page waits for the pong, not for another ping.
      this.armPing(PingInterval);
    }, Math.max(atLeast, due - this.now()));
  }

  // ------------------------------------------------------------------
  // Receiving.

  /**
   * Handles one frame from the server.
   * @param {string} frame
   */
  receive(frame) {
    this.lastHeard = this.now();
    if (this.pongTimer !== null) {
      this.clearTimeout(this.pongTimer);
      this.pongTimer = null;
    }
    const { messages, bad } = splitFrame(frame);
    let ok = bad === 0;
    for (const m of messages) {
      if (!ok) break;
      ok = this.handle(m);
    }
    if (!ok) {
      // We no longer know what the board holds: start again from a snapshot.
      this.epoch = "";
      this.seq = 0;
      this.drop();
      return;
    }
    if (this.ready) this.armPing();
  }

  /**
   * Handles one message; false means the page's copy of the board can no
   * longer be trusted (a gap in the order) and must be fetched afresh.
   * @param {any} m
   * @returns {boolean}
   */
  handle(m) {
    switch (m.t) {
      case "welcome":
        return this.welcome(m);
      case "op": {
        const ok = this.applyEntry(m);
        if (ok) this.onRemoteOps(m);
        this.onChange();
        this.updateStatus();
        return ok;
      }
      case "ack": {
        const ok = this.confirm(String(m.batch), Number(m.seq));
        this.updateStatus();
        return ok;
      }
      case "error":
        if (typeof m.batch === "string" && m.batch !== "") this.reject(m.batch);
        this.onError(m);
        return true;
      case "join":
        if (m.user && typeof m.user.id === "string") {
          this.users.set(m.user.id, { id: m.user.id, name: String(m.user.name || ""), color: String(m.user.color || ""), editing: String(m.user.editing || "") });
          this.onPresence();
        }
        return true;
      case "leave":
        this.users.delete(String(m.id));
        this.onPresence();
        return true;
      case "editing": {
        const u = this.users.get(String(m.id));
        if (u) {
          u.editing = String(m.object || "");
          this.onPresence();
        }
        return true;
      }
      case "broadcast":
      case "timer":
      case "goto":
      case "votes":
        this.onWorkshop(m);
        return true;
      case "lock":
        this.locked = m.locked === true;
        this.onLock(this.locked);
        return true;
      case "cursors":
        if (Array.isArray(m.c)) {
          this.onCursors(m.c.filter((/** @type {any} */ c) => Array.isArray(c) && c[0] !== this.session));
        }
        return true;
      default:
        return true; // pong, and anything newer than this page
    }
  }

  /** @param {any} m */
  welcome(m) {
    if (m.state) {
      let s;
      try {
        s = State.fromJSON(m.state);
      } catch {
        return false;
      }
      this.confirmed = s;
      this.seq = Number(m.seq) || 0;
    } else {
      for (const e of Array.isArray(m.ops) ? m.ops : []) {
        if (!this.applyEntry(e)) return false;
      }
      if (this.seq !== Number(m.seq)) return false;
    }
    this.viewState = null;
    this.epoch = String(m.epoch || "");
    this.session = String(m.session || "");
    this.board = m.board || null;
    this.locked = m.locked === true;
    this.users = new Map();
    for (const u of Array.isArray(m.users) ? m.users : []) {
      if (u && typeof u.id === "string") this.users.set(u.id, { id: u.id, name: String(u.name || ""), color: String(u.color || ""), editing: String(u.editing || "") });
    }
    this.ready = true;
    this.everJoined = true;
    this.attempts = 0;
    // Re-send what the server has not confirmed, in order and under the
    // original ids: the server applies each batch once.
    for (const b of this.pending) this.sendBatch(b);
    if (this.editingObject) this.sendJSON({ t: "editing", object: this.editingObject });
    this.onWelcome(m);
    this.onLock(this.locked);
    this.onPresence();
    this.onChange();
    this.updateStatus();
    return true;
  }

  /**
   * Applies an entry of the log in sequence order; one of our own batches
   * coming back this way (in a welcome after a reconnect) confirms it.
   * @param {any} e
   */
  applyEntry(e) {
    const seq = Number(e.seq);
    if (seq !== this.seq + 1) return false;
    if (e.client === this.clientID && this.pending.some((b) => b.id === e.batch)) {
      return this.confirm(e.batch, seq);
    }
    this.confirmed.apply(Array.isArray(e.ops) ? e.ops : []);
    this.seq = seq;
    if (this.pending.length > 0) this.viewState = null; // rebase
    else this.viewState = this.confirmed;
    return true;
  }

  /**
   * Settles a pending batch the server put at seq. A (dup) ack for a seq we
   * already hold applies nothing: the batch is already in our state.
   * @param {string} batch
   * @param {number} seq
   */
  confirm(batch, seq) {
    const i = this.pending.findIndex((b) => b.id === batch);
    if (i < 0) return !(seq > this.seq); // already confirmed by an entry
    const b = this.pending[i];
    if (seq > this.seq) {
      if (seq !== this.seq + 1) return false;
      this.confirmed.apply(b.ops);
      this.seq = seq;
    } else {
      // Already part of the confirmed state (a snapshot held it).
      this.viewState = null;
    }
    this.pending.splice(i, 1);
    // Confirming the oldest batch leaves confirmed + pending unchanged; any
    // other order means the view must be rebuilt.
    if (i !== 0) this.viewState = null;
    if (this.pending.length === 0) this.viewState = this.confirmed;
    return true;
  }

  /**
   * The server refused a batch: it changed nothing, so drop it from the view.
   * @param {string} batch
   */
  reject(batch) {
    const i = this.pending.findIndex((b) => b.id === batch);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.viewState = null;
    this.updateStatus();
    this.onChange();
  }
}

/** @param {number} v */
function clampCoord(v) {
  return Math.max(-1e6, Math.min(1e6, v));
}
