// A provider's client stops: the ones in force or coming, each to lift, a page at a time ("Meer
// laden"), and the form to declare one for some or all insurers, care types and a period.
import { h, field, say, requestIds } from './dom.js';
import { api, pager } from './api.js';
import { moreButton } from './blocks.js';
import { careTypes, stopReasons, texts, label, proto, formatDay, today, dateMessage } from './labels.js';

/**
 * The client-stops section of provider <paramref>agb</paramref>: its element and load (the stops
 * shown read again — as many as were shown, not every stop).
 */
export function clientStops(agb, insurers) {
  const stopsList = h('ul', { id: 'stops', class: 'stops' });
  const listStatus = h('p', { class: 'status', role: 'status', id: 'stops-status' });
  const moreStops = moreButton('stops-more', () => stopPages.more().catch(e => say(listStatus, e.message, 'error')), stopsList);
  const stopForm = stopFormFor(insurers);
  const section = h('section', { class: 'card', 'aria-labelledby': 'stops-title' },
    h('h2', { id: 'stops-title' }, texts.stopsTitle), stopsList, moreStops, listStatus, stopForm.form);
  const names = new Map(insurers.map(i => [i.uzovi, i.name]));

  const stopItem = s => {
    const status = h('span', { class: 'status', role: 'status' });
    return h('li', { dataset: { id: s.id } },
      h('strong', {}, s.insurerUzovis?.length ? s.insurerUzovis.map(u => names.get(u) ?? u).join(', ') : texts.allInsurers),
      ` · ${s.careTypes?.length ? s.careTypes.map(c => label(careTypes, c)).join(', ') : texts.allCareTypes}`,
      ` · ${s.pc4s?.length ? s.pc4s.join(', ') : texts.wholeArea}`,
      ` · ${texts.stopPeriod(formatDay(s.from), s.until ? formatDay(s.until) : null)}`,
      ` · ${label(stopReasons, s.reason)}${s.reasonText ? `: ${s.reasonText}` : ''} `,
      h('button', { type: 'button', class: 'link', onclick: async () => {
        try { await api(`client-stops/${encodeURIComponent(s.id)}/lift`, { method: 'POST' }); await loadStops(); } catch (err) { say(status, err.message, 'error'); }
      } }, texts.liftStop), status);
  };
  const stopPages = pager('client-stops', answer => answer.stops, s => s.id, stops => {
    // Only the stops that are new or changed are drawn anew: a lift's status stays with its stop.
    const drawn = new Map([...stopsList.children].filter(li => li.dataset.id).map(li => [li.dataset.id, li]));
    stopsList.replaceChildren(...(stops.length === 0 ? [h('li', { class: 'muted' }, texts.noStops)] : stops.map(s => drawn.get(s.id) ?? stopItem(s))));
    moreStops.hidden = !stopPages.hasMore;
  }, { pageSize: 25, query: () => ({ providerAgb: agb }) });
  const loadStops = () => stopPages.first();
  stopForm.onDeclared = loadStops;
  stopForm.agb = agb;

  return { section, load: loadStops };
}

function stopFormFor(insurers) {
  const boxes = insurers.map(i => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: i.uzovi, name: 'stop-insurer' }), ` ${i.name}`));
  const careBoxes = Object.entries(careTypes).map(([k, v]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: k, name: 'stop-care' }), ` ${v}`));
  const from = h('input', { type: 'date', id: 'stop-from', value: today(), required: true });
  const until = h('input', { type: 'date', id: 'stop-until' });
  const reason = h('select', { id: 'stop-reason' }, Object.entries(stopReasons).map(([k, v]) => h('option', { value: k }, v)));
  const text = h('input', { id: 'stop-text', maxlength: 500, placeholder: 'bijv. verwijs naar de zorgbemiddeling van de verzekeraar' });
  const status = h('p', { class: 'status', role: 'status', id: 'stop-status' });
  const self = {};
  const declarations = requestIds(); // the same id until the stop is declared: a retry never declares it twice
  self.form = h('form', { class: 'stop-form', onsubmit: async e => {
    e.preventDefault();
    const stop = {
      providerAgb: self.agb,
      insurerUzovis: [...self.form.querySelectorAll('input[name=stop-insurer]:checked')].map(b => b.value),
      careTypes: [...self.form.querySelectorAll('input[name=stop-care]:checked')].map(b => proto('CARE_TYPE_', b.value)),
      from: dateMessage(from.value),
      ...(until.value ? { until: dateMessage(until.value) } : {}),
      reason: proto('CLIENT_STOP_REASON_', reason.value),
      reasonText: text.value.trim(),
    };
    try {
      await api('client-stops', { method: 'POST', body: stop, query: { requestId: declarations.for('stop', stop) } });
      declarations.done('stop');
      say(status, 'Cliëntenstop ingesteld.');
      self.form.reset();
      from.value = today();
      await self.onDeclared?.();
    } catch (err) {
      say(status, err.message, 'error');
    }
  } },
    h('h3', {}, 'Cliëntenstop instellen'),
    h('fieldset', {}, h('legend', {}, 'Voor patiënten van (niets gekozen: alle verzekeraars)'), boxes),
    h('fieldset', {}, h('legend', {}, 'Zorgsoorten (niets gekozen: alle)'), careBoxes),
    h('div', { class: 'row' }, field('Vanaf', from), field('Tot en met', until, 'leeg: tot u hem opheft')),
    field('Reden', reason), field('Toelichting', text),
    h('button', { type: 'submit', id: 'declare-stop' }, 'Cliëntenstop instellen'), status);
  return self;
}
