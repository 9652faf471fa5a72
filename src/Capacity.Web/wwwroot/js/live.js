// The live channel: one SignalR connection to /hubs/coordination per page. It reconnects by
// itself; after every (re)connect each screen resyncs what it shows (subscriptions belong to a
// connection and are gone after a reconnect, and pushes may have been missed meanwhile). A drop
// puts the page in its offline state (offline.js) at once; the resync after the reconnect ends it.
import { session } from './session.js';
import * as offline from './offline.js';
import { reasonOf } from './errors.js';

const handlers = new Map();   // hub method -> Set of callbacks
const resyncs = new Set();    // called after each (re)connect
let connection;
let statusEl;

function setStatus(state, text) {
  if (!statusEl) return;
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

export function on(method, callback) {
  if (!handlers.has(method)) {
    handlers.set(method, new Set());
    connection?.on(method, (...args) => handlers.get(method).forEach(cb => cb(...args)));
  }
  handlers.get(method).add(callback);
}

/** Runs callback now if connected, and after every reconnect: (re)subscribe and reload there. */
export function onConnected(callback) {
  resyncs.add(callback);
  if (connection?.state === 'Connected') callback();
}

export function invoke(method, ...args) {
  return connection.invoke(method, ...args);
}

export function connected() {
  return connection?.state === 'Connected';
}

/**
 * Reads every screen's state again; false when a reading could not reach the service or its store
 * (a hub call refused with STORE_UNAVAILABLE while the hub's socket stays up counts too; other
 * refusals are the screens' own to show).
 */
async function resyncScreens() {
  let ok = true;
  for (const callback of resyncs) {
    try { await callback(); } catch (e) {
      if (reasonOf(e) === 'STORE_UNAVAILABLE' || !connected()) ok = false;
      console.error('resync failed', e);
    }
  }
  return ok;
}
offline.setRetry(resyncScreens);

async function resync() {
  setStatus('live', 'live');
  offline.hub(true);
  const before = offline.mark();
  const ok = await resyncScreens();
  offline.resynced(before, ok); // the banner goes once what the screen shows was read again
}

function dropped(state, text) {
  setStatus(state, text);
  offline.hub(false);
}

async function startLoop() {
  for (let attempt = 0; ; attempt++) {
    try {
      setStatus('connecting', attempt ? 'verbinding herstellen…' : 'verbinden…');
      await connection.start();
      await resync();
      return;
    } catch (e) {
      console.warn('hub connection failed', e);
      // A token that expired (or was refused) will not get better by retrying: sign in again.
      if (!session.valid || e?.statusCode === 401 || /\b401\b/.test(e?.message ?? '')) { session.expired(); return; }
      dropped('offline', 'geen verbinding, opnieuw proberen…');
      await new Promise(r => setTimeout(r, Math.min(10000, 1000 * 2 ** Math.min(attempt, 4))));
    }
  }
}

export function start(status) {
  statusEl = status;
  const signalR = window.signalR;
  connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/coordination', { accessTokenFactory: () => session.token })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: ctx => Math.min(10000, [0, 1000, 2000, 5000][ctx.previousRetryCount] ?? 10000) })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  for (const [method, callbacks] of handlers) connection.on(method, (...args) => callbacks.forEach(cb => cb(...args)));
  connection.onreconnecting(() => dropped('connecting', 'verbinding herstellen…'));
  connection.onreconnected(() => resync());
  // The retry policy above never gives up; should the connection still close (a refused
  // reconnect), start over — a coordinator's screen must not go stale silently.
  connection.onclose(() => { offline.hub(false); startLoop(); });
  return startLoop();
}
