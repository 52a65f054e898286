// @ts-check
/**
 * @file The board model for the browser: the same objects, ops, validation,
 * conflict rules, fractional index keys and canonical JSON as the Go package
 * partnerboard/board (see board/doc.go for the model itself).
 *
 * A client uses it to check a batch before sending it, to apply ops exactly
 * as every other replica does, and to place objects with keys the server
 * would also compute. It mirrors board rule for rule and error code for
 * error code; where JavaScript differs from Go (strings are UTF-16, and
 * JSON.parse forgives what Go's strict decoder rejects) the comments say how
 * the difference is kept from showing. The conformance vectors in
 * testdata/vectors and the Go-generated keys in testdata/keys.json pin this
 * down; static/test/ runs them.
 *
 * The module is pure: no DOM, no I/O, no clock, no randomness, no
 * dependencies, no build step.
 */

// ---------------------------------------------------------------------------
// Limits (board/limits.go). Same names and values as Go, so a client can
// enforce them before sending and get the same answer as the server.

/** Most ops in one batch. */
export const MaxOpsPerBatch = 500;
/** Longest long-form string (text, reason, prompt), in bytes of UTF-8. */
export const MaxTextBytes = 8192;
/** Longest short string (label, title, name, template), in bytes of UTF-8. */
export const MaxLabelBytes = 256;
/** Most (x, y) pairs in one stroke; points holds at most 2*MaxPoints numbers. */
export const MaxPoints = 4000;
/** Most entries of an id list (links, partners). */
export const MaxListLen = 64;
/** Most live objects on a board; Apply drops creates beyond it. */
export const MaxObjects = 20000;
/** Bound on the absolute value of every coordinate (x, y, x2, y2, points). */
export const MaxCoord = 1e6;
/** Bound on width and height (w, h). */
export const MaxSize = 1e5;
/** Longest fractional index key (z, order), in bytes. */
export const MaxKeyBytes = 128;
/** Longest object id, in bytes. */
export const MaxIDBytes = 64;

// ---------------------------------------------------------------------------
// Error codes (board/errors.go). They are part of the wire protocol.

/** Not well-formed JSON, or not the expected shape at the top level. */
export const CodeBadJSON = "bad_json";
/** Invalid UTF-8, or an unpaired UTF-16 surrogate (escaped or not). */
export const CodeBadUTF8 = "bad_utf8";
/** An op is not an object, or has an unknown, repeated, missing, forbidden or mistyped member. */
export const CodeBadOp = "bad_op";
/** The op member names no known op type. */
export const CodeUnknownOp = "unknown_op";
/** A create names no known kind. */
export const CodeUnknownKind = "unknown_kind";
/** A field name is unknown (update) or not allowed for the kind (create). */
export const CodeUnknownField = "unknown_field";
/** A field value has the wrong type or form. */
export const CodeBadValue = "bad_value";
/** A string, list or points array is longer than its limit. */
export const CodeTooLong = "too_long";
/** A number is outside its range or not finite. */
export const CodeOutOfRange = "out_of_range";
/** A batch holds more than MaxOpsPerBatch ops. */
export const CodeTooManyOps = "too_many_ops";
/** A batch holds no ops. */
export const CodeEmptyBatch = "empty_batch";
/** An id is empty where it must not be, too long, or uses other characters than [A-Za-z0-9_-]. */
export const CodeBadID = "bad_id";

/**
 * ModelError is the only error this module throws, like *board.Error in Go,
 * so a caller can map any failure to the protocol code the server would
 * have replied with.
 */
export class ModelError extends Error {
  /**
   * @param {string} code one of the Code* constants
   * @param {string} message plain English for a developer; worded as in Go
   * @param {string} [field] offending field name, "" if none
   * @param {number} [op] index of the offending op in the batch, -1 if not about one op
   */
  constructor(code, message, field = "", op = -1) {
    super(message);
    this.name = "ModelError";
    /** @type {string} */
    this.code = code;
    /** @type {number} */
    this.op = op;
    /** @type {string} */
    this.field = field;
  }
}

/**
 * Ties err to op i, prefixing the message so that it reads on its own
 * (Go's Error.at).
 * @param {ModelError} err
 * @param {number} i
 */
function atOp(err, i) {
  err.op = i;
  err.message = `op ${i}: ${err.message}`;
  return err;
}

/**
 * Prefixes the message with a context that is not an op index (Go's Error.in).
 * @param {ModelError} err
 * @param {string} prefix
 */
function within(err, prefix) {
  err.message = `${prefix}: ${err.message}`;
  return err;
}

// ---------------------------------------------------------------------------
// Kinds, ops and the field table (board/schema.go).

export const KindNote = "note";
export const KindText = "text";
export const KindCell = "cell";
export const KindItem = "item";
export const KindShape = "shape";
export const KindConnector = "connector";
export const KindStroke = "stroke";
export const KindFrame = "frame";
export const KindCard = "card";
export const KindPartner = "partner";
export const KindReferral = "referral";

export const OpCreate = "create";
export const OpUpdate = "update";
export const OpDelete = "delete";

/**
 * A field value as kept in ops and states: a number, string, boolean, id
 * list or points list. null in an update removes the field. Lists are
 * readonly because those a State holds are frozen (clones share them).
 * @typedef {string | number | boolean | readonly string[] | readonly number[]} FieldValue
 */

/**
 * An op in its wire form, as decodeOps returns it and JSON.stringify sends
 * it: kind on creates only, fields on creates (optional) and updates.
 * @typedef {object} Op
 * @property {string} op "create", "update" or "delete"
 * @property {string} id
 * @property {string} [kind]
 * @property {Record<string, FieldValue | null>} [fields]
 */

/**
 * A live object of a State. It belongs to the State: read it, never change
 * it (the next apply may change it in place).
 * @typedef {object} BoardObject
 * @property {string} id
 * @property {string} kind
 * @property {Record<string, FieldValue>} fields
 */

/**
 * The canonical object form of a State, as State.toJSON returns it.
 * @typedef {object} StateJSON
 * @property {BoardObject[]} objects sorted by id
 * @property {string[]} deleted sorted tombstoned ids
 */

// Field types. A field name has the same type on every kind, which is what
// lets an update be validated without knowing what it targets.
const NUMBER = 0; // finite number within [min, max]
const STRING = 1; // well-formed string of at most maxBytes UTF-8 bytes, no NUL
const ENUM = 2; // one of values
const BOOL = 3;
const ID = 4; // "" (none) or a valid id
const IDS = 5; // list of valid ids, no duplicates
const KEY = 6; // non-empty fractional index key
const COLOR = 7; // "" or #rrggbb
const POINTS = 8; // even-length list of numbers within ±MaxCoord
const DATE = 9; // "" (none) or a calendar date YYYY-MM-DD

/**
 * @typedef {object} FieldSpec
 * @property {number} type
 * @property {number} min
 * @property {number} max
 * @property {number} maxBytes
 * @property {readonly string[]} values
 */

/** @param {number} type @returns {FieldSpec} */
const plain = (type) => ({ type, min: 0, max: 0, maxBytes: 0, values: [] });
/** @param {number} min @param {number} max @returns {FieldSpec} */
const num = (min, max) => ({ ...plain(NUMBER), min, max });
/** @param {number} maxBytes @returns {FieldSpec} */
const str = (maxBytes) => ({ ...plain(STRING), maxBytes });
/** @param {string[]} values @returns {FieldSpec} */
const oneOf = (...values) => ({ ...plain(ENUM), values });

/**
 * Every field name and its type: the single source of truth for
 * validation, apply and FieldsOf. A Map rather than an object so that names
 * such as "constructor" or "__proto__" are simply unknown.
 * @type {ReadonlyMap<string, FieldSpec>}
 */
const FIELDS = new Map([
  ["x", num(-MaxCoord, MaxCoord)],
  ["y", num(-MaxCoord, MaxCoord)],
  ["w", num(0, MaxSize)],
  ["h", num(0, MaxSize)],
  ["x2", num(-MaxCoord, MaxCoord)],
  ["y2", num(-MaxCoord, MaxCoord)],
  ["z", plain(KEY)],
  ["order", plain(KEY)],
  ["color", plain(COLOR)],
  ["parent", plain(ID)],
  ["text", str(MaxTextBytes)],
  ["label", str(MaxLabelBytes)],
  ["title", str(MaxLabelBytes)],
  ["name", str(MaxLabelBytes)],
  ["reason", str(MaxTextBytes)],
  ["prompt", str(MaxTextBytes)],
  ["template", str(MaxLabelBytes)],
  ["fontSize", num(4, 400)],
  ["width", num(0.5, 100)],
  ["role", oneOf("text", "list", "picture")],
  ["shape", oneOf("rect", "ellipse", "diamond", "triangle")],
  ["arrow", oneOf("none", "end", "both")],
  ["theme", oneOf("drivers", "practicalities", "culture", "recording", "impact")],
  ["tier", oneOf("lead", "core", "wider")],
  ["from", plain(ID)],
  ["to", plain(ID)],
  ["links", plain(IDS)],
  ["partners", plain(IDS)],
  ["jointly", plain(BOOL)],
  ["owner", str(MaxLabelBytes)],
  ["due", plain(DATE)],
  ["points", plain(POINTS)],
]);

/** Fields every kind allows. */
const COMMON_FIELDS = ["x", "y", "w", "h", "z", "color", "parent"];

