// A confirmation before an action that is hard to undo: the browser's own modal <dialog>, so the
// page behind it is inert, Escape cancels and the focus comes back where it was.
import { h } from './dom.js';

/**
 * Asks whether to go on: resolves true only on the confirm button; the cancel button, Escape or
 * closing the dialog otherwise resolve false. The focus starts on the cancel button (the safe
 * choice on a stray Enter) and returns to what had it before.
 */
export function confirmAction({ title, text, note, yes, no }) {
  const before = document.activeElement;
  const cancel = h('button', { type: 'button', class: 'offline-ok', value: 'no', 'data-confirm': 'no' }, no);
  const accept = h('button', { type: 'button', class: 'primary', value: 'yes', 'data-confirm': 'yes' }, yes);
  const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
    h('h2', { id: 'confirm-title' }, title),
    h('p', { id: 'confirm-text' }, text),
    note ? h('p', { class: 'muted' }, note) : null,
    h('div', { class: 'actions' }, accept, cancel));
  document.body.append(dialog);
  return new Promise(resolve => {
    let answer = false;
    accept.addEventListener('click', () => { answer = true; dialog.close(); });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (before?.isConnected) before.focus({ preventScroll: true });
      resolve(answer);
    });
    dialog.showModal();
    cancel.focus();
  });
}
