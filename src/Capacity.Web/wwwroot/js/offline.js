// The page's honest offline state. When the live connection drops (live.js) or a call finds the
// service unreachable (api.js), the page says so in one banner with the time of its last update,
// greys out what may be stale and blocks the actions that would fail. Only a resync that reached
// the service ends it; then the banner goes, and so does every error shown during the outage (a
// "niet bereikbaar" must not stay beside fresh results).
import { formatTime } from './labels.js';
import { safeTexts } from './texts/safe.js';

/** The controls that act (and would fail offline); reading, scrolling, typing and links stay. */
const actions = 'button, input[type=checkbox], input[type=radio], input[type=submit], input[type=button]';
/** What shows an error: a status line said as an error, or an error text. */
const errors = '.status[data-kind=error], .error';

let since = null;          // when the page last knew it was up to date; null while online
let lastGood = Date.now(); // the last call that reached the service
let failures = 0;          // unreachable calls so far: a resync that saw none ends the outage
let hubLive = false;
let retry = null;          // () => Promise: resyncs the screen (live.js)
let probe = null;
const touched = new Set(); // elements that got a text (or were added) during the outage
const observer = new MutationObserver(records => records.forEach(note));

const main = () => document.getElementById('main');
const banner = () => document.getElementById('offline-banner');
const inArea = el => !!el?.closest?.('main, dialog.confirm');

/** Whether the page is offline now. */
export const offline = () => since !== null;

/** How the page resyncs (live.js): run after an outage that only calls saw, while the hub stays up. */
export function setRetry(fn) { retry = fn; }

/** A call reached the service. */
export function reached() { lastGood = Date.now(); }

/** A call did not reach the service (no answer, 502/503 or UNAVAILABLE). */
export function unreachable() {
  failures++;
  enter();
  // The hub's reconnect resyncs by itself; with the hub still up, nothing else would: try again.
  if (hubLive) scheduleProbe();
}

/** The hub's connection: false when it dropped or failed to start. */
export function hub(live) {
  if (!live && hubLive) lastGood = Date.now(); // pushes arrived until now: the page was current
  hubLive = live;
  if (!live) enter();
}

/** Counts unreachable calls: take one before a resync, pass it to resynced() after. */
export const mark = () => failures;

/**
 * A resync has run: if every reading succeeded (ok) and no call failed to reach the service
 * meanwhile, the outage is over. (A hub call refused while the store is down fails the reading.)
 */
export function resynced(before, ok = true) {
  if (!offline()) return;
  if (!ok || failures !== before || !hubLive) { if (hubLive) scheduleProbe(); return; }
  leave();
}

function scheduleProbe() {
  if (probe || !retry) return;
  probe = setTimeout(async () => {
    probe = null;
    if (!offline() || !hubLive) return;
    const before = mark();
    let ok = false;
    try { ok = await retry(); } catch (e) { console.warn('resync failed', e); }
    resynced(before, ok);
  }, 3000);
}

function enter() {
  if (offline()) return;
  since = hubLive ? Date.now() : lastGood;
  const m = main();
  const b = banner();
  if (b) {
    b.textContent = safeTexts.offlineBanner(formatTime(since));
    b.hidden = false;
  }
  if (!m) return;
  m.dataset.offline = '';
  m.setAttribute('aria-describedby', 'offline-banner');
  m.querySelectorAll(actions).forEach(lock);
  observer.observe(m, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-kind'] });
}

function leave() {
  observer.takeRecords().forEach(note);
  observer.disconnect();
  since = null;
  clearTimeout(probe);
  probe = null;
  const b = banner();
  if (b) { b.hidden = true; b.textContent = ''; }
  const m = main();
  if (m) {
    delete m.dataset.offline;
    m.removeAttribute('aria-describedby');
    m.querySelectorAll('[data-offline-lock]').forEach(unlock);
  }
  // The errors of the outage: cleared if still shown (a status line keeps its place, emptied).
  for (const el of touched) {
    if (!el.isConnected) continue;
    const error = el.matches(errors) ? el : el.closest(errors);
    if (!error) continue;
    error.textContent = '';
    delete error.dataset.kind;
  }
  touched.clear();
}

/** Notes what changed during the outage, and locks the action controls drawn meanwhile. */
function note(record) {
  const target = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
  if (target) touched.add(target);
  for (const node of record.addedNodes ?? []) {
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    touched.add(node);
    node.querySelectorAll(errors).forEach(el => touched.add(el));
    if (node.matches(actions)) lock(node);
    node.querySelectorAll(actions).forEach(lock);
  }
}

// aria-disabled, not disabled: a screen's own disabled state (a button busy with a step) stays
// as the screen set it, and only what was locked here is unlocked.
function lock(el) {
  if (el.hasAttribute('aria-disabled')) return;
  el.setAttribute('aria-disabled', 'true');
  el.dataset.offlineLock = '';
}

function unlock(el) {
  el.removeAttribute('aria-disabled');
  delete el.dataset.offlineLock;
}

// Blocks clicks (also a keyboard's Enter or Space, which click) and form submits in the screen
// while offline, before any handler of the screen sees them.
function guard(e) {
  if (!offline() || !inArea(e.target)) return;
  if (e.type === 'click' && !e.target.closest(actions)) return;
  if (e.target.closest?.('.offline-ok')) return;
  e.preventDefault();
  e.stopImmediatePropagation();
}
document.addEventListener('click', guard, true);
document.addEventListener('submit', guard, true);