/** Per kind, the fields it allows besides COMMON_FIELDS. */
const KIND_FIELDS = {
  [KindNote]: ["text"],
  [KindText]: ["text", "fontSize"],
  [KindCell]: ["label", "text", "role", "order"],
  [KindItem]: ["text", "order", "links", "partners", "jointly", "owner", "due"],
  [KindShape]: ["shape", "text"],
  [KindConnector]: ["from", "to", "x2", "y2", "label", "arrow"],
  [KindStroke]: ["points", "width"],
  [KindFrame]: ["title", "template"],
  [KindCard]: ["theme", "prompt", "label"],
  [KindPartner]: ["name", "tier", "order"],
  [KindReferral]: ["from", "to", "reason", "order"],
};

/** Kind -> set of allowed field names. @type {ReadonlyMap<string, ReadonlySet<string>>} */
const ALLOWED = new Map(
  Object.entries(KIND_FIELDS).map(([kind, extra]) => [kind, new Set([...COMMON_FIELDS, ...extra])]),
);

/** Kind -> its allowed field names, sorted; also the canonical field order. @type {ReadonlyMap<string, readonly string[]>} */
const SORTED_FIELDS = new Map([...ALLOWED].map(([kind, set]) => [kind, [...set].sort()]));

/**
 * Kinds returns every kind, sorted, like Go's board.Kinds.
 * @returns {string[]}
 */
export function Kinds() {
  return [...ALLOWED.keys()].sort();
}

/**
 * FieldsOf returns the field names allowed for kind, common fields
 * included, sorted. An unknown kind gives an empty list (Go returns nil,
 * which behaves the same for length and iteration).
 * @param {string} kind
 * @returns {string[]}
 */
export function FieldsOf(kind) {
  return [...(SORTED_FIELDS.get(kind) ?? [])];
}

/**
 * Reports whether c (a UTF-16 code unit) may appear in an id.
 * @param {number} c
 */
function isIDChar(c) {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

/**
 * validID reports whether id matches ^[A-Za-z0-9_-]{1,MaxIDBytes}$, so a
 * client can check the ids it generates. Counting UTF-16 units instead of
 * bytes is safe here: any non-ASCII character makes the id invalid anyway.
 * @param {unknown} id
 * @returns {id is string}
 */
export function validID(id) {
  if (typeof id !== "string" || id.length === 0 || id.length > MaxIDBytes) return false;
  for (let i = 0; i < id.length; i++) {
    if (!isIDChar(id.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * Describes why id is not a valid id, or returns null. The length is
 * measured in UTF-8 bytes so that the message (not only the code) is Go's.
 * @param {string} field
 * @param {string} id
 * @returns {ModelError | null}
 */
function checkID(field, id) {
  const what = field === "" ? "id" : `field ${quote(field)}`;
  if (id === "") return new ModelError(CodeBadID, `${what} is empty`, field);
  if (utf8Length(id) > MaxIDBytes) return new ModelError(CodeBadID, `${what} is longer than ${MaxIDBytes} bytes`, field);
  if (!validID(id)) return new ModelError(CodeBadID, `${what} ${quote(id)} may only hold A-Z, a-z, 0-9, _ and -`, field);
  return null;
}

/**
 * Returns the value of hexadecimal digit c (a code unit), or -1.
 * @param {number} c
 */
function hexValue(c) {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Length of a date field, YYYY-MM-DD (Go's board.DateLen). */
export const DateLen = 10;

/**
 * validDate reports whether d is "" (no date) or a real calendar date
 * written YYYY-MM-DD with a year from 0001 to 9999, exactly as Go's
 * board.ValidDate: ASCII digits only, leap days only in leap years, no time
 * and no time zone (a due date is a day, the same everywhere).
 * @param {unknown} d
 * @returns {d is string}
 */
export function validDate(d) {
  if (typeof d !== "string") return false;
  if (d === "") return true;
  if (d.length !== DateLen || d[4] !== "-" || d[7] !== "-") return false;
  /** @param {string} part */
  const num = (part) => {
    let n = 0;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      n = n * 10 + (c - 48);
    }
    return n;
  };
  const year = num(d.slice(0, 4));
  const month = num(d.slice(5, 7));
  const day = num(d.slice(8));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  let days = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month];
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) days = 29;
  return day <= days;
}

/**
 * Reports whether c is "" or #rrggbb (either case).
 * @param {string} c
 */
function validColor(c) {
  if (c === "") return true;
  if (c.length !== 7 || c.charCodeAt(0) !== 35) return false;
  for (let i = 1; i < 7; i++) {
    if (hexValue(c.charCodeAt(i)) < 0) return false;
  }
  return true;
}

/**
 * Returns the length of s in bytes of UTF-8, or -1 if s holds an unpaired
 * surrogate: such a string has no UTF-8 form, so it plays the part of Go's
 * invalid UTF-8. Limits are in bytes because bytes are what storage and the
 * wire pay for; counting here avoids encoding every value with TextEncoder
 * (the tests check that both agree).
 * @param {string} s
 */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1); // NaN past the end
      if (!(d >= 0xdc00 && d <= 0xdfff)) return -1;
      n += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
    else n += 3;
  }
  return n;
}

/**
 * Quotes s for a message, shortening it to at most 40 bytes of UTF-8 so
 * that an error about a huge value does not become a huge error (Go's quote).
 * @param {string} s
 */
function quote(s) {
  const max = 40;
  if (utf8Length(s) > max) {
    let bytes = 0;
    let cut = 0;
    for (const ch of s) {
      const len = utf8Length(ch);
      const n = len < 0 ? 3 : len; // a lone surrogate would become U+FFFD
      if (bytes + n > max) break;
      bytes += n;
      cut += ch.length;
    }
    s = s.slice(0, cut) + "...";
  }
  return `"${s.replaceAll('"', '\\"')}"`;
}

/** @param {string} name */
const fq = (name) => `field ${quote(name)}`;

/**
 * Formats n like Go's %g, so range messages read exactly as the server's
 * ("between -1e+06 and 1e+06").
 * @param {number} n
 */
function fmtG(n) {
  if (n === 0 || !Number.isFinite(n)) return String(n);
  const [mantissa, exp] = n.toExponential().split("e");
  const e = Number(exp);
  if (e < -4 || e >= 6) {
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(n);
}

/**
 * checkValue validates a non-null value v for field name with spec sp and
 * returns null when it is acceptable. It is shared by validateOps,
 * decodeOps, apply and State.fromJSON so the four can never disagree, as in
 * Go. Lists must be real arrays whose every element has the right type;
 * anything else (objects, undefined, bigints...) is CodeBadValue.
 * @param {string} name
 * @param {FieldSpec} sp
 * @param {unknown} v
 * @returns {ModelError | null}
 */
function checkValue(name, sp, v) {
  switch (sp.type) {
    case NUMBER:
      if (typeof v !== "number") return new ModelError(CodeBadValue, `${fq(name)} must be a number`, name);
      if (!Number.isFinite(v)) return new ModelError(CodeOutOfRange, `${fq(name)} must be a finite number`, name);
      if (v < sp.min || v > sp.max) {
        return new ModelError(CodeOutOfRange, `${fq(name)} must be between ${fmtG(sp.min)} and ${fmtG(sp.max)}`, name);
      }
      return null;
    case STRING: {
      if (typeof v !== "string") return new ModelError(CodeBadValue, `${fq(name)} must be a string`, name);
      const n = utf8Length(v);
      if (n < 0) return new ModelError(CodeBadUTF8, `${fq(name)} is not valid UTF-8`, name);
      if (v.includes("\0")) return new ModelError(CodeBadValue, `${fq(name)} must not contain NUL bytes`, name);
      if (n > sp.maxBytes) return new ModelError(CodeTooLong, `${fq(name)} is longer than ${sp.maxBytes} bytes`, name);
      return null;
    }
    case ENUM:
      if (typeof v !== "string" || !sp.values.includes(v)) {
        return new ModelError(CodeBadValue, `${fq(name)} must be one of ${sp.values.join(", ")}`, name);
      }
      return null;
    case BOOL:
      if (typeof v !== "boolean") return new ModelError(CodeBadValue, `${fq(name)} must be true or false`, name);
      return null;
    case ID:
      if (typeof v !== "string") return new ModelError(CodeBadValue, `${fq(name)} must be a string id`, name);
      return v === "" ? null : checkID(name, v); // "" means "none"
    case IDS: {
      if (!isArrayOf(v, "string")) return new ModelError(CodeBadValue, `${fq(name)} must be a list of ids`, name);
      if (v.length > MaxListLen) return new ModelError(CodeTooLong, `${fq(name)} has more than ${MaxListLen} entries`, name);
      for (let i = 0; i < v.length; i++) {
        const err = checkID(name, v[i]);
        if (err) {
          err.message = `entry ${i} of ${err.message}`;
          return err;
        }
        // Lists are short, so a scan is cheaper than building a set.
        if (v.indexOf(v[i]) < i) return new ModelError(CodeBadValue, `${fq(name)} lists ${quote(v[i])} twice`, name);
      }
      return null;
    }
    case KEY:
      if (typeof v !== "string") return new ModelError(CodeBadValue, `${fq(name)} must be a key string`, name);
      // Bytes, not UTF-16 units: "é" x 65 is too long in Go, not a bad key.
      if (utf8Length(v) > MaxKeyBytes) return new ModelError(CodeTooLong, `${fq(name)} is longer than ${MaxKeyBytes} bytes`, name);
      if (!validKey(v)) {
        return new ModelError(CodeBadValue, `${fq(name)} is not a valid key (digits 0-9A-Za-z, not ending in 0)`, name);
      }
      return null;
    case COLOR:
      if (typeof v !== "string" || !validColor(v)) return new ModelError(CodeBadValue, `${fq(name)} must be "" or #rrggbb`, name);
      return null;
    case DATE:
      if (!validDate(v)) return new ModelError(CodeBadValue, `${fq(name)} must be "" or a date written YYYY-MM-DD`, name);
      return null;
    case POINTS:
      if (!isArrayOf(v, "number")) return new ModelError(CodeBadValue, `${fq(name)} must be a list of numbers`, name);
      if (v.length > 2 * MaxPoints) return new ModelError(CodeTooLong, `${fq(name)} has more than ${MaxPoints} points`, name);
      if (v.length % 2 !== 0) {
        return new ModelError(CodeBadValue, `${fq(name)} must hold x, y pairs (an even count of numbers)`, name);
      }
      for (let i = 0; i < v.length; i++) {
        const p = v[i];
        if (Number.isNaN(p) || p < -MaxCoord || p > MaxCoord) {
          return new ModelError(CodeOutOfRange, `number ${i} of ${fq(name)} must be between ${fmtG(-MaxCoord)} and ${fmtG(MaxCoord)}`, name);
        }
      }
      return null;
  }
  return new ModelError(CodeUnknownField, `${fq(name)} has no type`, name);
}

/**
 * Reports whether v is an array whose every element (holes included, which
 * read as undefined) has JavaScript type t. Indexing rather than every()
 * is what makes holes count.
 * @template {"string" | "number"} T
 * @param {unknown} v
 * @param {T} t
 * @returns {v is (T extends "string" ? string[] : number[])}
 */
function isArrayOf(v, t) {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== t) return false;
  }
  return true;
}

