// Blocks the screens share: a desk's contact (phone as a tel: link, e-mail as mailto:, hours), a
// list of facts, the warning for care without a contract, a list control with "Meer laden".
import { h } from './dom.js';
import { texts, telHref } from './labels.js';

/** A desk's contact: phone (tel:), e-mail (mailto:, unless left out) and hours, each only when given. */
export function contact(c, label, { email = true } = {}) {
  if (!c?.phone && !(email && c?.email)) return h('span', { class: 'contact muted' }, texts.noContact);
  return h('span', { class: 'contact' },
    c.phone ? h('a', { class: 'tel', href: telHref(c.phone), 'aria-label': label ? texts.call(label, c.phone) : null }, c.phone) : null,
    email && c.email ? h('a', { class: 'mail', href: `mailto:${c.email}` }, c.email) : null,
    c.hours ? h('span', { class: 'hours' }, c.hours) : null);
}

/** Label–value pairs as a definition list; pairs without a value are left out. */
export function facts(pairs, attrs = {}) {
  return h('dl', { ...attrs, class: `facts ${attrs.class ?? ''}`.trim() },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([term, value, dataset]) => h('div', { dataset }, h('dt', {}, term), h('dd', {}, value))));
}

/** That the patient may have to pay part of care from a provider the insurer has not contracted. */
export function uncontractedWarning(insurerName) {
  return h('p', { class: 'warn-box uncontracted-warning' }, texts.uncontractedWarning(insurerName));
}

/**
 * A "Meer laden" button for list that shows itself only while there is more to read. When it hides
 * itself after a click, the keyboard focus goes on at the first item it added (not at the page's start).
 */
export function moreButton(id, onclick, list) {
  const button = h('button', { type: 'button', class: 'more', id, hidden: true }, texts.more);
  button.addEventListener('click', async () => {
    const before = new Set(list.children);
    button.disabled = true;
    try { await onclick(); } finally { button.disabled = false; }
    const focusLost = document.activeElement === button || document.activeElement === document.body || !document.activeElement;
    if (!button.hidden || !focusLost) return;
    const added = [...list.children].find(el => !before.has(el));
    if (!added) return;
    if (!added.hasAttribute('tabindex')) added.tabIndex = -1;
    added.focus();
  });
  return button;
}

/** A checkbox "ook ouder dan 14 dagen". */
export function olderToggle(id, onchange) {
  const box = h('input', { type: 'checkbox', id, onchange: () => onchange(box.checked) });
  return { box, label: h('label', { class: 'check older', for: id }, box, ` ${texts.includeOlder}`) };
}
