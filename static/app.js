// @ts-check
/**
 * @file The entry point: the start page at /, a board at /b/{id}.
 */

import { startPage } from "./start.js";
import { boardPage } from "./board.js";

const m = location.pathname.match(/^\/b\/([A-Za-z0-9_-]+)\/?$/);
if (m) boardPage(m[1]);
else startPage();
