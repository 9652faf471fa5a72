// The form that declares a client stop. Every scope is a deliberate choice — insurers, care types,
// areas ("alle …" is an option of its own, nothing ticked is no choice) and an end date or "tot
// nader order" — and the stop is sent only after a confirmation that says its effect in words.
import { h, fill, field, say, requestIds } from './dom.js';
import { api } from './api.js';
import { confirmAction } from './confirm.js';
import { showFieldErrors, clearFieldErrors, Problem } from './errors.js';
import { careTypes, stopReasons, key, proto, today, dateMessage } from './labels.js';
import { safeTexts, stopEffect } from './texts/safe.js';

const All = '*';

/**
 * A group of checkboxes with an "all" choice of its own: ticking "all" clears the others, ticking
 * another clears "all". chosen() is undefined when nothing is ticked, null for "all", else the values.
 */
function choiceGroup(id, legend, allText, options) {
  const error = h('p', { class: 'error field-error', id: `${id}-error` });
  const list = h('div', { class: 'choices' });
  const fieldset = h('fieldset', { id, class: 'stop-choice', 'aria-describedby': `${id}-error` }, h('legend', {}, legend), list, error);
  const boxes = () => [...list.querySelectorAll('input[type=checkbox]')];
  const onchange = e => {
    const box = e.target;
    if (box.checked) boxes().filter(b => (box.value === All ? b !== box : b.value === All)).forEach(b => { b.checked = false; });
    fieldset.removeAttribute('aria-invalid');
    error.textContent = '';
  };
  const draw = (items, note) => fill(list,
    h('label', { class: 'check all' }, h('input', { type: 'checkbox', name: id, value: All, onchange }), ` ${allText}`),
    items.map(([value, text]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: id, value, onchange }), ` ${text}`)),
    note ? h('span', { class: 'muted' }, note) : null);
  draw(options);
  return {
    fieldset, draw,
    chosen() {
      const values = boxes().filter(b => b.checked).map(b => b.value);
      return values.length === 0 ? undefined : values.includes(All) ? null : values;
    },
    invalid(text) {
      fieldset.setAttribute('aria-invalid', 'true');
      error.textContent = text;
      boxes()[0]?.focus();
    },
    clear() { fieldset.removeAttribute('aria-invalid'); error.textContent = ''; },
  };
}

