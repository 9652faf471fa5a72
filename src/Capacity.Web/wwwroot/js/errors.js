// What went wrong, in Dutch, where it concerns: the service's answers carry a reason code per
// violation (docs/ERRORS.md); the page maps each code to a sentence (reasonTexts in texts/errors.js) and
// puts it next to the field it concerns. The service's English text is never shown: an unknown
// code, or an error without one, gets a general Dutch sentence.
import { h, say } from './dom.js';
import { reasonTexts, unknownReasonText, problemText } from './texts/errors.js';

/**
 * A problem the page found itself, said in Dutch: with the fields it concerns (violations, as the
 * service names them) or none.
 */
export class Problem extends Error {
  constructor(text = '', violations = []) { super(text); this.violations = violations; }

  /** Adds a field's problem: its Dutch text, or a reason code's. */
  add(field, textOrReason) {
    const text = /^[A-Z0-9_]+$/.test(textOrReason) ? reasonText(textOrReason) : textOrReason;
    this.violations.push({ field, reason: /^[A-Z0-9_]+$/.test(textOrReason) ? textOrReason : null, text });
    this.message = [...new Set(this.violations.map(v => v.text))].join(' ');
    return this;
  }

  get any() { return this.violations.length > 0; }
}

/** The page's own checks of a form, in the service's words: [[field, REASON], …]. */
export function fieldProblems(list = []) {
  const problem = new Problem();
  for (const [field, reason] of list) problem.add(field, reason);
  return problem;
}

export const reasonText = code => reasonTexts[code] ?? unknownReasonText;

/** A refused hub call's own text ("HubException: …"), or null for any other error. */
function hubText(err) {
  const m = /HubException: (.*)$/s.exec(err?.message ?? '');
  return m ? m[1] : null;
}

/** The field violations of an error: [{ field, reason, text }]. */
export function violationsOf(err) {
  if (err instanceof Problem) return err.violations;
  if (Array.isArray(err?.fields)) return err.fields.map(f => ({ field: f.field, reason: f.reason, text: reasonText(f.reason) }));
  const hub = hubText(err);
  if (!hub || !/^Invalid (search|region): /.test(hub)) return [];
  // "Invalid search: patient_postcode [POSTCODE_UNKNOWN]: …; start_date [DATE_IN_PAST]: …"
  return [...hub.matchAll(/(?:: |; )([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*) \[([A-Z0-9_]+)\]: /g)]
    .map(m => ({ field: m[1], reason: m[2], text: reasonText(m[2]) }));
}

/** The reason code of a refusal that concerns no one field (google.rpc.ErrorInfo, or "[CODE]" in a hub refusal). */
export function reasonOf(err) {
  const info = err?.details?.find?.(d => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
  if (info) return info.reason;
  return /\[([A-Z0-9_]+)\]\s*$/.exec(hubText(err) ?? '')?.[1] ?? null;
}

/** One Dutch sentence for any error: a refusal's reason, every violation's text, or what its status means. */
export function errorText(err) {
  if (err instanceof Problem) return err.message;
  const violations = violationsOf(err);
  if (violations.length) return [...new Set(violations.map(v => v.text))].join(' ');
  const reason = reasonOf(err);
  if (reason) return reasonText(reason);
  if (err?.isApiError) return err.message; // Dutch, chosen by its gRPC code (api.js)
  const message = err?.message ?? '';
  if (!hubText(err) && /connection|fetch|network/i.test(message)) return problemText(0);
  console.warn('error without a reason code', err);
  return unknownReasonText;
}

/** The element that shows a field's message: the field's own (id-error) or one made after it. */
function messageFor(input) {
  const id = `${input.id}-error`;
  let el = document.getElementById(id);
  if (!el) {
    el = h('p', { class: 'error field-error', id, dataset: { made: '' } });
    (input.closest('.field') ?? input).after(el);
  }
  return el;
}

/** The input of a field: by its whole name, a leading part (figures[3] for figures[3].free_places), or its last part. */
function lookUp(fieldsByName, field) {
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const name = parts.slice(0, n).join('.');
    if (fieldsByName[name]) return fieldsByName[name];
  }
  const plain = field.replace(/\[\d+\]/g, '');
  return fieldsByName[plain] ?? fieldsByName[plain.split('.').pop()] ?? null;
}

/** Takes away what showFieldErrors showed (call it on the next submit). */
export function clearFieldErrors(fieldsByName) {
  for (const input of new Set(Object.values(fieldsByName))) {
    if (!input?.id) continue;
    input.removeAttribute('aria-invalid');
    const id = `${input.id}-error`;
    const el = document.getElementById(id);
    if (el && el.dataset.made === undefined) { el.textContent = ''; continue; } // the form's own message element: described by it always
    el?.remove();
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(x => x && x !== id);
    if (described.length) input.setAttribute('aria-describedby', described.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

/**
 * Shows an error where it concerns: each violation's Dutch sentence next to its field
 * (fieldsByName: the service's field name → its input; nested names match by their last part),
 * the field marked aria-invalid and described by the sentence; what concerns no field shown in
 * fallbackEl. Clears what it showed before. Focuses the first field it marks.
 */
export function showFieldErrors(err, fieldsByName, fallbackEl) {
  clearFieldErrors(fieldsByName);
  const rest = [];
  let first = null;
  for (const v of violationsOf(err)) {
    const input = lookUp(fieldsByName, v.field);
    if (!input) { rest.push(v.text); continue; }
    const el = messageFor(input);
    el.textContent = el.textContent && !el.textContent.includes(v.text) ? `${el.textContent} ${v.text}` : v.text;
    input.setAttribute('aria-invalid', 'true');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    if (!described.includes(el.id)) input.setAttribute('aria-describedby', [...described, el.id].join(' '));
    first ??= input;
  }
  const text = rest.length ? [...new Set(rest)].join(' ') : first ? '' : errorText(err);
  if (fallbackEl) {
    if (fallbackEl.matches('.status')) say(fallbackEl, text, text ? 'error' : 'ok');
    else fallbackEl.textContent = text;
  }
  (first?.matches('fieldset') ? first.querySelector('input, select, textarea') : first)?.focus();
  return first !== null || !!text;
}
