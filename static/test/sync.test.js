// @ts-check
// The client side of the protocol, driven with a fake socket and fake timers.
import test from "node:test";
import assert from "node:assert/strict";
import { Sync, splitFrame, backoff, chunkOps, MaxBackoff, Saved, Saving, Offline, Connecting, Gone, PingInterval, PongTimeout } from "../sync.js";

class FakeSocket {
  constructor() {
    this.readyState = 0;
    /** @type {any[]} */
    this.sent = [];
    this.onopen = /** @type {any} */ (null);
    this.onmessage = /** @type {any} */ (null);
    this.onclose = /** @type {any} */ (null);
    this.onerror = /** @type {any} */ (null);
  }
  /** @param {string} d */
  send(d) { this.sent.push(JSON.parse(d)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.({}); }
  /** @param {...any} ms */
  recv(...ms) { this.onmessage?.({ data: ms.map((m) => JSON.stringify(m)).join("\n") }); }
  /** @param {number} code */
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
}

function setup() {
  /** @type {FakeSocket[]} */
  const sockets = [];
  /** @type {{fn: () => void, at: number, id: number}[]} */
  let timers = [];
  let now = 0, nextT = 1;
  const sync = new Sync({
    clientID: "clientA", name: "Amira",
    openSocket: () => { const s = new FakeSocket(); sockets.push(s); return s; },
    setTimeout: (fn, ms) => { const id = nextT++; timers.push({ fn, at: now + ms, id }); return id; },
    clearTimeout: (id) => { timers = timers.filter((t) => t.id !== id); },
    now: () => now,
    random: () => 0.5,
  });
  /** @param {number} ms */
  const advance = (ms) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return { sync, sockets, advance, last: () => sockets[sockets.length - 1] };
}

const board = { id: "B1", title: "T", template: "blank", epoch: "E1", created: 1 };
const note = (id, text) => ({ op: "create", id, kind: "note", fields: { x: 1, y: 2, text } });
const welcome = (extra) => ({ t: "welcome", session: "s1", board, epoch: "E1", seq: 0, ops: [], users: [{ id: "s1", name: "Amira", color: "" }], ...extra });

test("splitFrame splits on newlines and skips junk", () => {
  const { messages, bad } = splitFrame('{"t":"a"}\n{"t":"b"}\nnot json\n[1]');
  assert.deepEqual(messages, [{ t: "a" }, { t: "b" }]);
  assert.equal(bad, 2);
});

test("backoff grows and is capped", () => {
  assert.ok(backoff(0, 0) < backoff(3, 0));
  assert.equal(backoff(40, 0.99), MaxBackoff);
});

test("hello, welcome with state, optimistic submit, ack", () => {
  const { sync, last } = setup();
  const statuses = [];
  sync.onStatus = (s) => statuses.push(s);
  sync.start();
  assert.equal(sync.status(), Connecting);
  last().open();
  assert.deepEqual(last().sent[0], { t: "hello", client: "clientA", name: "Amira" });
  last().recv(welcome({ seq: 3, state: { objects: [{ id: "n0", kind: "note", fields: { text: "hi" } }], deleted: [] } }));
  assert.equal(sync.status(), Saved);
  assert.equal(sync.seq, 3);
  assert.equal(sync.view().get("n0")?.fields.text, "hi");
  const id = sync.submit([note("n1", "mine")]);
  assert.equal(sync.status(), Saving);
  assert.equal(sync.view().get("n1")?.fields.text, "mine");
  assert.equal(sync.confirmed.get("n1"), undefined);
  assert.equal(last().sent[1].batch, id);
  last().recv({ t: "ack", batch: id, seq: 4 });
  assert.equal(sync.status(), Saved);
  assert.equal(sync.confirmed.get("n1")?.fields.text, "mine");
  assert.equal(sync.pending.length, 0);
  assert.deepEqual(statuses, [Saved, Saving, Saved]);
});

test("a remote op goes under pending batches (rebase)", () => {
  const { sync, last } = setup();
  sync.start();
  last().open();
  last().recv(welcome({ seq: 0, state: { objects: [{ id: "n0", kind: "note", fields: { text: "a" } }], deleted: [] } }));
  const b = sync.submit([{ op: "update", id: "n0", fields: { text: "mine" } }]);
  // Someone else's update was ordered first: ours still wins in the view.
  last().recv({ t: "op", seq: 1, client: "other", batch: "x", author: "Ben", ops: [{ op: "update", id: "n0", fields: { text: "theirs", color: "#ff0000" } }] });
  assert.equal(sync.view().get("n0")?.fields.text, "mine");
  assert.equal(sync.view().get("n0")?.fields.color, "#ff0000");
  assert.equal(sync.confirmed.get("n0")?.fields.text, "theirs");
  last().recv({ t: "ack", batch: b, seq: 2 });
  assert.equal(sync.confirmed.get("n0")?.fields.text, "mine");
  assert.ok(sync.view() === sync.confirmed);
});

test("several messages in one frame", () => {
  const { sync, last } = setup();
  sync.start();
  last().open();
  last().recv(welcome({}), { t: "op", seq: 1, client: "o", batch: "x", ops: [note("a", "1")] }, { t: "op", seq: 2, client: "o", batch: "y", ops: [note("b", "2")] });
  assert.equal(sync.seq, 2);
  assert.equal(sync.view().size, 2);
});

test("reconnect resumes with epoch and seq and re-sends pending batches with their ids", () => {
  const { sync, sockets, last, advance } = setup();
  sync.start();
  last().open();
  last().recv(welcome({ seq: 5, state: { objects: [], deleted: [] } }));
  const b1 = sync.submit([note("n1", "one")]);
  last().drop();
  assert.equal(sync.status(), Offline);
  const b2 = sync.submit([note("n2", "two")]); // made while offline
  assert.equal(sync.view().size, 2);
  advance(MaxBackoff);
  assert.equal(sockets.length, 2);
  last().open();
  assert.deepEqual(last().sent[0], { t: "hello", client: "clientA", name: "Amira", epoch: "E1", seq: 5 });
  // The server had applied b1 (its ack was lost): it comes back as an entry.
  last().recv(welcome({ seq: 6, ops: [{ seq: 6, client: "clientA", batch: b1, author: "Amira", ops: [note("n1", "one")] }] }));
  assert.deepEqual(last().sent.slice(1).map((m) => m.batch), [b2]);
  assert.equal(sync.pending.length, 1);
  last().recv({ t: "ack", batch: b2, seq: 7 });
  assert.equal(sync.status(), Saved);
  assert.equal(sync.confirmed.size, 2);
});

test("a dup ack for a batch a snapshot already holds applies nothing", () => {
  const { sync, last, advance } = setup();
  sync.start();
  last().open();
  last().recv(welcome({ seq: 0, state: { objects: [], deleted: [] } }));
  const b1 = sync.submit([note("n1", "one")]);
  last().drop();
  advance(MaxBackoff);
  last().open();
  // Too far behind: a snapshot that already includes b1 (seq 9) and more.
  last().recv(welcome({ seq: 10, state: { objects: [{ id: "n1", kind: "note", fields: { text: "changed later" } }], deleted: [] } }));
  assert.deepEqual(last().sent.slice(1).map((m) => m.batch), [b1]);
  last().recv({ t: "ack", batch: b1, seq: 9, dup: true });
  assert.equal(sync.seq, 10);
  assert.equal(sync.pending.length, 0);
  assert.equal(sync.view().get("n1")?.fields.text, "changed later");
});

test("a gap in the order drops the connection and asks for a snapshot", () => {
  const { sync, sockets, last, advance } = setup();
  sync.start();
  last().open();
  last().recv(welcome({ seq: 1, state: { objects: [], deleted: [] } }));
  last().recv({ t: "op", seq: 3, client: "o", batch: "x", ops: [] });
  assert.equal(sync.status(), Offline);
  advance(MaxBackoff);
  last().open();
  assert.equal(sockets.length, 2);
  assert.deepEqual(last().sent[0], { t: "hello", client: "clientA", name: "Amira" });
});

test("an error for a batch removes it from the view", () => {
  const { sync, last } = setup();
  sync.start();
  last().open();
  last().recv(welcome({}));
  const errors = [];
  sync.onError = (m) => errors.push(m.code);
  const b = sync.submit([note("n1", "one")]);
  last().recv({ t: "error", code: "read_only", message: "no", batch: b });
  assert.equal(sync.view().size, 0);
  assert.equal(sync.status(), Saved);
  assert.deepEqual(errors, ["read_only"]);
});

test("presence, editing and cursors", () => {
  const { sync, last } = setup();
  sync.start();
  last().open();
  last().recv(welcome({}));
  last().recv({ t: "join", user: { id: "s2", name: "Ben", color: "#112233" } }, { t: "editing", id: "s2", object: "p1-name" });
  assert.equal(sync.users.get("s2")?.editing, "p1-name");
  let got = [];
  sync.onCursors = (c) => { got = c; };
  last().recv({ t: "cursors", c: [["s1", 1, 2], ["s2", 3, 4]] });
  assert.deepEqual(got, [["s2", 3, 4]]);
  last().recv({ t: "leave", id: "s2" });
  assert.equal(sync.users.has("s2"), false);
  sync.editing("p1-age");
  assert.deepEqual(last().sent.at(-1), { t: "editing", object: "p1-age" });
});

test("cursor messages are throttled to 20 a second and the latest wins", () => {
  const { sync, last, advance } = setup();
  sync.start();
  last().open();
  last().recv(welcome({}));
  advance(1000);
  sync.cursor(1, 1);
  sync.cursor(2, 2);
  sync.cursor(3, 3);
  let cursors = last().sent.filter((m) => m.t === "cursor");
  assert.equal(cursors.length, 1);
  advance(50);
  cursors = last().sent.filter((m) => m.t === "cursor");
  assert.deepEqual(cursors, [{ t: "cursor", x: 1, y: 1 }, { t: "cursor", x: 3, y: 3 }]);
});

test("close 4004 stops", () => {
  const { sync, sockets, last, advance } = setup();
  sync.start();
  last().open();
  last().drop(4004);
  advance(60000);
  assert.equal(sockets.length, 1);
  assert.equal(sync.status(), Gone);
});

test("batch ids differ across page loads with the same client id", () => {
  const a = setup().sync, b = new Sync({ clientID: "clientA", name: "x", openSocket: () => { throw new Error(); }, random: Math.random });
  a.loadTag = "aaaaaa";
  assert.notEqual(a.submit([note("n1", "x")]), b.submit([note("n1", "x")]));
});

test("lock messages and close 4403", () => {
  const { sync, sockets, last, advance } = setup();
  /** @type {boolean[]} */
  const locks = [];
  sync.onLock = (l) => locks.push(l);
  sync.start();
  last().open();
  last().recv(welcome({ locked: true }), { t: "lock", locked: false }, { t: "somethingnew" });
  assert.deepEqual(locks, [true, false]);
  assert.equal(sync.status(), Saved);
  last().drop(4403);
  advance(60000);
  assert.equal(sockets.length, 1);
  assert.equal(sync.stopReason, "link_withdrawn");
});

test("chunkOps keeps batches under the op and byte limits, in order", () => {
  const ops = Array.from({ length: 1200 }, (_, i) => note(`n${i}`, "x".repeat(i % 3 === 0 ? 3000 : 10)));
  const parts = chunkOps(ops, 500, 100000);
  assert.deepEqual(parts.flat(), ops);
  for (const p of parts) {
    assert.ok(p.length <= 500);
    assert.ok(JSON.stringify(p).length * 3 <= 100000 + p.length * 3);
  }
  assert.deepEqual(chunkOps([]), []);
});

test("workshop messages are passed on", () => {
  const { sync, last } = setup();
  /** @type {string[]} */
  const got = [];
  sync.onWorkshop = (m) => got.push(m.t);
  sync.start();
  last().open();
  last().recv(welcome({}), { t: "broadcast", message: "Ten minutes left", at: 1 }, { t: "timer", endsAt: 5, now: 1 }, { t: "goto", board: "b2", reason: "gather" });
  assert.deepEqual(got, ["broadcast", "timer", "goto"]);
});

test("a quiet page pings after PingInterval; a busy one only when it hears nothing", () => {
  const { sync, last, advance } = setup();
  sync.start();
  last().open();
  last().recv(welcome());
  const pings = () => last().sent.filter((m) => m.t === "ping").length;
  advance(PingInterval - 1);
  assert.equal(pings(), 0, "no ping before PingInterval of silence");
  advance(1);
  assert.equal(pings(), 1, "silent both ways: one ping");
  last().recv({ t: "pong" });

  // Receiving all the time but sending nothing: the server must still
  // hear from the page, so it pings PingInterval after its last send.
  for (let i = 1; i <= 40; i++) {
    advance(500);
    last().recv({ t: "cursors", c: [["s2", i, i]] });
  }
  assert.equal(pings(), 2, "a page that only listens pings once per PingInterval");

  // Sending all the time but hearing nothing: the page checks the server.
  const before = pings(), socket = last();
  for (let i = 0; i < (PingInterval + 1000) / 100; i++) {
    sync.cursor(i, i);
    advance(100);
  }
  assert.equal(pings(), before + 1, "unheard for PingInterval: one ping");
  advance(PongTimeout - 1000);
  assert.equal(pings(), before + 1, "then it waits for the pong, not pinging again");
  assert.equal(socket.readyState, 3, "no pong within PongTimeout: the page drops the socket to reconnect");
});
