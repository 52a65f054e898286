// @ts-check
/**
 * @file Workshop-wide messages from the facilitator: the broadcast
 * message, the shared countdown, and "go to this board". Pure: no DOM.
 */

/**
 * The milliseconds left on a timer, allowing for the difference between the
 * server's clock and this page's (offset = server now − local now when the
 * timer message arrived). 0 when there is no timer or it has run out.
 * @param {number} endsAt server time the timer ends, 0 for none
 * @param {number} offset
 * @param {number} localNow
 */
export function remaining(endsAt, offset, localNow) {
  if (!(endsAt > 0)) return 0;
  return Math.max(0, endsAt - (localNow + offset));
}

/**
 * A countdown as people read it: "4:05", "1:02:09", "0:00".
 * @param {number} ms
 */
export function formatCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * A countdown for screen readers: "4 minutes 5 seconds left".
 * @param {number} ms
 */
export function spokenCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (total === 0) return "Time is up";
  const m = Math.floor(total / 60), s = total % 60;
  const parts = [];
  if (m > 0) parts.push(`${m} minute${m === 1 ? "" : "s"}`);
  if (s > 0) parts.push(`${s} second${s === 1 ? "" : "s"}`);
  return `${parts.join(" ")} left`;
}

/**
 * Where a goto message sends the page, or "" if it is not a board id.
 * @param {unknown} board
 */
export function gotoPath(board) {
  return typeof board === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(board) ? `/b/${board}` : "";
}

/**
 * What to tell people before the page moves.
 * @param {unknown} reason
 */
export function gotoText(reason) {
  if (reason === "gather") return "The facilitator is bringing everyone together. Taking you to the shared board…";
  if (reason === "moved") return "The facilitator has moved you to another group. Taking you to its board…";
  return "The facilitator is taking you to another board…";
}
