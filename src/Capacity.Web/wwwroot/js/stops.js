// A provider's client stops: the ones in force or coming, each to lift (after a confirmation), a
// page at a time ("Meer laden"), and the form to declare one (stop-form.js).
import { h, say } from './dom.js';
import { errorText } from './errors.js';
import { api, pager } from './api.js';
import { moreButton } from './blocks.js';
import { confirmAction } from './confirm.js';
import { stopForm } from './stop-form.js';
import { careTypes, stopReasons, texts, label, formatDay } from './labels.js';
import { safeTexts } from './texts/safe.js';

/**
 * The client-stops section of provider <paramref>agb</paramref>: its element and load (the stops
 * shown read again — as many as were shown, not every stop). provider: the provider as the
 * registry has it (its served areas and care types); read here when not given.
 */
export function clientStops(agb, insurers, provider) {
  const stopsList = h('ul', { id: 'stops', class: 'stops' });
  const listStatus = h('p', { class: 'status', role: 'status', id: 'stops-status' });
  const moreStops = moreButton('stops-more', () => stopPages.more().catch(e => say(listStatus, errorText(e), 'error')), stopsList);
  const names = new Map(insurers.map(i => [i.uzovi, i.name]));
  const form = stopForm(agb, insurers, async () => { say(listStatus, ''); await loadStops(); });
  const section = h('section', { class: 'card', 'aria-labelledby': 'stops-title' },
    h('h2', { id: 'stops-title' }, texts.stopsTitle), stopsList, moreStops, listStatus, form.form);

  const parts = s => [
    s.insurerUzovis?.length ? s.insurerUzovis.map(u => names.get(u) ?? u).join(', ') : texts.allInsurers,
    s.careTypes?.length ? s.careTypes.map(c => label(careTypes, c)).join(', ') : texts.allCareTypes,
    s.pc4s?.length ? s.pc4s.join(', ') : texts.wholeArea,
    texts.stopPeriod(formatDay(s.from), s.until ? formatDay(s.until) : null),
  ];

  const stopItem = s => {
    const status = h('span', { class: 'status', role: 'status' });
    const [who, ...rest] = parts(s);
    let asking = false;
    const lift = h('button', { type: 'button', class: 'link', onclick: async () => {
      if (asking || lift.disabled) return;
      asking = true;
      const yes = await confirmAction({
        title: safeTexts.confirmLiftTitle, text: safeTexts.confirmLiftText(`voor ${parts(s).join(' · ')}`),
        yes: safeTexts.confirmLiftYes, no: safeTexts.confirmLiftNo,
      }).finally(() => { asking = false; });
      if (!yes) return;
      lift.disabled = true;
      try {
        await api(`client-stops/${encodeURIComponent(s.id)}/lift`, { method: 'POST' });
        say(form.status, ''); // an earlier "ingesteld" is no longer the news
        say(listStatus, safeTexts.stopLifted);
        await loadStops();
      } catch (err) {
        lift.disabled = false;
        say(status, errorText(err), 'error');
      }
    } }, texts.liftStop);
    return h('li', { dataset: { id: s.id } },
      h('strong', {}, who),
      rest.map(p => ` · ${p}`),
      ` · ${label(stopReasons, s.reason)}${s.reasonText ? `: ${s.reasonText}` : ''} `,
      lift, status);
  };
  const stopPages = pager('client-stops', answer => answer.stops, s => s.id, stops => {
    // Only the stops that are new or changed are drawn anew: a lift's status stays with its stop.
    const drawn = new Map([...stopsList.children].filter(li => li.dataset.id).map(li => [li.dataset.id, li]));
    stopsList.replaceChildren(...(stops.length === 0 ? [h('li', { class: 'muted' }, texts.noStops)] : stops.map(s => drawn.get(s.id) ?? stopItem(s))));
    moreStops.hidden = !stopPages.hasMore;
  }, { pageSize: 25, query: () => ({ providerAgb: agb }) });
  const loadStops = () => stopPages.first();

  // The form's areas and care types are the provider's own: read with each load until they came.
  let registered = provider ?? null;
  const readProvider = async () => {
    registered ??= await api(`providers/${encodeURIComponent(agb)}`).catch(() => null);
    form.setProvider(registered);
  };

  return { section, load: () => Promise.all([loadStops(), readProvider()]) };
}