/** The form for provider agb; onDeclared runs after a stop was declared. setProvider draws the provider's areas and care types. */
export function stopForm(agb, insurers, onDeclared) {
  const names = new Map(insurers.map(i => [i.uzovi, i.name]));
  const insurerGroup = choiceGroup('stop-insurers', safeTexts.stopInsurers, safeTexts.allInsurersChoice, insurers.map(i => [i.uzovi, i.name]));
  const careGroup = choiceGroup('stop-care', safeTexts.stopCareTypes, safeTexts.allCareTypesChoice, Object.entries(careTypes));
  const areaGroup = choiceGroup('stop-areas', safeTexts.stopAreas, safeTexts.wholeAreaChoice, []);
  areaGroup.draw([], safeTexts.areasLoading);
  let provider = null;

  const from = h('input', { type: 'date', id: 'stop-from', value: today(), min: today(), required: true });
  const until = h('input', { type: 'date', id: 'stop-until', 'aria-describedby': 'stop-until-error', oninput: () => { if (until.value) openEnded.checked = false; untilError.textContent = ''; } });
  const openEnded = h('input', { type: 'checkbox', id: 'stop-open-ended', onchange: () => {
    if (openEnded.checked) until.value = '';
    untilError.textContent = '';
  } });
  const untilError = h('p', { class: 'error field-error', id: 'stop-until-error' });
  const reason = h('select', { id: 'stop-reason' }, Object.entries(stopReasons).map(([k, v]) => h('option', { value: k }, v)));
  const text = h('input', { id: 'stop-text', maxlength: 500, placeholder: safeTexts.stopReasonTextPlaceholder });
  const status = h('p', { class: 'status', role: 'status', id: 'stop-status' });
  const submit = h('button', { type: 'submit', id: 'declare-stop' }, safeTexts.declareTitle);
  const declarations = requestIds(); // the same id until the stop is declared: a retry never declares it twice
  let busy = false;
  // The service's field names: a refusal's reasons land next to these.
  const stopFields = {
    'stop.insurer_uzovis': insurerGroup.fieldset, 'stop.care_types': careGroup.fieldset, 'stop.pc4s': areaGroup.fieldset,
    'stop.from': from, 'stop.until': until, 'stop.reason': reason, 'stop.reason_text': text,
  };

  /** The choices, or null after marking the first one missing. */
  function read() {
    clearFieldErrors(stopFields);
    [insurerGroup, careGroup, areaGroup].forEach(g => g.clear());
    untilError.textContent = '';
    const scope = { insurers: insurerGroup.chosen(), careTypes: careGroup.chosen(), areas: areaGroup.chosen() };
    if (scope.insurers === undefined) { insurerGroup.invalid(safeTexts.pickInsurers); return null; }
    if (scope.careTypes === undefined) { careGroup.invalid(safeTexts.pickCareTypes); return null; }
    if (scope.areas === undefined) { areaGroup.invalid(safeTexts.pickAreas); return null; }
    // Each date's message next to it, described by it (the start date's element made by errors.js).
    const bad = (field, message) => { showFieldErrors(new Problem().add(field, message), stopFields, status); return null; };
    if (!from.value) return bad('stop.from', safeTexts.pickFrom);
    if (!until.value && !openEnded.checked) return bad('stop.until', safeTexts.pickUntil);
    if (until.value && until.value < from.value) return bad('stop.until', safeTexts.untilBeforeFrom);
    return { ...scope, from: from.value, until: until.value || null };
  }

  function reset() {
    form.reset();
    from.value = today();
    [insurerGroup, careGroup, areaGroup].forEach(g => g.clear());
  }

  const form = h('form', { class: 'stop-form', novalidate: true, onsubmit: async e => {
    e.preventDefault();
    if (busy) return;
    const choice = read();
    if (!choice) return;
    const stop = {
      providerAgb: agb,
      insurerUzovis: choice.insurers ?? [],
      careTypes: (choice.careTypes ?? []).map(c => proto('CARE_TYPE_', c)),
      pc4s: choice.areas ?? [],
      from: dateMessage(choice.from),
      ...(choice.until ? { until: dateMessage(choice.until) } : {}),
      reason: proto('CLIENT_STOP_REASON_', reason.value),
      reasonText: text.value.trim(),
    };
    busy = true; // one confirmation at a time; the button stays enabled so the focus can come back to it
    try {
      const yes = await confirmAction({
        title: safeTexts.confirmStopTitle,
        text: stopEffect({ ...choice, insurers: choice.insurers?.map(u => names.get(u) ?? u) ?? null }),
        note: safeTexts.stopExempt,
        yes: safeTexts.confirmStopYes, no: safeTexts.confirmStopNo,
      });
      if (!yes) return;
      submit.disabled = true;
      await api('client-stops', { method: 'POST', body: stop, query: { requestId: declarations.for('stop', stop) } });
      declarations.done('stop');
      say(status, safeTexts.stopDeclared);
      reset();
      await onDeclared?.();
    } catch (err) {
      showFieldErrors(err, stopFields, status);
    } finally {
      busy = false;
      submit.disabled = false;
    }
  } },
    h('h3', {}, safeTexts.declareTitle),
    insurerGroup.fieldset, careGroup.fieldset, areaGroup.fieldset,
    h('div', { class: 'row' },
      field(safeTexts.stopFrom, from),
      h('div', { class: 'field stop-until' },
        h('label', { for: 'stop-until' }, safeTexts.stopUntil), until,
        h('label', { class: 'check' }, openEnded, ` ${safeTexts.untilFurtherNotice}`))),
    untilError,
    field(safeTexts.stopReason, reason), field(safeTexts.stopReasonText, text),
    submit, status);

  return {
    form, status,
    /** Draws the provider's served areas and the care types it gives (once; later calls keep what is ticked). */
    setProvider(p) {
      if (provider) return;
      if (!p) { areaGroup.draw([], safeTexts.areasFailed); return; }
      provider = p;
      areaGroup.draw([...(p.servedPc4s ?? [])].sort().map(pc4 => [pc4, pc4]));
      const given = (p.careTypes ?? []).map(key).filter(t => careTypes[t]);
      if (given.length) careGroup.draw(Object.entries(careTypes).filter(([t]) => given.includes(t)));
    },
  };
}