/**
 * Returns a private copy of a value that passed checkValue, with -0 turned
 * into 0 so that equal states also have equal canonical JSON. Lists are
 * copied and frozen: a State and its clones share them, which is only safe
 * because nothing can change them.
 * @param {FieldValue} v
 * @returns {FieldValue}
 */
function normalize(v) {
  if (typeof v === "number") return v + 0; // -0 + 0 === +0
  if (Array.isArray(v)) {
    return Object.freeze(typeof v[0] === "number" ? /** @type {number[]} */ (v).map((p) => p + 0) : v.slice());
  }
  return v;
}

// ---------------------------------------------------------------------------
// Op validation shared by both entry points (board/op.go).

/**
 * Enforces the batch size limits.
 * @param {number} n
 */
function checkBatchLen(n) {
  if (n === 0) return new ModelError(CodeEmptyBatch, "batch holds no ops");
  if (n > MaxOpsPerBatch) return new ModelError(CodeTooManyOps, `batch holds ${n} ops, more than ${MaxOpsPerBatch}`);
  return null;
}

/**
 * Checks the op type and id, which every op has.
 * @param {string} type
 * @param {string} id
 */
function checkHead(type, id) {
  if (type !== OpCreate && type !== OpUpdate && type !== OpDelete) {
    return new ModelError(CodeUnknownOp, `op type ${quote(type)} is unknown (want create, update or delete)`);
  }
  return checkID("", id);
}

/**
 * Returns the spec of field name in an op of type t on kind k. A create may
 * only use the fields of its kind; an update may use any known name because
 * it is validated without knowing its target (apply ignores the rest).
 * @param {string} t
 * @param {string} k
 * @param {string} name
 * @returns {FieldSpec | ModelError}
 */
function fieldFor(t, k, name) {
  const sp = FIELDS.get(name);
  if (!sp) return new ModelError(CodeUnknownField, `field ${quote(name)} is unknown`, name);
  if (t === OpCreate && !ALLOWED.get(k)?.has(name)) {
    return new ModelError(CodeUnknownField, `field ${quote(name)} is not allowed on a ${k}`, name);
  }
  return sp;
}

/**
 * Checks one value; null is allowed in updates only, where it removes the field.
 * @param {string} t
 * @param {string} name
 * @param {FieldSpec} sp
 * @param {unknown} v
 */
function checkFieldValue(t, name, sp, v) {
  if (v === null) {
    if (t === OpUpdate) return null;
    return new ModelError(CodeBadValue, `field ${quote(name)} is null; only an update may remove a field`, name);
  }
  return checkValue(name, sp, v);
}

/**
 * Reports whether v is a non-null, non-array object, the only thing that
 * JSON.stringify turns into a JSON object with members.
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reports whether the JSON that JSON.stringify makes of v would hold an
 * unpaired surrogate escape anywhere (in nested strings and member names
 * too), which is what Go's decoder looks for in the raw text of a value.
 * Strings and number lists, the common cases, are answered without
 * encoding anything.
 * @param {unknown} v
 */
function holdsLoneSurrogate(v) {
  if (typeof v === "string") return utf8Length(v) < 0;
  if (typeof v !== "object" || v === null || isArrayOf(v, "number")) return false;
  let text;
  try {
    text = JSON.stringify(v);
  } catch {
    return false; // cycles and bigints cannot be sent at all; checkValue rejects them
  }
  return typeof text === "string" && loneSurrogate(text, 0, text.length);
}

/**
 * validateOps checks ops built in JavaScript (templates, the editor) by the
 * rules decodeOps applies to JSON, throwing the first problem as a
 * ModelError. ops may be anything; only a valid batch passes.
 *
 * The rules are those of decodeOps applied to JSON.stringify(ops), which is
 * what the server will see: a member or field whose value is undefined is
 * left out, as JSON.stringify leaves it out, so {kind: undefined} on an
 * update is fine but {kind: ""} is not, and neither is {fields: {}} on a
 * delete. Members and fields are checked in the object's own key order,
 * which is also the order JSON.stringify writes them in, so the problem
 * reported is the one the server would report. (Go's ValidateOps sorts
 * field names instead, because Go maps have no order.) Where JSON.stringify
 * would silently change a value this is stricter than the wire: NaN and
 * Infinity are CodeOutOfRange rather than becoming null (which in an
 * update would remove the field), and functions, Dates and other objects
 * are CodeBadValue rather than being dropped or converted.
 * @param {unknown} ops
 * @returns {void}
 */
export function validateOps(ops) {
  if (!Array.isArray(ops)) throw new ModelError(CodeBadJSON, "batch must be an array of ops");
  const err = checkBatchLen(ops.length);
  if (err) throw err;
  for (let i = 0; i < ops.length; i++) {
    const err = validateOp(ops[i]);
    if (err) throw atOp(err, i);
  }
}

/**
 * Checks one JavaScript op in the order decodeOp checks its JSON.
 * @param {unknown} op
 * @returns {ModelError | null}
 */
function validateOp(op) {
  if (!isObject(op)) return new ModelError(CodeBadOp, "op must be a JSON object");
  /** @type {unknown} */ let type;
  /** @type {unknown} */ let id;
  /** @type {unknown} */ let kind;
  /** @type {unknown} */ let fields;
  for (const name of Object.keys(op)) {
    const v = op[name];
    if (v === undefined) continue; // JSON.stringify leaves it out
    switch (name) {
      case "op": type = v; break;
      case "id": id = v; break;
      case "kind": kind = v; break;
      case "fields": fields = v; break;
      default: return new ModelError(CodeBadOp, `member ${quote(name)} is unknown (want op, id, kind, fields)`);
    }
  }
  if (type === undefined) return new ModelError(CodeBadOp, 'member "op" is missing');
  if (typeof type !== "string") return new ModelError(CodeBadOp, 'member "op" must be a string');
  if (id === undefined) return new ModelError(CodeBadOp, 'member "id" is missing');
  if (typeof id !== "string") return new ModelError(CodeBadOp, 'member "id" must be a string');
  const err = checkHead(type, id);
  if (err) return err;
  let k = "";
  if (type === OpCreate) {
    if (kind === undefined) return new ModelError(CodeBadOp, "create needs a kind");
    if (typeof kind !== "string") return new ModelError(CodeBadOp, 'member "kind" must be a string');
    if (kind === "") return new ModelError(CodeBadOp, "create needs a kind");
    if (!ALLOWED.has(kind)) return new ModelError(CodeUnknownKind, `kind ${quote(kind)} is unknown`);
    k = kind;
  } else if (kind !== undefined) {
    return new ModelError(CodeBadOp, "only a create may have a kind");
  }
  if (type === OpDelete) {
    return fields === undefined ? null : new ModelError(CodeBadOp, "delete must not have fields");
  }
  if (fields === undefined) return type === OpUpdate ? new ModelError(CodeBadOp, "update needs fields") : null;
  if (!isObject(fields)) return new ModelError(CodeBadOp, 'member "fields" must be a JSON object');
  let count = 0;
  for (const name of Object.keys(fields)) {
    const v = fields[name];
    if (v === undefined) continue;
    count++;
    const sp = fieldFor(type, k, name);
    if (sp instanceof ModelError) return sp;
    // Go checks the raw JSON of every value for lone surrogate escapes
    // before anything else, whatever the field's type.
    if (holdsLoneSurrogate(v)) {
      return new ModelError(CodeBadUTF8, `field ${quote(name)} holds an unpaired UTF-16 surrogate`, name);
    }
    const err = checkFieldValue(type, name, sp, v);
    if (err) return err;
  }
  if (type === OpUpdate && count === 0) return new ModelError(CodeBadOp, "update needs at least one field");
  return null;
}

// ---------------------------------------------------------------------------
// Strict JSON (board/json.go and encoding/json's json.Valid).
//
// JSON.parse cannot be used on untrusted batches: it keeps the last of
// repeated members, cannot tell which numbers were written how, and turns
// "\ud800" into a lone surrogate where Go turns it into U+FFFD. So, as in
// Go, the whole text is first checked against the JSON grammar, then split
// lazily into the spans of arrays and objects, and each value is decoded
// from its own text only when the rules reach it. Spans are [start, end)
// indexes into the one text. All structural characters are ASCII, so
// indexing UTF-16 units finds the same boundaries as Go indexing bytes.

