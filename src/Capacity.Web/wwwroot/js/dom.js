// Tiny DOM helpers: the page is plain ES modules, no framework and no build step.

/** Creates an element: h('button', { class: 'primary', onclick }, 'Zoeken'). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Shows a message in a status element (role=status/alert) and clears it after a while. */
export function say(el, text, kind = 'ok') {
  el.textContent = text;
  el.dataset.kind = kind;
  clearTimeout(el._timer);
  if (kind === 'ok' && text) el._timer = setTimeout(() => { el.textContent = ''; }, 8000);
}

/** A labelled form field; its hint is read out with the field (aria-describedby). */
export function field(label, input, hint) {
  const id = input.id || (input.id = `f-${Math.random().toString(36).slice(2, 9)}`);
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('small', { id: `${id}-hint` }, hint) : null);
}

export function uuid() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/**
 * Request ids that outlive a click: for(key, body) gives the same id until done(key), so a retry
 * (a second click, a card redrawn by a push meanwhile) makes the service do the step once; a
 * different body (another choice of providers) is another request and gets a new id.
 */
export function requestIds() {
  const ids = new Map();
  return {
    for(key, body = null) {
      const text = JSON.stringify(body);
      const known = ids.get(key);
      if (known?.body === text) return known.id;
      const id = uuid();
      ids.set(key, { body: text, id });
      return id;
    },
    done(key) { ids.delete(key); },
  };
}

/**
 * Shows items in container, reusing the element of an item whose version did not change, and
 * moving only what moved: a live refresh neither wipes what a user typed or ticked in an
 * unchanged card nor takes the keyboard focus away from it.
 */
export function keyed(container, items, keyOf, versionOf, render, empty) {
  const previous = container._keyed ?? new Map();
  const next = new Map();
  const elements = items.map(item => {
    const key = keyOf(item), version = versionOf(item);
    const old = previous.get(key);
    const el = old && old.version === version ? old.el : render(item);
    next.set(key, { el, version });
    return el;
  });
  container._keyed = next;
  if (elements.length === 0) { fill(container, empty); return; }
  const keep = new Set(elements);
  for (const child of [...container.children]) if (!keep.has(child)) child.remove();
  elements.forEach((el, i) => { if (container.children[i] !== el) container.insertBefore(el, container.children[i] ?? null); });
}

/** Forgets what keyed() drew in container: the next call renders every item anew (another list in the same place). */
keyed.reset = container => { container._keyed = null; };

/**
 * Wraps a loader so that of overlapping runs only the latest applies its answer: load(isLatest)
 * fetches, then draws only if isLatest(). Failures are reported to onError (default: console).
 */
export function latest(load, onError = e => console.error(e)) {
  let run = 0;
  return async () => {
    const mine = ++run;
    try { await load(() => mine === run); } catch (e) { if (mine === run) onError(e); }
  };
}
