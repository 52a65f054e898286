// @ts-check
import test from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_TERMS, findTerms, parseTerms, defaultTermsText, hintText } from "../language.js";

test("finds whole-word terms regardless of case, longest first, once each", () => {
  const f = findTerms("Our Service users and other service users; clientship; clients.", DEFAULT_TERMS);
  assert.deepEqual(f.map((t) => t.term), ["service users", "clients"]);
  assert.deepEqual(findTerms("one service user", DEFAULT_TERMS).map((t) => t.term), ["service user"]);
  assert.deepEqual(findTerms("people who sleep rough", DEFAULT_TERMS), []);
});

test("parses a board's list and round-trips the defaults", () => {
  assert.deepEqual(parseTerms("# ours\n\n  punters => visitors \nfrequent flyers"), [
    { term: "punters", suggestion: "visitors" },
    { term: "frequent flyers", suggestion: "" },
  ]);
  assert.deepEqual(parseTerms(defaultTermsText()), DEFAULT_TERMS);
  assert.match(hintText(findTerms("addicts", DEFAULT_TERMS)), /people who use drugs/);
});
