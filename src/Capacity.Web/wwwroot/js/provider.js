// Provider: its free capacity per area × care type in one grid that saves in one action, its
// client stops, its inbox of offers (accept with the first visit / decline) and its new clients
// with the requester's transfer desk, live; a nudge when figures go stale.
import { h, fill, field, say, keyed, latest, requestIds } from './dom.js';
import { errorText, reasonOf, Problem, showFieldErrors, clearFieldErrors } from './errors.js';
import { api, listInsurers, pager, insurerName as nameIn } from './api.js';
import * as live from './live.js';
import { clientStops } from './stops.js';
import { capacityEndpoint } from './pull-endpoint.js';
import { capacityImport } from './capacity-import.js';
import { outlookEditor, refreshOutlook, outlookInputs, outlookChanged, outlookOf } from './capacity-outlook.js';
import { contact, facts, uncontractedWarning, moreButton, olderToggle } from './blocks.js';
import {
  careTypes, declineReasons, texts, label, key, proto, formatDay, formatTime, formatMoment, formatWeekDay, ago, today,
  dateMessage, isoDay, addDays,
} from './labels.js';

/** Matching leaves a figure out once it is older than the service's freshness window; nudge at three quarters of it. */
const nudgeAt = 0.75;

export async function render(main, identity) {
  document.title = 'Capaciteit — Capaciteit wijkverpleging';
  const agb = identity.code;
  const path = `providers/${encodeURIComponent(agb)}`;
  const [provider, insurers] = await Promise.all([api(path), listInsurers()]);

  const inbox = h('div', { id: 'inbox', class: 'inbox', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Laden…'));
  const inboxStatus = h('p', { class: 'status', role: 'status', id: 'inbox-status' });
  const nudge = h('p', { id: 'stale-nudge', class: 'nudge', role: 'status', hidden: true });
  const grid = h('div', { id: 'capacity-grid', class: 'grid-wrap' }, h('p', { class: 'muted' }, 'Laden…'));
  const saveButton = h('button', { type: 'submit', class: 'primary', id: 'save-capacity' }, 'Alles opslaan');
  const saveStatus = h('p', { class: 'status', role: 'status', id: 'save-status' });
  const outlook = outlookEditor(); // the 7-day outlook of one area at a time, under the grid
  const gridForm = h('form', { class: 'card capacity', 'aria-labelledby': 'capacity-title', novalidate: true },
    h('h2', { id: 'capacity-title' }, 'Vrije plaatsen per postcodegebied'),
    h('p', { class: 'muted' }, 'Pas de aantallen aan en sla alles in één keer op. Tab en pijltjes werken; Enter slaat op.'),
    nudge, grid, outlook.section, h('div', { class: 'actions' }, saveButton, saveStatus));
  const stops = clientStops(agb, insurers, provider);
  const endpoint = capacityEndpoint(agb, () => loadCapacity());
  const importCard = capacityImport(agb, () => loadCapacity()); // applied rows show in the grid at once

  const clients = h('div', { id: 'placements', class: 'placements' }, h('p', { class: 'muted' }, texts.loading));
  const clientsStatus = h('p', { class: 'status', role: 'status', id: 'placements-status' });
  const olderClients = olderToggle('placements-older', () => { clientPages.reset(); loadPlacements(); });
  const moreClients = moreButton('placements-more', () => clientPages.more().catch(e => say(clientsStatus, errorText(e), 'error')), clients);

  fill(main, h('div', { class: 'provider' },
    h('section', { class: 'card', 'aria-labelledby': 'inbox-title' },
      h('h1', { id: 'inbox-title' }, `Aanvragen voor ${provider.name}`), inboxStatus, inbox),
    gridForm, importCard,
    h('section', { class: 'card clients', 'aria-labelledby': 'placements-title' },
      h('div', { class: 'list-controls' }, h('h2', { id: 'placements-title' }, texts.newClients), olderClients.label),
      clientsStatus, clients, moreClients),
    stops.section,
    endpoint.section));
  const insurerName = uzovi => nameIn(insurers, uzovi);

  // --- capacity grid ---
  let figures = [];
  let staleAfterHours = 24;
  const loadCapacity = latest(async isLatest => {
    const response = await api(`${path}/capacity`);
    if (!isLatest()) return;
    figures = response.figures ?? [];
    staleAfterHours = (parseFloat(response.freshnessWindow) || 86400) / 3600; // a Duration in JSON: "86400s"
    if (!updateGrid()) drawGrid();
    drawNudge();
  }, e => say(saveStatus, errorText(e), 'error'));

  /** Refreshes the grid's cells in place (same cells as drawn): what a user is editing stays as it is. */
  function updateGrid() {
    const inputs = grid.querySelectorAll('input.cell');
    if (inputs.length !== figures.length) return false;
    const at = new Map(figures.map(f => [`${f.pc4}|${key(f.careType)}`, f]));
    for (const input of inputs) {
      const f = at.get(`${input.dataset.pc4}|${input.dataset.careType}`);
      if (!f) return false;
      const stored = String(f.freePlaces ?? 0);
      const editing = input.classList.contains('changed') || input === document.activeElement;
      input.dataset.original = stored;
      if (!editing) input.value = stored;
      input.classList.toggle('changed', input.value !== stored);
      const held = input.parentElement.querySelector('.held');
      if (held) held.textContent = f.heldPlaces ? `${f.heldPlaces} vast` : '';
    }
    refreshOutlook(outlook.section, figures);
    return true;
  }

  function drawGrid() {
    const types = [...new Set(figures.map(f => key(f.careType)))].sort((a, b) => Object.keys(careTypes).indexOf(a) - Object.keys(careTypes).indexOf(b));
    const areas = [...new Set(figures.map(f => f.pc4))].sort();
    const at = new Map(figures.map(f => [`${f.pc4}|${key(f.careType)}`, f]));
    fill(grid, figures.length === 0 ? h('p', {}, 'Nog geen cijfers: uw werkgebied en zorgsoorten staan in het register.') :
      h('table', { class: 'grid' },
        h('thead', {},
          h('tr', {}, h('th', { scope: 'col' }, 'Postcode'), types.map(t => h('th', { scope: 'col', class: 'num' }, careTypes[t]))),
          h('tr', { class: 'fill-row' }, h('th', { scope: 'row' }, 'Hele kolom'), types.map(t => h('th', { class: 'num' }, columnFill(t))))),
        h('tbody', {}, areas.map(pc4 => h('tr', {},
          h('th', { scope: 'row' }, pc4, ' ', outlook.toggle(pc4)),
          types.map(t => {
            const f = at.get(`${pc4}|${t}`);
            if (!f) return h('td', {});
            const input = h('input', {
              id: `cell-${pc4}-${t}`, type: 'number', min: 0, max: 10000, step: 1, required: true, value: f.freePlaces ?? 0, class: 'cell', 'aria-label': `${careTypes[t]} in ${pc4}`,
              dataset: { pc4, careType: t, original: f.freePlaces ?? 0 },
              oninput: () => input.classList.toggle('changed', input.value !== input.dataset.original),
              onkeydown: e => moveFocus(e, input),
            });
            return h('td', { class: 'num' }, input,
              h('small', { class: 'held', title: 'vastgehouden voor openstaande aanvragen' }, f.heldPlaces ? `${f.heldPlaces} vast` : ''));
          }))))));
    outlook.draw(areas, types, at);
  }

  function drawNudge() {
    const oldest = figures.reduce((min, f) => (!min || f.publishedAt < min ? f.publishedAt : min), null);
    const hours = oldest ? (Date.now() - new Date(oldest).getTime()) / 3600000 : 0;
    nudge.hidden = !(hours >= staleAfterHours * nudgeAt);
    nudge.textContent = nudge.hidden ? '' : hours >= staleAfterHours
      ? `Uw oudste cijfer is ${ago(oldest)} bijgewerkt en telt niet meer mee in zoekresultaten: controleer uw cijfers en sla op.`
      : `Uw oudste cijfer is ${ago(oldest)} bijgewerkt. Na ${staleAfterHours.toLocaleString('nl-NL')} uur telt het niet meer mee in zoekresultaten: controleer en sla op.`;
  }

  /** Sets every area of one care type to the same number (marked as changed; saved with the rest). */
  function columnFill(type) {
    // The browser's own validation message would be in the browser's language: the page says it in Dutch.
    const value = h('input', { type: 'number', min: 0, max: 10000, step: 1, class: 'fill-value', 'aria-label': `${careTypes[type]}: alle gebieden op`, dataset: { fill: type },
      oninput: () => value.setCustomValidity('') });
    const apply = () => {
      value.setCustomValidity('');
      if (value.value === '' || !value.checkValidity()) { value.setCustomValidity(texts.badNumber); value.reportValidity(); return; }
      for (const input of grid.querySelectorAll(`input.cell[data-care-type="${type}"]`)) {
        input.value = value.value;
        input.classList.toggle('changed', input.value !== input.dataset.original);
      }
    };
    value.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); apply(); } });
    return h('span', { class: 'fill' }, value, h('button', { type: 'button', class: 'link', onclick: apply, 'aria-label': `Zet ${careTypes[type]} in alle gebieden` }, 'overal'));
  }

  function moveFocus(e, input) {
    if (!['ArrowUp', 'ArrowDown'].includes(e.key)) return;
    const cells = [...grid.querySelectorAll(`input.cell[data-care-type="${input.dataset.careType}"]`)];
    const next = cells[cells.indexOf(input) + (e.key === 'ArrowDown' ? 1 : -1)];
    if (next) { e.preventDefault(); next.focus(); next.select(); }
  }

  setInterval(drawNudge, 60000); // figures age while the page stays open

  gridForm.addEventListener('submit', async e => {
    e.preventDefault();
    const days = outlookInputs(outlook.section);
    const changed = [...grid.querySelectorAll('input.cell')].filter(i => i.value !== i.dataset.original || outlookChanged(days, i.dataset.pc4, i.dataset.careType));
    // Also a save without changes confirms the figures: re-publish everything then, so they are fresh again.
    const toSave = changed.length ? changed : [...grid.querySelectorAll('input.cell')];
    // The service names a figure by its place in the batch: figures[3] is toSave[3].
    // Each figure goes with its outlook (a figure without one clears it); a day of it is figures[3].outlook[1].
    const outlooks = toSave.map(i => outlookOf(days, i.dataset.pc4, i.dataset.careType));
    const cells = Object.fromEntries(toSave.flatMap((input, i) => [[`figures[${i}]`, input],
      ...Object.entries(outlooks[i].inputs).map(([name, day]) => [`figures[${i}].${name}`, day])]));
    clearFieldErrors(Object.fromEntries([...gridForm.querySelectorAll('input.cell, input.expect')].map(input => [input.id, input])));
    const wrong = new Problem();
    toSave.forEach((input, i) => { if (input.value === '' || !(Number.isInteger(Number(input.value)) && Number(input.value) >= 0)) wrong.add(`figures[${i}]`, texts.badNumber); });
    outlooks.forEach((o, i) => o.bad.forEach(day => wrong.add(`figures[${i}].${Object.keys(o.inputs).find(k => o.inputs[k] === day)}`, texts.badNumber)));
    if (wrong.any) { showFieldErrors(wrong, cells, saveStatus); outlook.reveal(); say(saveStatus, texts.notSaved, 'error'); return; }
    saveButton.disabled = true;
    // Versions only go up: the clock, unless the provider's own system has already gone past it.
    const version = Math.max(Date.now(), ...figures.map(f => Number(f.version ?? 0) + 1));
    try {
      // One call for the whole grid: all or nothing, so a refused save leaves every figure as it was.
      const result = await api(`${path}/capacity/batch`, {
        method: 'POST',
        body: { figures: toSave.map((i, n) => ({ pc4: i.dataset.pc4, careType: proto('CARE_TYPE_', i.dataset.careType), freePlaces: Number(i.value), version, outlook: outlooks[n].outlook })) },
      });
      const outdated = Number(result.outdated ?? 0);
      if (outdated > 0) say(saveStatus, `${outdated} van ${result.received} cijfers niet opgeslagen: er kwam intussen een nieuwer cijfer binnen. Controleer de getoonde aantallen.`, 'warn');
      else say(saveStatus, `${result.received} ${Number(result.received) === 1 ? 'cijfer' : 'cijfers'} opgeslagen om ${formatTime(new Date())}.`);
      await loadCapacity();
    } catch (err) {
      showFieldErrors(err, cells, saveStatus);
      outlook.reveal();
      if (!saveStatus.textContent) say(saveStatus, texts.notSaved, 'error');
    } finally {
      saveButton.disabled = false;
    }
  });

  // --- offers inbox ---
  const loadOffers = latest(async isLatest => {
    const response = await api(`${path}/offers`, { query: { pageSize: 200 } }); // open offers are few: all of them
    if (!isLatest()) return;
    const offers = response.offers ?? [];
    keyed(inbox, offers, v => v.offer.id, v => key(v.offer.state), offerCard, h('p', { class: 'muted' }, texts.noOffers));
  });

  const answerRequests = requestIds(); // one per offer and answer until it succeeds; another first visit or reason is another request

  /** After a refused accept: whether this provider has the referral already (a first answer that got lost), reading its new clients again. */
  async function acceptedByUs(view) {
    try {
      await clientPages.first();
      return clientPages.items.some(v => v.referralId === view.referralId);
    } catch {
      return false;
    }
  }

  function offerCard(view) {
    const o = view.offer;
    const urgent = !!view.search?.urgent;
    // The first visit: the start asked for (today if that has passed); urgent care today or tomorrow.
    const asked = isoDay(view.search?.startDate);
    const min = today();
    const max = urgent ? addDays(min, 1) : addDays(min, 365);
    const firstVisit = h('input', { type: 'date', class: 'first-visit', required: true, min, max,
      value: !asked || asked < min ? min : asked > max ? max : asked });
    const reason = h('select', { class: 'decline-reason' }, Object.entries(declineReasons).map(([k, v]) => h('option', { value: k }, v)));
    const why = h('input', { class: 'decline-text', maxlength: 500, placeholder: texts.declineTextPlaceholder });
    const status = h('p', { class: 'status', role: 'status' });
    const answerFields = { start_date: firstVisit, decline_reason: reason, decline_text: why };
    // The page's own words for a first visit outside what the offer allows: they say the range.
    const badFirstVisit = () => showFieldErrors(new Problem().add('start_date', texts.badFirstVisit(urgent)), answerFields, status);
    const answer = async accept => {
      clearFieldErrors(answerFields);
      if (accept && !firstVisit.checkValidity()) { badFirstVisit(); return; }
      if (!accept && reason.value === 'Other' && !why.value.trim()) { showFieldErrors(new Problem().add('decline_text', texts.declineTextNeeded), answerFields, status); return; }
      buttons.forEach(b => { b.disabled = true; }); // one answer per offer, however often it is clicked
      const body = accept ? { startDate: dateMessage(firstVisit.value) } : { declineReason: proto('DECLINE_REASON_', reason.value), declineText: why.value.trim() };
      const request = `${o.id}:${accept}`;
      try {
        await api(`${path}/offers/${encodeURIComponent(o.id)}/answer`, {
          method: 'POST',
          body: { requestId: answerRequests.for(request, body), referralId: view.referralId, accept, ...body },
        });
        answerRequests.done(request);
        await Promise.all([loadOffers(), accept ? loadPlacements() : null]);
      } catch (err) {
        if ((err.fields ?? []).some(f => /start_date$/.test(f.field))) badFirstVisit();
        else if (err.code === 9 && accept && await acceptedByUs(view)) {
          // Not taken by another: an earlier click of ours went through, its answer was lost.
          say(inboxStatus, texts.acceptedAlready(view.patientRef));
          answerRequests.done(request);
          await loadOffers();
          return;
        } else if (err.code === 9 && !reasonOf(err)) say(status, texts.takenMeanwhile, 'error');
        else showFieldErrors(err, answerFields, status);
        buttons.forEach(b => { b.disabled = false; });
      }
    };
    const buttons = [
      h('button', { type: 'button', class: 'primary', onclick: () => answer(true) }, texts.accept),
      h('button', { type: 'button', onclick: () => answer(false) }, texts.decline),
    ];
    const requester = view.requester?.name || view.requesterOrg;
    const whyField = field(texts.declineTextLabel, why);
    whyField.classList.add('decline-text-field');
    return h('article', { class: 'offer-card', dataset: { offer: o.id, referral: view.referralId } },
      h('header', {}, h('strong', {}, texts.offerTitle(label(careTypes, o.careType), o.pc4)),
        h('span', { class: 'muted' }, texts.offerWho(requester, view.patientRef))),
      view.careSummary ? h('p', {}, view.careSummary) : null,
      h('p', { class: 'muted' }, [texts.offerStart(formatDay(view.search?.startDate)), urgent ? texts.urgent : null,
        insurerName(view.search?.insurerUzovi), texts.answerBy(formatMoment(o.deadline))].filter(Boolean).join(' · ')),
      h('p', { class: 'requester' }, `${texts.transferDesk}: `, contact(view.requester?.transferDesk, texts.transferDesk)),
      o.uncontracted ? uncontractedWarning(insurerName(view.search?.insurerUzovi)) : null,
      h('div', { class: 'actions accept' }, field(texts.firstVisit, firstVisit, texts.firstVisitHint(urgent)), buttons[0]),
      h('div', { class: 'actions decline' }, field(texts.declineReason, reason), whyField, buttons[1]),
      status);
  }

  // --- new clients: the referrals this provider accepted, with the handover ---
  const clientPages = pager(`${path}/placements`, answer => answer.placements, v => v.referralId, items => {
    keyed(clients, items, v => v.referralId, v => `${v.placement?.placedAt}|${isoDay(v.placement?.startDate)}`, clientCard, h('p', { class: 'muted' }, texts.noClients));
    moreClients.hidden = !clientPages.hasMore;
  }, { pageSize: 10, query: () => ({ includeOlder: olderClients.box.checked }) });
  const loadPlacements = () => clientPages.first().catch(e => say(clientsStatus, errorText(e), 'error'));

  function clientCard(view) {
    const p = view.placement ?? {};
    const insurer = insurerName(view.search?.insurerUzovi);
    return h('article', { class: 'client-card', dataset: { referral: view.referralId }, 'aria-label': texts.newClient(view.patientRef) },
      h('header', {},
        h('strong', {}, texts.patientRef(view.patientRef)),
        h('span', { class: 'muted' }, ` · ${label(careTypes, view.search?.careType ?? view.offer?.careType)} in ${view.offer?.pc4 ?? view.search?.patientPostcode} · ${insurer}`)),
      facts([
        [texts.firstVisit, formatWeekDay(p.startDate), { fact: 'first-visit' }],
        [texts.requester, view.requester?.name || view.requesterOrg, { fact: 'requester' }],
        [texts.transferDesk, contact(view.requester?.transferDesk, texts.transferDesk), { fact: 'transfer-desk' }],
      ]),
      view.careSummary ? h('p', { class: 'care-summary' }, view.careSummary) : null,
      p.uncontracted ? uncontractedWarning(insurer) : null,
      p.placedAt ? h('p', { class: 'muted' }, texts.acceptedAt(formatMoment(p.placedAt))) : null);
  }

  live.on('OfferChanged', () => { loadOffers(); loadCapacity(); loadPlacements(); });
  live.onConnected(async () => {
    await live.invoke('FollowProvider', agb);
    await Promise.all([loadOffers(), loadCapacity(), stops.load(), loadPlacements(), endpoint.load()]);
  });
}
