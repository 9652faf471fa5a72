// Transfer nurse / requester: one search form, a live ranked list with the providers left out and
// why, offering the referral to one or more providers (a second referral for a patient whose
// referral runs is refused and leads to that one), and the organisation's referrals (referrals.js),
// all live.
import { h, fill, field, say, uuid, keyed } from './dom.js';
import { api, listInsurers, insurerName } from './api.js';
import * as live from './live.js';
import { referralHistory } from './referrals.js';
import { fieldProblems, showFieldErrors, clearFieldErrors } from './errors.js';
import { keepSearch, keptSearch } from './search-url.js';
import {
  careTypes, contractTypes, texts, label, key, proto, unit, formatKm, formatTime, formatDay, fromDay, ago, today, dateMessage, isoDay, formatWeekDay,
} from './labels.js';
import { exclusionText, offerOutcome } from './texts/matching.js';

export async function render(main, identity) {
  document.title = 'Zoeken — Capaciteit wijkverpleging';
  const insurers = await listInsurers();
  const byName = new Map(insurers.map(i => [i.name.toLowerCase(), i]));

  // --- the search form ---
  const postcode = h('input', { id: 'postcode', name: 'postcode', required: true, autocomplete: 'postal-code', inputmode: 'text',
    pattern: postcodePattern.source, placeholder: '1183 AB', maxlength: 7, size: 8 });
  const insurer = h('input', { id: 'insurer', name: 'insurer', required: true, list: 'insurer-list', autocomplete: 'off', placeholder: 'bijv. VGZ' });
  const insurerList = h('datalist', { id: 'insurer-list' }, insurers.map(i => h('option', { value: i.name }, i.uzovi)));
  const careType = h('select', { id: 'care-type', name: 'careType' }, Object.entries(careTypes).map(([k, v]) => h('option', { value: k }, v)));
  const startDate = h('input', { id: 'start-date', name: 'startDate', type: 'date', required: true, value: today(), min: today() });
  const urgent = h('input', { id: 'urgent', name: 'urgent', type: 'checkbox' });
  const age = h('input', { id: 'age', name: 'age', type: 'number', min: 0, max: 130, size: 4, placeholder: 'jaren', title: 'Nodig bij medische kindzorg (onder 18)' });
  const radius = h('select', { id: 'radius', name: 'radius' }, [5, 10, 15, 25, 40].map(r => h('option', { value: r, selected: r === 15 }, `${r} km`)));
  const formError = h('p', { class: 'error', role: 'alert', id: 'search-error' });
  // novalidate: the page says what is wrong in Dutch next to the field, not the browser's bubble.
  const form = h('form', { class: 'card search', id: 'search-form', 'aria-labelledby': 'search-title', novalidate: true },
    h('h1', { id: 'search-title' }, 'Wijkverpleging zoeken'),
    h('div', { class: 'row' }, field('Postcode patiënt', postcode, texts.postcodeHint), field('Leeftijd', age)),
    field('Zorgverzekeraar', insurer), insurerList,
    field('Soort zorg', careType),
    h('div', { class: 'row' }, field('Startdatum', startDate), field('Straal', radius)),
    h('div', { class: 'field check' }, urgent, h('label', { for: 'urgent' }, 'Spoed: start binnen 24 uur')),
    h('button', { type: 'submit', class: 'primary', id: 'search-button' }, 'Zoeken'),
    formError);

  // --- the results ---
  const summary = h('p', { class: 'summary', id: 'result-summary', 'aria-live': 'polite' }, 'Vul de zoekvraag in en kies Zoeken.');
  const candidates = h('tbody', { id: 'candidates' });
  const exclusions = h('ul', { class: 'exclusions', id: 'exclusions' });
  const patientRef = h('input', { id: 'patient-ref', maxlength: 64, placeholder: 'uw eigen kenmerk, geen BSN', autocomplete: 'off' });
  const careSummary = h('input', { id: 'care-summary', maxlength: 500, placeholder: 'bijv. wondzorg 2× per dag', autocomplete: 'off' });
  const offerButton = h('button', { type: 'button', class: 'primary', id: 'offer-button', disabled: true }, 'Aanbieden');
  const deskButton = h('button', { type: 'button', id: 'desk-button', disabled: true, title: 'Maak de verwijzing aan en leg haar bij de zorgbemiddeling van de verzekeraar' }, 'Naar zorgbemiddeling');
  const offerStatus = h('p', { class: 'status', role: 'status', id: 'offer-status' });
  const results = h('section', { class: 'card results', 'aria-labelledby': 'results-title' },
    h('h2', { id: 'results-title' }, 'Aanbieders die uw patiënt kunnen opnemen'),
    summary,
    h('table', { class: 'candidates' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', class: 'pick' }, h('span', { class: 'sr' }, 'Kies')),
        h('th', { scope: 'col' }, 'Aanbieder'), h('th', { scope: 'col', class: 'num' }, 'Afstand'),
        h('th', { scope: 'col', class: 'num' }, 'Vrij'), h('th', { scope: 'col' }, 'Vanaf'),
        h('th', { scope: 'col' }, 'Bijgewerkt'), h('th', { scope: 'col' }, 'Contract'))),
      candidates),
    h('div', { class: 'offer' },
      field('Patiëntkenmerk', patientRef), field('Zorgvraag (kort)', careSummary), offerButton, deskButton),
    offerStatus,
    h('h3', {}, 'Niet geschikt'),
    exclusions);

  const history = referralHistory(identity, insurers);

  fill(main, h('div', { class: 'nurse' }, form, results, history.section));
  postcode.focus();

  let subscription = null;   // the followed search's subscription id
  let search = null;         // the search as sent to the hub (C# shape)
  let lastResult = null;
  const selected = new Set();

  function insurerOf(value) {
    const v = value.trim().toLowerCase();
    return byName.get(v) ?? insurers.find(i => i.uzovi === v) ?? insurers.find(i => i.name.toLowerCase().startsWith(v));
  }

  // The service's field names: its answers and the page's own checks land next to these inputs.
  const searchFields = {
    patient_postcode: postcode, insurer_uzovi: insurer, care_type: careType, start_date: startDate,
    urgent: startDate, patient_age: age, radius_km: radius,
  };

  function readForm() {
    const problems = [];
    const typed = postcode.value.trim();
    if (!typed) problems.push(['patient_postcode', 'REQUIRED']);
    else if (!postcodePattern.test(typed)) problems.push(['patient_postcode', 'POSTCODE_FORMAT']);
    const chosen = insurerOf(insurer.value);
    if (!insurer.value.trim()) problems.push(['insurer_uzovi', 'REQUIRED']);
    if (!startDate.value) problems.push(['start_date', startDate.validity.badInput ? 'DATE_INVALID' : 'REQUIRED']);
    else if (startDate.value < today()) problems.push(['start_date', 'DATE_IN_PAST']);
    if (age.validity.badInput || (age.value !== '' && !(Number.isInteger(Number(age.value)) && Number(age.value) >= 0 && Number(age.value) <= 130))) problems.push(['patient_age', 'AGE_RANGE']);
    const fieldsWrong = fieldProblems(problems);
    if (insurer.value.trim() && !chosen) fieldsWrong.add('insurer_uzovi', texts.unknownInsurer(insurer.value));
    if (fieldsWrong.any) throw fieldsWrong;
    insurer.value = chosen.name; // show what the search is for, not the typed start of it
    return {
      patientPostcode: postcode.value.trim(),
      insurerUzovi: chosen.uzovi,
      careType: careType.value,
      startDate: startDate.value,
      urgent: urgent.checked,
      patientAge: age.value === '' ? null : Number(age.value),
      radiusKm: Number(radius.value),
    };
  }

  // One follow at a time, so a quick second search or a reconnect never leaves a subscription behind.
  let following = Promise.resolve();
  let awaitingLive = false;
  function follow() {
    const run = following.then(async () => {
      if (!search) return;
      if (!live.connected()) {
        if (awaitingLive) return; // a restored search: the connection, just starting, runs it
        // No live channel right now: answer once through the API, and follow when it is back.
        show(await api('searches', { method: 'POST', body: toFindProviders(search) }));
        summary.append(' · niet live: verbinding wordt hersteld');
        return;
      }
      if (subscription) await live.invoke('Unsubscribe', subscription).catch(() => {});
      subscription = null;
      const update = await live.invoke('SubscribeToSearch', search);
      subscription = update.subscriptionId;
      show(update.result);
    });
    following = run.catch(() => {});
    return run;
  }

  form.addEventListener('submit', async e => {
    e.preventDefault();
    clearFieldErrors(searchFields);
    formError.textContent = '';
    duplicate.hidden = true;
    try {
      search = readForm();
      keepSearch(search);
      selected.clear();
      draft = null;
      createRequest = uuid();
      summary.textContent = 'Zoeken…';
      await follow();
    } catch (err) {
      showFieldErrors(err, searchFields, formError);
      summary.textContent = '';
    }
  });


  live.on('SearchUpdated', update => { if (update.subscriptionId === subscription) show(update.result); });
  let createRequest = uuid(), offerRequest = uuid(); // reused until they succeed: a retried click never makes a second referral
  let draft = null; // a referral created whose offers did not go out yet

  function show(result) {
    lastResult = result;
    const name = insurerName(insurers, search.insurerUzovi);
    const n = result.candidates.length;
    const start = search.startDate <= today() ? 'vandaag' : formatDay(search.startDate);
    summary.textContent = `${n} ${n === 1 ? 'aanbieder' : 'aanbieders'} binnen ${formatKm(result.radiusKm)} van ${result.patientPc4} (${result.municipality}) · ${label(careTypes, search.careType)} · start ${start}${search.urgent ? ' (spoed)' : ''} · ${name} · bijgewerkt ${formatTime(result.evaluatedAt)}`;
    for (const agb of [...selected]) if (!result.candidates.some(c => c.provider.agb === agb)) selected.delete(agb);
    // Rows are kept while what they show is unchanged, so a push does not take the focus from a checkbox.
    keyed(candidates, result.candidates, c => c.provider.agb,
      c => [c.provider.name, c.distanceKm, c.freePlaces, key(c.unit), fromDay(c.availableFrom), c.capacityPublishedAt, key(c.contractType), isoDay(c.expectedFor)].join('|'),
      c => {
        const box = h('input', { type: 'checkbox', 'aria-label': `Kies ${c.provider.name}`,
          onchange: () => { box.checked ? selected.add(c.provider.agb) : selected.delete(c.provider.agb); updateOffer(); } });
        return h('tr', { dataset: { agb: c.provider.agb, free: c.freePlaces, ...(c.expectedFor ? { expected: isoDay(c.expectedFor) } : {}) } },
          // The label around the box is the finger's target (44 px), the box itself stays small.
          h('td', { class: 'pick' }, h('label', { class: 'pick-hit' }, box)),
          h('td', {}, c.provider.name),
          h('td', { class: 'num' }, formatKm(c.distanceKm)),
          h('td', { class: 'num free' }, `${c.freePlaces} ${unit(c.unit, c.freePlaces)}`,
            // An expectation of the provider's 7-day outlook for the start day, not a place free now.
            c.expectedFor ? h('small', { class: 'expected', title: texts.expectedHint }, texts.expectedFor(formatWeekDay(c.expectedFor))) : null),
          h('td', {}, fromDay(c.availableFrom)),
          h('td', { class: 'age', dataset: { at: c.capacityPublishedAt } }, ago(c.capacityPublishedAt)),
          h('td', {}, label(contractTypes, c.contractType)));
      },
      h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'Geen aanbieder kan deze patiënt nu opnemen: vergroot de straal, of leg de verwijzing met “Naar zorgbemiddeling” bij de verzekeraar.')));
    for (const row of candidates.querySelectorAll('tr[data-agb]')) row.querySelector('input').checked = selected.has(row.dataset.agb);
    fill(exclusions, result.exclusions.length === 0 ? h('li', { class: 'muted' }, 'Geen.') :
      result.exclusions.map(x => h('li', { dataset: { agb: x.provider.agb, reason: key(x.reason) } },
        h('strong', {}, x.provider.name), ` · ${formatKm(x.distanceKm)} · `, h('span', { class: 'reason' }, exclusionText(x, name)))));
    updateOffer();
  }

  // Ages ("4 min geleden") move on by themselves.
  setInterval(() => document.querySelectorAll('td.age[data-at]').forEach(td => { td.textContent = ago(td.dataset.at); }), 30000);

  function updateOffer() {
    offerButton.disabled = selected.size === 0;
    deskButton.disabled = !search;
    offerButton.textContent = selected.size ? `Aanbieden aan ${selected.size} ${selected.size === 1 ? 'aanbieder' : 'aanbieders'}` : 'Aanbieden';
  }

  /** The create call refused a second referral for the patient: names the one that runs. */
  class DuplicateReferral extends Error {
    constructor(patient, existingId) { super(texts.duplicate(patient)); this.patient = patient; this.existingId = existingId; }
  }

  async function createReferral(parallel) {
    if (draft) return draft;
    const patient = patientRef.value.trim();
    try {
      draft = await api('referrals', {
        method: 'POST',
        body: {
          requestId: createRequest, requesterOrg: identity.code, patientRef: patient, careSummary: careSummary.value.trim(),
          // Room for a second choice after a "no": the nurse may offer to a few at once again.
          search: toFindProviders(search), autoCascade: false, maxParallelOffers: Math.min(10, Math.max(3, parallel)),
        },
      });
    } catch (err) {
      if (err.code !== 6) throw err;
      createRequest = uuid(); // nothing was created under this request: the next try is a new one
      // The running referral is named unless it was created at the same moment (then there is none to open yet).
      throw new DuplicateReferral(patient, err.detail('google.rpc.ResourceInfo')?.resourceName ?? null);
    }
    return draft;
  }
  function done() { // the next referral is a new one
    draft = null;
    createRequest = uuid();
    offerRequest = uuid();
  }

  // A second referral for a patient whose referral still runs: say so, create nothing, lead to the one that runs.
  const duplicate = h('div', { class: 'duplicate warn-box', id: 'duplicate', role: 'alert', hidden: true });
  offerStatus.after(duplicate);
  // The referral's own fields, and its search's (search.patient_postcode, …) on the search form.
  const referralFields = { patient_ref: patientRef, care_summary: careSummary, ...Object.fromEntries(Object.entries(searchFields).map(([k, v]) => [`search.${k}`, v])) };
  function showProblem(err) {
    if (!(err instanceof DuplicateReferral)) { duplicate.hidden = true; showFieldErrors(err, referralFields, offerStatus); return; }
    clearFieldErrors(referralFields);
    say(offerStatus, '');
    fill(duplicate,
      h('p', {}, h('strong', {}, texts.duplicate(err.patient))),
      h('p', {}, texts.duplicateHint),
      err.existingId ? h('button', { type: 'button', id: 'open-existing', onclick: () => history.open(err.existingId) }, texts.openExisting) : null);
    duplicate.hidden = false;
  }

  // Nobody suitable (or no time to phone around): straight to the insurer's mediation desk.
  deskButton.addEventListener('click', async () => {
    if (!search) return;
    deskButton.disabled = true;
    duplicate.hidden = true;
    clearFieldErrors(referralFields);
    try {
      const referral = await createReferral(1);
      try {
        await api(`referrals/${encodeURIComponent(referral.id)}/escalate`, { method: 'POST', body: { requestId: offerRequest } });
      } catch (err) {
        // With nobody to ask, the service escalates a new referral by itself; that is what was wanted.
        const { referral: now } = await api(`referrals/${encodeURIComponent(referral.id)}`);
        if (!['Escalated', 'Mediating'].includes(key(now.state))) throw err;
      }
      done();
      say(offerStatus, texts.referralAtDesk(referral.patientRef, insurerName(insurers, search.insurerUzovi)));
      await history.showActive();
    } catch (err) {
      showProblem(err);
    } finally {
      updateOffer();
    }
  });

  offerButton.addEventListener('click', async () => {
    if (!search || selected.size === 0) return;
    offerButton.disabled = true;
    duplicate.hidden = true;
    clearFieldErrors(referralFields);
    try {
      const referral = await createReferral(selected.size);
      const asked = [...selected];
      const answer = await api(`referrals/${encodeURIComponent(referral.id)}/offers`, { method: 'POST', body: { requestId: offerRequest, providerAgbs: asked } });
      done();
      // A candidate may have become an exclusion meanwhile: its name is known from either list.
      const names = new Map([...(lastResult?.candidates ?? []), ...(lastResult?.exclusions ?? [])].map(c => [c.provider.agb, c.provider.name]));
      const { refused } = offerOutcome(answer, asked, agb => names.get(agb), insurerName(insurers, search.insurerUzovi));
      say(offerStatus, refused.length ? texts.createdNotAllOffered(refused.join('; ')) : texts.referralOffered(referral.patientRef), refused.length ? 'warn' : 'ok');
      selected.clear();
      show(lastResult);
      await history.showActive();
    } catch (err) {
      showProblem(err);
    } finally {
      updateOffer();
    }
  });

  // A reload (or a link) with a search in the address: the form as it was, and the search again.
  const kept = keptSearch();
  if (kept) {
    postcode.value = kept.patientPostcode ?? '';
    insurer.value = insurerName(insurers, kept.insurerUzovi);
    if (kept.careType in careTypes) careType.value = kept.careType;
    // A search kept from an earlier day starts today at the earliest.
    if (kept.startDate) startDate.value = kept.startDate < today() ? today() : kept.startDate;
    urgent.checked = kept.urgent;
    age.value = kept.patientAge ?? '';
    if ([...radius.options].some(o => o.value === kept.radiusKm)) radius.value = kept.radiusKm;
    // The live connection starts after the screen is drawn: the search waits for it (and runs once,
    // live), and goes through the API only if the connection is not there within a few seconds.
    awaitingLive = !live.connected();
    form.requestSubmit();
    if (awaitingLive) setTimeout(() => { if (awaitingLive) { awaitingLive = false; follow().catch(err => showFieldErrors(err, searchFields, formError)); } }, 3000);
  }

  live.onConnected(async () => {
    awaitingLive = false;
    subscription = null; // the old connection's subscriptions are gone
    await live.invoke('FollowOrganisation', identity.code);
    await Promise.all([history.load(), follow()]);
  });
}

/** The hub's search (C# names, ISO dates) as the JSON API's FindProvidersRequest. */
function toFindProviders(s) {
  return {
    patientPostcode: s.patientPostcode, insurerUzovi: s.insurerUzovi, careType: proto('CARE_TYPE_', s.careType),
    startDate: dateMessage(s.startDate), urgent: s.urgent, ...(s.patientAge === null ? {} : { patientAge: s.patientAge }), radiusKm: s.radiusKm,
  };
}

/** A Dutch postcode as the service takes it: 1183 or 1183 AB (a space and lower case allowed). */
const postcodePattern = /^\s*[1-9][0-9]{3}\s?([A-Za-z]{2})?\s*$/;