/** encoding/json's nesting limit: json.Valid rejects deeper input. */
const MAX_DEPTH = 10000;

/**
 * Returns the index of the first non-whitespace unit at or after i.
 * @param {string} t
 * @param {number} i
 * @param {number} end
 */
function skipSpace(t, i, end) {
  while (i < end && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/**
 * Reports whether c is JSON whitespace (space, tab, line feed, carriage
 * return; nothing else, not even a BOM or U+00A0).
 * @param {number} c
 */
function isSpace(c) {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Scans the string starting at t[i] === '"' by the grammar, returning the
 * index just past it or -1. Raw control characters and unknown escapes are
 * errors; a \u needs four hex digits.
 * @param {string} t
 * @param {number} i
 */
function scanString(t, i) {
  for (let j = i + 1; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 34) return j + 1;
    if (c < 0x20) return -1;
    if (c === 92) {
      const e = t.charCodeAt(++j);
      if (e === 117) {
        for (let k = 0; k < 4; k++) {
          if (hexValue(t.charCodeAt(++j)) < 0) return -1;
        }
      } else if (!(e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) {
        return -1;
      }
    }
  }
  return -1;
}

/**
 * Scans the digits at t[i], returning the index after them (i if none).
 * @param {string} t
 * @param {number} i
 */
function scanDigits(t, i) {
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/**
 * Scans a number by the JSON grammar -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
 * starting at i, returning the index after it or -1.
 * @param {string} t
 * @param {number} i
 */
function scanNumber(t, i) {
  if (t.charCodeAt(i) === 45) i++;
  if (t.charCodeAt(i) === 48) i++;
  else {
    const j = scanDigits(t, i);
    if (j === i) return -1;
    i = j;
  }
  if (t.charCodeAt(i) === 46) {
    const j = scanDigits(t, i + 1);
    if (j === i + 1) return -1;
    i = j;
  }
  const c = t.charCodeAt(i);
  if (c === 101 || c === 69) {
    i++;
    const s = t.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    const j = scanDigits(t, i);
    if (j === i) return -1;
    i = j;
  }
  return i;
}

/**
 * Reports whether t is exactly one well-formed JSON value with optional
 * whitespace around it, as Go's json.Valid does, depth limit included. It
 * is iterative so that deep nesting cannot overflow the call stack.
 * @param {string} t
 */
function validJSON(t) {
  const n = t.length;
  /** @type {number[]} */
  const open = []; // '{' or '[' of every enclosing container
  let i = skipSpace(t, 0, n);
  for (;;) {
    // A value starts at i.
    const c = t.charCodeAt(i);
    let closed = true; // whether a complete value ends at i after this
    if (c === 123 || c === 91) {
      if (open.length >= MAX_DEPTH) return false;
      open.push(c);
      i = skipSpace(t, i + 1, n);
      if (t.charCodeAt(i) === (c === 123 ? 125 : 93)) {
        open.pop();
        i++;
      } else if (c === 123) {
        i = scanMemberName(t, i, n);
        if (i < 0) return false;
        closed = false;
      } else {
        closed = false;
      }
    } else if (c === 34) {
      i = scanString(t, i);
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      i = scanNumber(t, i);
    } else if (t.startsWith("true", i)) {
      i += 4;
    } else if (t.startsWith("false", i)) {
      i += 5;
    } else if (t.startsWith("null", i)) {
      i += 4;
    } else {
      return false;
    }
    if (i < 0) return false;
    if (!closed) continue; // the container's first value starts at i
    // After a complete value: close containers, or move to the next value.
    for (;;) {
      i = skipSpace(t, i, n);
      if (open.length === 0) return i === n;
      const top = open[open.length - 1];
      const d = t.charCodeAt(i);
      if (d === 44) {
        i = skipSpace(t, i + 1, n);
        if (top === 123) {
          i = scanMemberName(t, i, n);
          if (i < 0) return false;
        }
        break;
      }
      if (d !== (top === 123 ? 125 : 93)) return false;
      open.pop();
      i++;
    }
  }
}

/**
 * Scans `"name" :` at i, returning the index of the value after it or -1.
 * @param {string} t
 * @param {number} i
 * @param {number} n
 */
function scanMemberName(t, i, n) {
  if (t.charCodeAt(i) !== 34) return -1;
  i = scanString(t, i);
  if (i < 0) return -1;
  i = skipSpace(t, i, n);
  if (t.charCodeAt(i) !== 58) return -1;
  return skipSpace(t, i + 1, n);
}

/**
 * Returns the first non-whitespace unit of t[s:e], or 0. It tells the JSON
 * type of a value without decoding it.
 * @param {string} t
 * @param {number} s
 * @param {number} e
 */
function firstUnit(t, s, e) {
  const i = skipSpace(t, s, e);
  return i < e ? t.charCodeAt(i) : 0;
}

/**
 * Returns the index just past the string starting at t[i] === '"', in text
 * already known to be well-formed.
 * @param {string} t
 * @param {number} i
 * @param {number} end
 */
function skipString(t, i, end) {
  for (let j = i + 1; j < end; j++) {
    const c = t.charCodeAt(j);
    if (c === 92) j++; // the escaped unit cannot end the string
    else if (c === 34) return j + 1;
  }
  return end;
}

/**
 * Returns the index just past the value starting at t[i], in text already
 * known to be well-formed.
 * @param {string} t
 * @param {number} i
 * @param {number} end
 */
function skipValue(t, i, end) {
  if (i >= end) return end;
  const c = t.charCodeAt(i);
  if (c === 34) return skipString(t, i, end);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < end; j++) {
      const d = t.charCodeAt(j);
      if (d === 34) j = skipString(t, j, end) - 1;
      else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        if (--depth === 0) return j + 1;
      }
    }
    return end;
  }
  let j = i; // number, true, false, null
  while (j < end) {
    const d = t.charCodeAt(j);
    if (d === 44 || d === 93 || d === 125 || d === 32 || d === 9 || d === 10 || d === 13) break;
    j++;
  }
  return j;
}

/**
 * @typedef {object} Span a JSON value as the indexes [s, e) into the text
 * @property {number} s
 * @property {number} e
 */

/**
 * Splits the JSON array t[s:e] into the spans of its elements, or returns
 * null if it is not an array.
 * @param {string} t
 * @param {number} s
 * @param {number} e
 * @returns {Span[] | null}
 */
function elements(t, s, e) {
  let i = skipSpace(t, s, e);
  if (i >= e || t.charCodeAt(i) !== 91) return null;
  i = skipSpace(t, i + 1, e);
  /** @type {Span[]} */
  const elems = [];
  if (t.charCodeAt(i) === 93) return elems;
  while (i < e) {
    const end = skipValue(t, i, e);
    elems.push({ s: i, e: end });
    i = skipSpace(t, end, e);
    const c = t.charCodeAt(i);
    if (c === 44) i = skipSpace(t, i + 1, e);
    else if (c === 93) return elems;
    else return null;
  }
  return null;
}

/**
 * @typedef {object} Member one name/value pair of a JSON object, value still undecoded
 * @property {string} name
 * @property {number} s
 * @property {number} e
 */

/**
 * Splits the JSON object t[s:e] into its members in document order, or
 * returns null if it is not an object. dup names the first repeated member
 * name, "" if none.
 *
 * Like Go, a repeated "" is not reported as a repeat ("" doubles as "none"),
 * and names are compared after decoding, so "\ud800" and "\udc00" (both
 * U+FFFD in Go) repeat each other.
 * @param {string} t
 * @param {number} s
 * @param {number} e
 * @returns {{members: Member[], dup: string} | null}
 */
function members(t, s, e) {
  let i = skipSpace(t, s, e);
  if (i >= e || t.charCodeAt(i) !== 123) return null;
  i = skipSpace(t, i + 1, e);
  /** @type {Member[]} */
  const ms = [];
  let dup = "";
  if (t.charCodeAt(i) === 125) return { members: ms, dup };
  // Ops have a handful of members, so a linear search finds repeats
  // fastest; past that a set keeps a hostile object with thousands of
  // members from costing quadratic time.
  const linear = 8;
  /** @type {Set<string> | null} */
  let seen = null;
  while (i < e) {
    let end = skipString(t, i, e);
    const name = decodeString(t, i, end);
    if (name === null) return null;
    i = skipSpace(t, end, e);
    if (t.charCodeAt(i) !== 58) return null;
    i = skipSpace(t, i + 1, e);
    end = skipValue(t, i, e);
    if (dup === "") {
      let repeated = false;
      if (ms.length < linear) {
        for (const m of ms) repeated ||= m.name === name;
      } else {
        seen ??= new Set(ms.map((m) => m.name));
        repeated = seen.has(name);
        seen.add(name);
      }
      if (repeated) dup = name;
    }
    ms.push({ name, s: i, e: end });
    i = skipSpace(t, end, e);
    const c = t.charCodeAt(i);
    if (c === 44) i = skipSpace(t, i + 1, e);
    else if (c === 125) return { members: ms, dup };
    else return null;
  }
  return null;
}

/**
 * Returns the value of the four hex digits at t[i:], or -1.
 * @param {string} t
 * @param {number} i
 */
function hex4(t, i) {
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const d = hexValue(t.charCodeAt(k)); // NaN past the end gives -1
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** JSON's one-character escapes, by the code of the character after the backslash. */
const SHORT_ESCAPES = new Map([
  [34, '"'], [92, "\\"], [47, "/"], [98, "\b"], [102, "\f"], [110, "\n"], [114, "\r"], [116, "\t"],
]);

/**
 * Decodes t[s:e] as a JSON string, or returns null for any other JSON type.
 * Like Go's encoding/json, an escaped surrogate that is not half of a
 * high-low pair decodes to U+FFFD; that matters for member names, where Go
 * compares the decoded names to find repeats. (Field values never get this
 * far with one: loneSurrogate rejects them first.)
 * @param {string} t
 * @param {number} s
 * @param {number} e
 * @returns {string | null}
 */
function decodeString(t, s, e) {
  s = skipSpace(t, s, e);
  while (e > s && isSpace(t.charCodeAt(e - 1))) e--;
  if (e - s < 2 || t.charCodeAt(s) !== 34 || t.charCodeAt(e - 1) !== 34) return null;
  const inner = t.slice(s + 1, e - 1);
  if (!inner.includes("\\")) return inner;
  let out = "";
  let chunk = s + 1; // start of the text not yet copied
  for (let i = s + 1; i < e - 1; ) {
    if (t.charCodeAt(i) !== 92) {
      i++;
      continue;
    }
    out += t.slice(chunk, i);
    const c = t.charCodeAt(i + 1);
    if (c === 117) {
      const r = hex4(t, i + 2);
      i += 6;
      if (r >= 0xd800 && r <= 0xdfff) {
        const lo = t.charCodeAt(i) === 92 && t.charCodeAt(i + 1) === 117 ? hex4(t, i + 2) : -1;
        if (r <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
          out += String.fromCharCode(r, lo);
          i += 6;
        } else {
          out += "\ufffd";
        }
      } else {
        out += String.fromCharCode(r);
      }
    } else {
      const short = SHORT_ESCAPES.get(c);
      if (short === undefined) return null; // cannot happen in well-formed JSON
      out += short;
      i += 2;
    }
    chunk = i;
  }
  return out + t.slice(chunk, e - 1);
}

/**
 * Reports whether the JSON text t[s:e] holds a \u escape of a UTF-16
 * surrogate that is not part of a high-low pair. Go would decode it to
 * U+FFFD while JavaScript keeps the lone surrogate, so the two sides would
 * disagree on the value; rejecting it keeps them in step. It walks the text
 * exactly as Go's loneSurrogate does: in well-formed JSON a backslash can
 * only start an escape inside a string.
 * @param {string} t
 * @param {number} s
 * @param {number} e
 */
function loneSurrogate(t, s, e) {
  // A loop rather than indexOf, which would search past e to the end of
  // a possibly large text.
  for (let i = s; i < e; i++) {
    if (t.charCodeAt(i) !== 92) continue;
    if (i + 1 >= e || t.charCodeAt(i + 1) !== 117) {
      i++; // skip the escaped character, which may itself be a backslash
      continue;
    }
    const r = hex4(t, i + 2);
    if (r >= 0xd800 && r <= 0xdbff) {
      if (i + 11 < e && t.charCodeAt(i + 6) === 92 && t.charCodeAt(i + 7) === 117) {
        const lo = hex4(t, i + 8);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          i += 11;
          continue;
        }
      }
      return true;
    }
    if (r >= 0xdc00 && r <= 0xdfff) return true;
    i += 5;
  }
  return false;
}

/**
 * Parses the JSON number t[s:e]. JavaScript's Number and Go's ParseFloat
 * both round correctly, so they agree on every input. Numbers too large for
 * a double are CodeOutOfRange; too small ones round to zero; -0 becomes 0.
 * @param {string} t
 * @param {string} name
 * @param {number} s
 * @param {number} e
 * @returns {number | ModelError}
 */
function decodeNumber(t, name, s, e) {
  const f = Number(t.slice(s, e));
  if (Number.isNaN(f)) return new ModelError(CodeBadValue, `field ${quote(name)} must be a number`, name);
  if (!Number.isFinite(f)) return new ModelError(CodeOutOfRange, `field ${quote(name)} is too large`, name);
  return f + 0;
}

/**
 * Turns the JSON text of field name into its value, checking only the JSON
 * type (checkValue checks the rest). null decodes to null.
 * @param {string} t
 * @param {string} name
 * @param {FieldSpec} sp
 * @param {number} s
 * @param {number} e
 * @returns {FieldValue | null | ModelError}
 */
function decodeValue(t, name, sp, s, e) {
  if (loneSurrogate(t, s, e)) {
    return new ModelError(CodeBadUTF8, `field ${quote(name)} holds an unpaired UTF-16 surrogate escape`, name);
  }
  const c = firstUnit(t, s, e);
  if (c === 110) return null; // null
  switch (sp.type) {
    case NUMBER:
      return isNumberStart(c) ? decodeNumber(t, name, s, e) : wrongType(name, sp);
    case STRING:
    case ENUM:
    case ID:
    case KEY:
    case COLOR:
    case DATE:
      return decodeString(t, s, e) ?? wrongType(name, sp);
    case BOOL:
      return c === 116 ? true : c === 102 ? false : wrongType(name, sp);
    case IDS: {
      const elems = elements(t, s, e);
      if (!elems) return wrongType(name, sp);
      /** @type {string[]} */
      const ids = [];
      for (let i = 0; i < elems.length; i++) {
        const id = decodeString(t, elems[i].s, elems[i].e);
        if (id === null) return new ModelError(CodeBadValue, `entry ${i} of field ${quote(name)} must be a string id`, name);
        ids.push(id);
      }
      return ids;
    }
    case POINTS: {
      const elems = elements(t, s, e);
      if (!elems) return wrongType(name, sp);
      /** @type {number[]} */
      const ps = [];
      for (let i = 0; i < elems.length; i++) {
        const { s: ps0, e: pe } = elems[i];
        if (!isNumberStart(firstUnit(t, ps0, pe))) {
          return new ModelError(CodeBadValue, `number ${i} of field ${quote(name)} must be a number`, name);
        }
        const f = decodeNumber(t, name, ps0, pe);
        if (f instanceof ModelError) {
          f.message = `number ${i} of ${f.message}`;
          return f;
        }
        ps.push(f);
      }
      return ps;
    }
  }
  return wrongType(name, sp);
}

/**
 * Reports whether c can start a JSON number.
 * @param {number} c
 */
function isNumberStart(c) {
  return c === 45 || (c >= 48 && c <= 57);
}

/**
 * The error for a value of the wrong JSON type: checkValue words the
 * message for the field's type, and {} fails every type.
 * @param {string} name
 * @param {FieldSpec} sp
 */
function wrongType(name, sp) {
  return /** @type {ModelError} */ (checkValue(name, sp, {}));
}

/**
 * Decodes and validates the fields object t[s:e] of an op of type type on
 * kind (ignored for updates). Stored objects are decoded as creates, since
 * they obey the same rules. Field names are checked before being used as
 * keys, so the plain object can only ever hold known names.
 * @param {string} t
 * @param {string} type
 * @param {string} kind
 * @param {number} s
 * @param {number} e
 * @returns {{fields: Record<string, FieldValue | null>, count: number} | ModelError}
 */
function decodeFields(t, type, kind, s, e) {
  const obj = members(t, s, e);
  if (!obj) return new ModelError(CodeBadOp, 'member "fields" must be a JSON object');
  if (obj.dup !== "") return new ModelError(CodeBadOp, `field ${quote(obj.dup)} appears twice`, obj.dup);
  /** @type {Record<string, FieldValue | null>} */
  const fields = {};
  for (const m of obj.members) {
    const sp = fieldFor(type, kind, m.name);
    if (sp instanceof ModelError) return sp;
    const v = decodeValue(t, m.name, sp, m.s, m.e);
    if (v instanceof ModelError) return v;
    const err = checkFieldValue(type, m.name, sp, v);
    if (err) return err;
    fields[m.name] = v;
  }
  return { fields, count: obj.members.length };
}

/**
 * Decodes and validates one op object, in Go's order: its members, then
 * op, id, kind, and finally the fields in document order.
 * @param {string} t
 * @param {number} s
 * @param {number} e
 * @returns {Op | ModelError}
 */
function decodeOp(t, s, e) {
  const obj = members(t, s, e);
  if (!obj) return new ModelError(CodeBadOp, "op must be a JSON object");
  if (obj.dup !== "") return new ModelError(CodeBadOp, `member ${quote(obj.dup)} appears twice`);
  /** @type {Record<string, Member>} */
  const raw = {};
  for (const m of obj.members) {
    if (m.name !== "op" && m.name !== "id" && m.name !== "kind" && m.name !== "fields") {
      return new ModelError(CodeBadOp, `member ${quote(m.name)} is unknown (want op, id, kind, fields)`);
    }
    raw[m.name] = m;
  }
  if (!raw.op) return new ModelError(CodeBadOp, 'member "op" is missing');
  const type = memberString(t, raw.op);
  if (type === null) return new ModelError(CodeBadOp, 'member "op" must be a string');
  if (!raw.id) return new ModelError(CodeBadOp, 'member "id" is missing');
  const id = memberString(t, raw.id);
  if (id === null) return new ModelError(CodeBadOp, 'member "id" must be a string');
  const err = checkHead(type, id);
  if (err) return err;
  /** @type {Op} */
  const op = { op: type, id };
  if (type === OpCreate) {
    if (!raw.kind) return new ModelError(CodeBadOp, "create needs a kind");
    const kind = memberString(t, raw.kind);
    if (kind === null) return new ModelError(CodeBadOp, 'member "kind" must be a string');
    if (kind === "") return new ModelError(CodeBadOp, "create needs a kind");
    if (!ALLOWED.has(kind)) return new ModelError(CodeUnknownKind, `kind ${quote(kind)} is unknown`);
    op.kind = kind;
  } else if (raw.kind) {
    return new ModelError(CodeBadOp, "only a create may have a kind");
  }
  if (type === OpDelete) {
    return raw.fields ? new ModelError(CodeBadOp, "delete must not have fields") : op;
  }
  if (!raw.fields) return type === OpUpdate ? new ModelError(CodeBadOp, "update needs fields") : op;
  const fs = decodeFields(t, type, op.kind ?? "", raw.fields.s, raw.fields.e);
  if (fs instanceof ModelError) return fs;
  if (type === OpUpdate && fs.count === 0) return new ModelError(CodeBadOp, "update needs at least one field");
  if (fs.count > 0) op.fields = fs.fields; // an empty create decodes as if fields were absent
  return op;
}

/**
 * Decodes the value of member m as a string; null if m is absent or not a
 * string.
 * @param {string} t
 * @param {Member | undefined} m
 */
function memberString(t, m) {
  return m ? decodeString(t, m.s, m.e) : null;
}

/**
 * Returns input as text, or throws CodeBadUTF8 if it cannot be valid UTF-8:
 * bytes that do not decode (a BOM is kept, so the JSON check rejects it as
 * Go does), or a string with an unpaired surrogate, which no UTF-8 encodes.
 * @param {unknown} input
 * @param {string} what "batch" or "state", for messages
 * @returns {string}
 */
function textOf(input, what) {
  if (typeof input === "string") {
    if (utf8Length(input) < 0) throw new ModelError(CodeBadUTF8, `${what} is not valid UTF-8`);
    return input;
  }
  if (input instanceof Uint8Array) {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(input);
    } catch {
      throw new ModelError(CodeBadUTF8, `${what} is not valid UTF-8`);
    }
  }
  throw new ModelError(CodeBadJSON, `${what} must be JSON text`);
}

