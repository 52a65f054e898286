// @ts-check
// Several Sync clients against a small fake server that follows
// docs/protocol.md (sequencing, acks, dup acks, resume with missed entries or
// a snapshot, several messages per frame), with random interleavings and
// dropped connections. Every client must end with the server's state.
import test from "node:test";
import assert from "node:assert/strict";
import { State } from "../model.js";
import { Sync } from "../sync.js";

/** A deterministic random generator (mulberry32). @param {number} seed */
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Server {
  /** @param {() => number} rand @param {number} retain */
  constructor(rand, retain) {
    this.rand = rand;
    this.retain = retain;
    this.state = new State();
    this.seq = 0;
    /** @type {any[]} */
    this.log = [];
    /** @type {Map<string, number>} */
    this.applied = new Map();
    /** @type {Set<Conn>} */
    this.conns = new Set();
  }
  /** @param {Conn} c @param {any} m */
  receive(c, m) {
    if (m.t === "hello") {
      c.client = m.client;
      c.joined = true;
      const first = this.log.length ? this.log[0].seq : this.seq + 1;
      if (m.epoch === "E" && typeof m.seq === "number" && m.seq >= first - 1 && m.seq <= this.seq) {
        c.out.push({ t: "welcome", session: c.id, board: {}, epoch: "E", seq: this.seq, ops: this.log.filter((e) => e.seq > m.seq), users: [] });
      } else {
        c.out.push({ t: "welcome", session: c.id, board: {}, epoch: "E", seq: this.seq, state: this.state.toJSON(), ops: [], users: [] });
      }
      return;
    }
    if (m.t !== "ops" || !c.joined) return;
    const key = `${c.client}/${m.batch}`;
    const done = this.applied.get(key);
    if (done !== undefined) {
      c.out.push({ t: "ack", batch: m.batch, seq: done, dup: true });
      return;
    }
    this.seq++;
    this.state.apply(m.ops);
    const e = { seq: this.seq, client: c.client, batch: m.batch, author: "x", ops: m.ops };
    this.log.push(e);
    if (this.log.length > this.retain) this.log.shift();
    this.applied.set(key, this.seq);
    for (const o of this.conns) {
      if (!o.joined) continue;
      if (o === c) o.out.push({ t: "ack", batch: m.batch, seq: this.seq });
      else o.out.push({ t: "op", ...e });
    }
  }
}

let connIDs = 0;
class Conn {
  /** @param {Server} server */
  constructor(server) {
    this.server = server;
    this.id = `s${++connIDs}`;
    this.client = "";
    this.joined = false;
    /** @type {any[]} */
    this.out = [];
    this.readyState = 0;
    this.onopen = /** @type {any} */ (null);
    this.onmessage = /** @type {any} */ (null);
    this.onclose = /** @type {any} */ (null);
    this.onerror = /** @type {any} */ (null);
    server.conns.add(this);
  }
  /** @param {string} d */
  send(d) {
    if (this.readyState === 1) this.server.receive(this, JSON.parse(d));
  }
  close() { this.kill(1000); }
  /** @param {number} code */
  kill(code) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.server.conns.delete(this);
    this.onclose?.({ code });
  }
  /** Delivers up to n queued messages as one frame. @param {number} n */
  deliver(n) {
    if (this.readyState !== 1 || this.out.length === 0) return;
    const msgs = this.out.splice(0, n);
    this.onmessage?.({ data: msgs.map((m) => JSON.stringify(m)).join("\n") });
  }
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`clients converge with the server (seed ${seed})`, () => {
    const rand = rng(seed);
    const server = new Server(rand, seed % 2 ? 5 : 1000);
    /** @type {{fn: () => void, at: number, id: number}[]} */
    let timers = [];
    let now = 0, nextT = 1;
    /** @type {Conn[]} */
    const conns = [];
    const clients = [0, 1, 2].map((i) => {
      const s = new Sync({
        clientID: `client${i}`, name: `P${i}`,
        openSocket: () => { const c = new Conn(server); conns.push(c); return /** @type {any} */ (c); },
        setTimeout: (fn, ms) => { const id = nextT++; timers.push({ fn, at: now + ms, id }); return id; },
        clearTimeout: (id) => { timers = timers.filter((t) => t.id !== id); },
        now: () => now, random: rand,
      });
      s.start();
      return s;
    });
    const live = () => conns.filter((c) => c.readyState !== 3);
    const step = () => {
      const r = rand();
      if (r < 0.1) {
        // Open pending sockets.
        for (const c of live()) if (c.readyState === 0) { c.readyState = 1; c.onopen?.({}); }
      } else if (r < 0.45) {
        const c = live()[Math.floor(rand() * live().length)];
        c?.deliver(1 + Math.floor(rand() * 4));
      } else if (r < 0.8) {
        const s = clients[Math.floor(rand() * clients.length)];
        const id = `n${Math.floor(rand() * 8)}`;
        const k = rand();
        const op = k < 0.3 ? { op: "create", id, kind: "note", fields: { text: `t${Math.floor(rand() * 100)}`, x: Math.floor(rand() * 100) } }
          : k < 0.85 ? { op: "update", id, fields: rand() < 0.5 ? { text: `u${Math.floor(rand() * 100)}` } : { x: Math.floor(rand() * 100), color: rand() < 0.5 ? null : "#aabbcc" } }
          : { op: "delete", id };
        s.submit([/** @type {any} */ (op)]);
      } else if (r < 0.85) {
        const c = live()[Math.floor(rand() * live().length)];
        c?.kill(1006);
      } else {
        now += 300 + Math.floor(rand() * 3000);
        timers.sort((a, b) => a.at - b.at);
        while (timers.length && timers[0].at <= now) /** @type {any} */ (timers.shift()).fn();
      }
    };
    for (let i = 0; i < 1500; i++) step();
    // Settle: no more drops or edits; open, deliver and run timers until quiet.
    for (let round = 0; round < 200; round++) {
      now += 6000;
      timers.sort((a, b) => a.at - b.at);
      while (timers.length && timers[0].at <= now) /** @type {any} */ (timers.shift()).fn();
      for (const c of live()) if (c.readyState === 0) { c.readyState = 1; c.onopen?.({}); }
      for (const c of live()) while (c.out.length) c.deliver(3);
    }
    for (const s of clients) {
      assert.equal(s.pending.length, 0, "every batch confirmed");
      assert.equal(s.seq, server.seq);
      assert.equal(s.confirmed.canonicalJSON(), server.state.canonicalJSON());
      assert.equal(s.view().canonicalJSON(), server.state.canonicalJSON());
    }
  });
}
