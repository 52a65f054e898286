// @ts-check
/**
 * @file The entry point: the start page at /, a board at /b/{id}, a
 * workshop (where join links land) at /w/{id}.
 */

import { startPage } from "./start.js";
import { boardPage } from "./board.js";
import { workshopPage } from "./join.js";

const b = location.pathname.match(/^\/b\/([A-Za-z0-9_-]+)\/?$/);
const w = location.pathname.match(/^\/w\/([A-Za-z0-9_-]+)\/?$/);
if (b) boardPage(b[1]);
else if (w) workshopPage(w[1]);
else startPage();