/**
 * decodeOps decodes and validates a batch from the raw JSON text (a string,
 * or the UTF-8 bytes as a Uint8Array), exactly as the server's DecodeOps
 * does: the same rules, the same error codes, the same problem reported
 * first. It returns the ops in wire form, or throws a ModelError; the batch
 * is all or nothing.
 *
 * Pass the text as received rather than JSON.parse output: repeated
 * members, lone surrogate escapes and numbers too large for a double are
 * only visible in the text.
 * @param {string | Uint8Array} input
 * @returns {Op[]}
 */
export function decodeOps(input) {
  const t = textOf(input, "batch");
  if (!validJSON(t)) throw new ModelError(CodeBadJSON, "batch is not well-formed JSON");
  if (firstUnit(t, 0, t.length) !== 91) throw new ModelError(CodeBadJSON, "batch must be a JSON array of ops");
  const elems = elements(t, 0, t.length);
  if (!elems) throw new ModelError(CodeBadJSON, "batch is not a JSON array of ops");
  const err = checkBatchLen(elems.length);
  if (err) throw err;
  return elems.map((el, i) => {
    const op = decodeOp(t, el.s, el.e);
    if (op instanceof ModelError) throw atOp(op, i);
    return op;
  });
}

// ---------------------------------------------------------------------------
// The state and the conflict rules (board/state.go).

