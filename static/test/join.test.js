// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { tokenFromHash } from "../join.js";

test("the token comes only from a #t= fragment of token characters", () => {
  assert.equal(tokenFromHash("#t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3In0.sig-_x"), "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3In0.sig-_x");
  for (const bad of ["", "#", "#t=", "#x=abc", "#t=abc def", "#t=<script>", "?t=abc"]) {
    assert.equal(tokenFromHash(bad), "", bad);
  }
});