/** @param {string} name */
const isEnd = (name) => name === "from" || name === "to";
/** @param {string} name */
const otherEnd = (name) => (name === "from" ? "to" : "from");

/**
 * The own keys of v if it is an object (an op's fields), else none.
 * @param {unknown} v
 * @returns {string[]}
 */
const keysOf = (v) => (typeof v === "object" && v !== null ? Object.keys(v) : []);

/**
 * Encodes s as a JSON string exactly as Go's encoding/json does: like
 * JSON.stringify, plus \u escapes for <, >, & and U+2028/U+2029.
 * @param {string} s
 */
function jsonString(s) {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Encodes a stored value as Go does. For the numbers a State can hold,
 * JavaScript's shortest round-trip form is Go's (both switch to exponents
 * below 1e-6, and Go writes "1e-7" like JavaScript, not "1e-07").
 * @param {FieldValue} v
 * @returns {string}
 */
function jsonValue(v) {
  if (typeof v === "string") return jsonString(v);
  if (Array.isArray(v)) return `[${v.map((x) => jsonValue(x)).join(",")}]`;
  return String(v);
}

/**
 * Compares two field values stored in a State.
 * @param {FieldValue} a
 * @param {FieldValue} b
 */
function valueEqual(a, b) {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) return false;
    }
    return true;
  }
  return a === b;
}

/**
 * State is the document: the live objects and the tombstones of deleted
 * ids. apply is the conflict model of the board: every replica applies the
 * server's order of ops and, apply being total and deterministic, ends up
 * with an equal State.
 *
 * Every State reachable through apply or fromJSON keeps Go's invariants:
 * each object only has fields its kind allows, every value is valid and
 * normalised, from and to name a live object other than the object itself
 * (or are ""), and no id is both live and tombstoned.
 */
export class State {
  /** @type {Map<string, BoardObject>} */
  #objects = new Map();
  /** @type {Set<string>} */
  #deleted = new Set();
  /**
   * from/to index: target id -> ids of the objects pointing at it, so a
   * delete detaches ends without scanning the board. Derived data, rebuilt
   * by clone and fromJSON, ignored by equals.
   * @type {Map<string, Set<string>>}
   */
  #refs = new Map();

  /**
   * apply applies ops in order. It never throws and ignores whatever it
   * cannot make sense of, even ops that skipped validation or are not ops
   * at all, with the same rules as Go's State.Apply:
   *
   * - An op with an unknown type or an invalid id does nothing.
   * - create: nothing happens if the id is live or tombstoned (ids are never
   *   reused; the first create wins), if the board holds MaxObjects
   *   objects, or if the kind is unknown. Otherwise the object is created;
   *   fields its kind does not allow, null and invalid values are dropped.
   * - update: nothing happens unless the object is live. Each field its
   *   kind allows is set (last writer wins per field) or, for null,
   *   removed; other fields and invalid values are ignored.
   * - delete: a live object is removed, its id tombstoned, and every end
   *   (from, to) naming it removed. A missing id is tombstoned too, so a
   *   create ordered after the delete stays a no-op. Nothing else cascades.
   * - from and to only ever name a live object other than the object
   *   itself; naming anything else leaves that end detached (an update
   *   removes the current value). "" (none) is stored as given.
   *
   * A field whose value is undefined counts as absent, as it would be on
   * the wire. Values are copied, so later changes to the ops cannot reach
   * the State. A batch is applied op by op; callers wanting all or nothing
   * validate first.
   * @param {readonly Op[]} ops
   * @returns {void}
   */
  apply(ops) {
    /** @type {unknown} */
    const list = ops;
    if (!Array.isArray(list)) return;
    for (const op of list) {
      if (typeof op !== "object" || op === null) continue;
      const id = op.id;
      if (!validID(id)) continue;
      switch (op.op) {
        case OpCreate:
          this.#create(id, op.kind, op.fields);
          break;
        case OpUpdate:
          this.#update(id, op.fields);
          break;
        case OpDelete:
          this.#remove(id);
          break;
      }
    }
  }

  /**
   * The create rule of apply.
   * @param {string} id
   * @param {unknown} kind
   * @param {unknown} fields
   */
  #create(id, kind, fields) {
    const allow = typeof kind === "string" ? ALLOWED.get(kind) : undefined;
    if (!allow || this.#objects.has(id) || this.#deleted.has(id) || this.#objects.size >= MaxObjects) return;
    /** @type {BoardObject} */
    const obj = { id, kind: /** @type {string} */ (kind), fields: {} };
    this.#objects.set(id, obj);
    const values = /** @type {Record<string, unknown>} */ (fields);
    for (const name of keysOf(fields)) {
      const v = values[name];
      if (allow.has(name) && v !== null && v !== undefined) this.#set(obj, name, v);
    }
  }

  /**
   * The update rule of apply.
   * @param {string} id
   * @param {unknown} fields
   */
  #update(id, fields) {
    const obj = this.#objects.get(id);
    if (!obj) return;
    const allow = /** @type {ReadonlySet<string>} */ (ALLOWED.get(obj.kind));
    const values = /** @type {Record<string, unknown>} */ (fields);
    for (const name of keysOf(fields)) {
      if (!allow.has(name)) continue;
      const v = values[name];
      if (v === undefined) continue;
      if (v === null) this.#unset(obj, name);
      else this.#set(obj, name, v);
    }
  }

  /**
   * Stores a copy of v as field name of obj if v is valid, keeping the
   * from/to rules and the index. The outcome does not depend on the order
   * in which one op's fields are set.
   * @param {BoardObject} obj
   * @param {string} name
   * @param {unknown} v
   */
  #set(obj, name, v) {
    const sp = FIELDS.get(name);
    if (!sp || checkValue(name, sp, v) !== null) return;
    const value = /** @type {FieldValue} */ (v);
    if (!isEnd(name)) {
      obj.fields[name] = normalize(value);
      return;
    }
    const target = /** @type {string} */ (value); // checkValue guarantees a string
    this.#unset(obj, name);
    if (target !== "" && (!this.#objects.has(target) || target === obj.id)) return;
    obj.fields[name] = target;
    if (target !== "") this.#link(target, obj.id);
  }

  /**
   * Removes field name of obj, keeping the index.
   * @param {BoardObject} obj
   * @param {string} name
   */
  #unset(obj, name) {
    if (!Object.hasOwn(obj.fields, name)) return;
    const old = obj.fields[name];
    delete obj.fields[name];
    if (!isEnd(name) || typeof old !== "string" || old === "") return;
    if (obj.fields[otherEnd(name)] === old) return; // the other end still points there
    this.#unlink(old, obj.id);
  }

  /**
   * The delete rule of apply.
   * @param {string} id
   */
  #remove(id) {
    if (this.#deleted.has(id)) return;
    this.#deleted.add(id);
    const obj = this.#objects.get(id);
    if (!obj) return;
    this.#unset(obj, "from");
    this.#unset(obj, "to");
    this.#objects.delete(id);
    // Unsetting shrinks the set while it is iterated; a Set simply does
    // not visit entries deleted during iteration.
    for (const src of this.#refs.get(id) ?? []) {
      const o = this.#objects.get(src);
      if (!o) continue;
      for (const end of ["from", "to"]) {
        if (o.fields[end] === id) this.#unset(o, end);
      }
    }
    this.#refs.delete(id);
  }

  /**
   * Records that object src points at target.
   * @param {string} target
   * @param {string} src
   */
  #link(target, src) {
    let set = this.#refs.get(target);
    if (!set) {
      set = new Set();
      this.#refs.set(target, set);
    }
    set.add(src);
  }

  /**
   * Forgets that object src points at target.
   * @param {string} target
   * @param {string} src
   */
  #unlink(target, src) {
    const set = this.#refs.get(target);
    if (!set) return;
    set.delete(src);
    if (set.size === 0) this.#refs.delete(target);
  }

  /** Rebuilds the from/to index from the objects. */
  #reindex() {
    this.#refs = new Map();
    for (const o of this.#objects.values()) {
      for (const end of ["from", "to"]) {
        const t = o.fields[end];
        if (typeof t === "string" && t !== "") this.#link(t, o.id);
      }
    }
  }

  /**
   * Returns the live object with the given id, or undefined. The object
   * belongs to the State: do not modify it; it may change on the next apply.
   * @param {string} id
   * @returns {Readonly<BoardObject> | undefined}
   */
  get(id) {
    return this.#objects.get(id);
  }

  /** The number of live objects, the number MaxObjects limits. */
  get size() {
    return this.#objects.size;
  }

  /**
   * Reports whether id is tombstoned.
   * @param {string} id
   */
  isDeleted(id) {
    return this.#deleted.has(id);
  }

  /**
   * Returns the live objects sorted by id, as Go does, so that every
   * replica lists (and, for equal keys, renders) them in the same order.
   * Ids are ASCII, so UTF-16 order is Go's byte order. As with get, the
   * objects belong to the State.
   * @returns {Readonly<BoardObject>[]}
   */
  objects() {
    return [...this.#objects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Returns a copy that apply can change without affecting this State.
   * Field maps are copied; lists are shared, which is safe because they
   * are frozen.
   * @returns {State}
   */
  clone() {
    const c = new State();
    for (const [id, o] of this.#objects) c.#objects.set(id, { id: o.id, kind: o.kind, fields: { ...o.fields } });
    c.#deleted = new Set(this.#deleted);
    c.#reindex();
    return c;
  }

  /**
   * Reports whether other holds the same objects, with the same kinds and
   * field values, and the same tombstones.
   * @param {State} other
   * @returns {boolean}
   */
  equals(other) {
    if (!(other instanceof State)) return false;
    if (this.#objects.size !== other.#objects.size || this.#deleted.size !== other.#deleted.size) return false;
    for (const id of this.#deleted) {
      if (!other.#deleted.has(id)) return false;
    }
    for (const [id, a] of this.#objects) {
      const b = other.#objects.get(id);
      if (!b || a.kind !== b.kind) return false;
      const names = Object.keys(a.fields);
      if (names.length !== Object.keys(b.fields).length) return false;
      for (const name of names) {
        if (!Object.hasOwn(b.fields, name) || !valueEqual(a.fields[name], b.fields[name])) return false;
      }
    }
    return true;
  }

  /**
   * Returns the canonical object form {objects: [...sorted by id],
   * deleted: [...sorted]}, each object as {id, kind, fields} with the field
   * names in sorted order. It is a copy, safe to keep or change, and it is
   * what JSON.stringify(state) encodes.
   * @returns {StateJSON}
   */
  toJSON() {
    return {
      objects: this.objects().map((o) => {
        /** @type {Record<string, FieldValue>} */
        const fields = {};
        for (const name of SORTED_FIELDS.get(o.kind) ?? []) {
          if (Object.hasOwn(o.fields, name)) {
            const v = o.fields[name];
            fields[name] = Array.isArray(v) ? v.slice() : v;
          }
        }
        return { id: o.id, kind: o.kind, fields };
      }),
      deleted: [...this.#deleted].sort(),
    };
  }

  /**
   * Returns exactly the bytes (as a string) of Go's State.MarshalJSON:
   * equal states give identical text, so a client can hash or compare it
   * with the server's. It differs from JSON.stringify(state) only in
   * escaping <, >, & and U+2028/U+2029 as Go does.
   * @returns {string}
   */
  canonicalJSON() {
    const objs = this.objects().map((o) => {
      const fields = [];
      for (const name of SORTED_FIELDS.get(o.kind) ?? []) {
        if (Object.hasOwn(o.fields, name)) fields.push(`${jsonString(name)}:${jsonValue(o.fields[name])}`);
      }
      return `{"id":${jsonString(o.id)},"kind":${jsonString(o.kind)},"fields":{${fields.join(",")}}}`;
    });
    const deleted = [...this.#deleted].sort().map(jsonString);
    return `{"objects":[${objs.join(",")}],"deleted":[${deleted.join(",")}]}`;
  }

  /**
   * fromJSON builds a State from its canonical form, treating the input as
   * untrusted (storage, a peer) exactly as Go's State.UnmarshalJSON does:
   * exactly the members objects and deleted; every object passes the checks
   * of a create op and has a unique id; from and to name another live
   * object; tombstones are valid ids, neither repeated nor live; at most
   * MaxObjects objects. Problems throw a ModelError with Go's code.
   *
   * Give it the JSON text (string or UTF-8 bytes) when you have it: only the
   * text shows repeated members and lone surrogate escapes. An object (such
   * as toJSON's result, or JSON.parse output) is checked as the text
   * JSON.stringify makes of it.
   * @param {unknown} input JSON text, its UTF-8 bytes, or a StateJSON-like object
   * @returns {State}
   */
  static fromJSON(input) {
    let text;
    if (typeof input === "string" || input instanceof Uint8Array) {
      text = textOf(input, "state");
    } else {
      try {
        text = JSON.stringify(input);
      } catch {
        text = undefined; // cycles, bigints
      }
      if (typeof text !== "string") throw new ModelError(CodeBadJSON, "state is not representable as JSON");
    }
    const s = State.#decode(text);
    if (s instanceof ModelError) throw s;
    return s;
  }

  /**
   * Does the work of fromJSON on well-formed UTF-16 text, in Go's order.
   * @param {string} t
   * @returns {State | ModelError}
   */
  static #decode(t) {
    if (!validJSON(t)) return new ModelError(CodeBadJSON, "state is not well-formed JSON");
    const top = members(t, 0, t.length);
    if (!top) return new ModelError(CodeBadJSON, "state must be a JSON object");
    if (top.dup !== "") return new ModelError(CodeBadJSON, `state member ${quote(top.dup)} appears twice`);
    /** @type {Span[] | null} */
    let objsRaw = null;
    /** @type {Span[] | null} */
    let delRaw = null;
    for (const m of top.members) {
      if (m.name !== "objects" && m.name !== "deleted") {
        return new ModelError(CodeBadJSON, `state member ${quote(m.name)} is unknown (want objects, deleted)`);
      }
      const elems = elements(t, m.s, m.e);
      if (!elems) return new ModelError(CodeBadJSON, `state member ${quote(m.name)} must be an array`);
      if (m.name === "objects") objsRaw = elems;
      else delRaw = elems;
    }
    if (!objsRaw || !delRaw) return new ModelError(CodeBadJSON, 'state needs members "objects" and "deleted"');
    if (objsRaw.length > MaxObjects) {
      return new ModelError(CodeOutOfRange, `state has ${objsRaw.length} objects, more than ${MaxObjects}`);
    }
    const s = new State();
    for (let i = 0; i < objsRaw.length; i++) {
      const { obj, err } = decodeObject(t, objsRaw[i].s, objsRaw[i].e);
      if (err) return within(err, obj ? `object ${quote(obj.id)}` : `object ${i}`);
      if (s.#objects.has(obj.id)) return new ModelError(CodeBadID, `object ${quote(obj.id)} appears twice`);
      s.#objects.set(obj.id, obj);
    }
    for (let i = 0; i < delRaw.length; i++) {
      const id = decodeString(t, delRaw[i].s, delRaw[i].e);
      if (id === null) return new ModelError(CodeBadID, `tombstone ${i} must be a string id`);
      const err = checkID("", id);
      if (err) return within(err, `tombstone ${i}`);
      if (s.#deleted.has(id)) return new ModelError(CodeBadID, `tombstone ${quote(id)} appears twice`);
      if (s.#objects.has(id)) return new ModelError(CodeBadID, `id ${quote(id)} is both live and deleted`);
      s.#deleted.add(id);
    }
    for (const o of s.objects()) {
      for (const end of ["from", "to"]) {
        const target = o.fields[end];
        if (typeof target !== "string" || target === "") continue;
        if (!s.#objects.has(target) || target === o.id) {
          return new ModelError(
            CodeBadValue,
            `object ${quote(o.id)}: field ${quote(end)} names ${quote(target)}, which is not another live object`,
            end,
          );
        }
      }
    }
    s.#reindex();
    return s;
  }
}

/**
 * Decodes one stored object. Once the id is known the (partial) object
 * comes back alongside an error, so the error can name it.
 * @param {string} t
 * @param {number} s
 * @param {number} e
 * @returns {{obj: BoardObject, err: null} | {obj: BoardObject | null, err: ModelError}}
 */
function decodeObject(t, s, e) {
  const bad = (/** @type {string} */ msg) => ({ obj: null, err: new ModelError(CodeBadJSON, msg) });
  const obj = members(t, s, e);
  if (!obj) return bad("must be a JSON object");
  if (obj.dup !== "") return bad(`member ${quote(obj.dup)} appears twice`);
  /** @type {Record<string, Member>} */
  const raw = {};
  for (const m of obj.members) {
    if (m.name !== "id" && m.name !== "kind" && m.name !== "fields") {
      return bad(`member ${quote(m.name)} is unknown (want id, kind, fields)`);
    }
    raw[m.name] = m;
  }
  const id = memberString(t, raw.id);
  if (id === null) return bad('member "id" must be a string');
  const idErr = checkID("", id);
  if (idErr) return { obj: null, err: idErr };
  /** @type {BoardObject} */
  const o = { id, kind: "", fields: {} };
  const kind = memberString(t, raw.kind);
  if (kind === null) return { obj: o, err: new ModelError(CodeBadJSON, 'member "kind" must be a string') };
  o.kind = kind;
  if (!ALLOWED.has(kind)) return { obj: o, err: new ModelError(CodeUnknownKind, `kind ${quote(kind)} is unknown`) };
  if (!raw.fields) return { obj: o, err: new ModelError(CodeBadJSON, 'member "fields" is missing') };
  const fs = decodeFields(t, OpCreate, kind, raw.fields.s, raw.fields.e);
  if (fs instanceof ModelError) {
    if (fs.code === CodeBadOp) fs.code = CodeBadJSON; // there is no op here, only a malformed object
    return { obj: o, err: fs };
  }
  // A create never holds null, so every value is a stored value; lists are
  // frozen like those apply stores.
  for (const [name, v] of Object.entries(fs.fields)) o.fields[name] = normalize(/** @type {FieldValue} */ (v));
  return { obj: o, err: null };
}

// ---------------------------------------------------------------------------
// Fractional index keys (board/key.go).
//
// A key is a string over the 62 digits 0-9A-Za-z, whose ASCII order is their
// numeric order; read after "0." in base 62 it is a fraction in (0, 1), so
// plain string comparison orders keys like the fractions. Keys never end in
// '0', which gives every fraction one spelling and leaves room before any key.

const KEY_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_BASE = KEY_DIGITS.length; // 62
/** Digit used when there is no neighbour to bisect against: as much room below as above. */
const KEY_MID = KEY_BASE / 2; // 31, 'V'

/**
 * Returns the value of key digit c (a code unit), or -1.
 * @param {number} c
 */
function digitValue(c) {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 65 + 10;
  if (c >= 97 && c <= 122) return c - 97 + 36;
  return -1;
}

/**
 * validKey reports whether k is a valid key: 1 to MaxKeyBytes digits from
 * 0-9A-Za-z, the last of which is not '0'.
 * @param {unknown} k
 * @returns {k is string}
 */
export function validKey(k) {
  if (typeof k !== "string" || k.length === 0 || k.length > MaxKeyBytes || k.endsWith("0")) return false;
  for (let i = 0; i < k.length; i++) {
    if (digitValue(k.charCodeAt(i)) < 0) return false;
  }
  return true;
}

/**
 * Compares strings by their UTF-8 bytes, as Go does. UTF-16 order only
 * differs for surrogates against U+E000-U+FFFF, so those units are moved
 * into code point order before comparing.
 * @param {string} a
 * @param {string} b
 */
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x += x < 0xe000 ? 0x2000 : -0x800;
      y += y < 0xe000 ? 0x2000 : -0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * less orders two objects by key, breaking ties by id. Two clients that
 * insert at the same place at once can compute the same key; comparing ids
 * too makes every replica show the same order anyway. Strings compare as
 * Go compares them (by UTF-8 bytes), which for valid keys and ids is plain
 * string order.
 * @param {string} keyA
 * @param {string} idA
 * @param {string} keyB
 * @param {string} idB
 */
export function less(keyA, idA, keyB, idB) {
  if (keyA !== keyB) return compareBytes(keyA, keyB) < 0;
  return compareBytes(idA, idB) < 0;
}

/**
 * keyBetween returns a key k with a < k < b; "" for a means "before
 * everything" and "" for b "after everything". It returns the same key as
 * Go's KeyBetween for the same input, so replicas computing a position
 * agree. Between two keys it bisects; at either end it steps by one digit,
 * because appending and prepending are the common moves and stepping grows
 * keys far more slowly. keyBetween("", "") is "V".
 *
 * Throws CodeBadValue if a or b is not a valid key or a >= b, and
 * CodeTooLong if the result would exceed MaxKeyBytes (the gap is exhausted;
 * rebalance the keys of the list).
 * @param {string} a
 * @param {string} b
 * @returns {string}
 */
export function keyBetween(a, b) {
  if (a !== "" && !validKey(a)) throw new ModelError(CodeBadValue, `key ${quote(String(a))} is not valid`);
  if (b !== "" && !validKey(b)) throw new ModelError(CodeBadValue, `key ${quote(String(b))} is not valid`);
  if (a !== "" && b !== "" && a >= b) throw new ModelError(CodeBadValue, `key ${quote(a)} is not before key ${quote(b)}`);
  const k = b === "" ? keyAfter(a) : a === "" ? keyBefore(b) : keyMidpoint(a, b);
  if (k.length > MaxKeyBytes) {
    throw new ModelError(CodeTooLong, `no key between ${quote(a)} and ${quote(b)} fits in ${MaxKeyBytes} bytes`);
  }
  return k;
}

/**
 * Returns a key greater than a ("" meaning zero).
 * @param {string} a
 * @returns {string}
 */
function keyAfter(a) {
  if (a === "") return KEY_DIGITS[KEY_MID];
  const d = digitValue(a.charCodeAt(0));
  if (d < KEY_BASE - 1) return KEY_DIGITS[d + 1]; // a larger first digit is enough
  return KEY_DIGITS[KEY_BASE - 1] + keyAfter(a.slice(1)); // keep the largest digit, go deeper
}

/**
 * Returns a key smaller than the valid key b and greater than zero.
 * @param {string} b
 * @returns {string}
 */
function keyBefore(b) {
  const d = digitValue(b.charCodeAt(0));
  if (d >= 2) return KEY_DIGITS[d - 1]; // one less is smaller and still not zero
  if (d === 1 && b.length > 1) return "1"; // a proper prefix of b
  if (d === 1) return "0" + KEY_DIGITS[KEY_BASE - 1]; // b is "1": leave the most room below
  return "0" + keyBefore(b.slice(1)); // b starts with '0' and, being valid, continues
}

/**
 * Returns a key strictly between the valid keys a < b.
 * @param {string} a
 * @param {string} b
 * @returns {string}
 */
function keyMidpoint(a, b) {
  // Skip the common prefix, reading a as padded with zeros. Because a < b
  // and b does not end in '0', this stops inside b.
  let n = 0;
  while (n < b.length && (n < a.length ? a[n] : "0") === b[n]) n++;
  if (n >= b.length) return a + KEY_DIGITS[KEY_MID]; // unreachable for valid a < b
  const da = n < a.length ? digitValue(a.charCodeAt(n)) : 0;
  const db = digitValue(b.charCodeAt(n));
  if (db - da >= 2) return b.slice(0, n) + KEY_DIGITS[Math.floor((da + db) / 2)];
  // b continues after this digit: cutting b here is below b and above a.
  if (n + 1 < b.length) return b.slice(0, n + 1);
  // Adjacent digits and b ends here: keep a's digit and go past the rest of a.
  return b.slice(0, n) + KEY_DIGITS[da] + keyAfter(a.slice(n + 1));
}

/**
 * keysBetween returns n increasing keys strictly between a and b (with ""
 * meaning as in keyBetween), for placing several new siblings at once, such
 * as the cells of a template. It bisects recursively, so the keys spread
 * over the gap and stay short; the keys are Go's KeysBetween keys.
 *
 * Throws CodeOutOfRange unless n is an integer from 0 to MaxObjects, and
 * otherwise fails as keyBetween does, even for n == 0.
 * @param {string} a
 * @param {string} b
 * @param {number} n
 * @returns {string[]}
 */
export function keysBetween(a, b, n) {
  if (!Number.isInteger(n) || n < 0 || n > MaxObjects) {
    throw new ModelError(CodeOutOfRange, `cannot make ${n} keys: the count must be between 0 and ${MaxObjects}`);
  }
  keyBetween(a, b); // validate a and b even when n == 0
  /** @type {string[]} */
  const keys = [];
  /** @param {string} lo @param {string} hi @param {number} count */
  const fill = (lo, hi, count) => {
    if (count === 0) return;
    const mid = keyBetween(lo, hi);
    const left = Math.floor((count - 1) / 2);
    fill(lo, mid, left);
    keys.push(mid);
    fill(mid, hi, count - 1 - left);
  };
  fill(a, b, n);
  return keys;
}
