// Mediation desk: the live queue of its insurer's escalated referrals with each one's search
// explanation; take, widen the search, offer (also uncontracted, with the warning), close with an
// outcome; and its unmet-demand counts.
import { h, fill, say, uuid, keyed, latest } from './dom.js';
import { api, listInsurers } from './api.js';
import * as live from './live.js';
import {
  careTypes, referralStates, offerStates, closureOutcomes, label, key, proto, formatKm, formatTime, formatDay, exclusionText, ago, unit, escalationReason,
} from './labels.js';

export async function render(main, identity) {
  document.title = 'Zorgbemiddeling — Capaciteit wijkverpleging';
  const uzovi = identity.code;
  const desk = `desks/${encodeURIComponent(uzovi)}`;
  // Outcomes of actions are said here, not in a card: a card is rebuilt when its referral changes.
  const deskStatus = h('p', { class: 'status', role: 'status', id: 'desk-status' });
  const insurerName = (await listInsurers()).find(i => i.uzovi === uzovi)?.name ?? uzovi;
  const queue = h('div', { id: 'queue', class: 'queue' }, h('p', { class: 'muted' }, 'Laden…'));
  const unmet = h('tbody', { id: 'unmet' });
  const municipalities = new Map((await api('municipalities')).municipalities?.map(m => [m.code, m.name]) ?? []);

  fill(main, h('div', { class: 'desk' },
    h('section', { class: 'card', 'aria-labelledby': 'queue-title' },
      h('h1', { id: 'queue-title' }, `Zorgbemiddeling ${insurerName}: geëscaleerde verwijzingen`), deskStatus, queue),
    h('section', { class: 'card', 'aria-labelledby': 'unmet-title' },
      h('h2', { id: 'unmet-title' }, 'Onvervulde zorgvraag'),
      h('p', { class: 'muted' }, 'Verwijzingen die bij uw bemiddeling uitkwamen, per gemeente en zorgsoort.'),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Gemeente'), h('th', { scope: 'col' }, 'Zorgsoort'), h('th', { scope: 'col', class: 'num' }, 'Aantal'))), unmet))));

  const searches = new Map(); // referral id -> last wider search, kept across queue redraws

  const loadQueue = latest(async isLatest => {
    const referrals = (await api(`${desk}/queue`)).referrals ?? [];
    if (!isLatest()) return;
    keyed(queue, referrals, r => r.id, r => r.version, card, h('p', { class: 'muted' }, 'Geen verwijzingen in de wachtrij.'));
  }, e => say(deskStatus, e.message, 'error'));

  const loadUnmet = latest(async isLatest => {
    const counts = (await api('unmet-demand', { query: { insurerUzovi: uzovi } })).counts ?? [];
    if (!isLatest()) return;
    fill(unmet, counts.length === 0 ? h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'Nog geen.')) :
      counts.map(c => h('tr', {}, h('td', {}, municipalities.get(c.municipalityCode) ?? c.municipalityCode), h('td', {}, label(careTypes, c.careType)), h('td', { class: 'num' }, c.escalations))));
  });

  function card(r) {
    const status = deskStatus;
    const explanation = r.escalation?.explanation;
    const radius = h('select', { 'aria-label': 'Zoekstraal' }, [15, 25, 40, 60, 100].map(km => h('option', { value: km, selected: km === 25 }, `${km} km`)));
    const uncontracted = h('input', { type: 'checkbox', 'aria-label': 'Ook niet-gecontracteerde aanbieders' });
    const found = h('div', { class: 'found' });
    const outcome = h('select', { 'aria-label': 'Uitkomst' }, Object.entries(closureOutcomes).map(([k, v]) => h('option', { value: k }, v)));
    const closeText = h('input', { placeholder: 'toelichting', 'aria-label': 'Toelichting bij afsluiten', maxlength: 500 });
    const act = fn => async () => { try { await fn(); } catch (err) { say(status, err.message, 'error'); } };

    const widen = act(async () => {
      const result = await api(`${desk}/referrals/${encodeURIComponent(r.id)}/search`, { method: 'POST', body: { radiusKm: Number(radius.value) } });
      searches.set(r.id, { result, radius: Number(radius.value) });
      drawFound(result);
    });
    function uncontractedPicks(result, pick) {
      const others = (result.exclusions ?? []).filter(x => key(x.reason) === 'NotContracted');
      if (!others.length) return null;
      return h('details', { class: 'uncontracted' },
        h('summary', {}, `Niet gecontracteerd door ${insurerName} (${others.length}): alleen met “ook niet-gecontracteerd”`),
        others.map(x => pick(x.provider.agb, x.provider.name, h('span', { class: 'muted' }, ` · ${formatKm(x.distanceKm)}`))));
    }
    function drawFound(result) {
      const chosen = new Set();
      const pick = (agb, name, extra) => h('label', { class: 'check', dataset: { agb } },
        h('input', { type: 'checkbox', onchange: e => { e.target.checked ? chosen.add(agb) : chosen.delete(agb); } }), ` ${name}`, extra);
      fill(found,
        h('p', {}, `${result.candidates?.length ?? 0} beschikbaar binnen ${formatKm(result.radiusKm)}${result.candidates?.length ? ':' : '.'}`),
        (result.candidates ?? []).map(c => pick(c.provider.agb, c.provider.name, h('span', { class: 'muted' }, ` · ${formatKm(c.distanceKm)} · ${c.freePlaces} ${unit(c.unit, c.freePlaces)} · bijgewerkt ${ago(c.capacityPublishedAt)}`))),
        uncontractedPicks(result, pick),
        h('div', { class: 'actions' },
          h('label', { class: 'check' }, uncontracted, ' Ook niet-gecontracteerd aanbieden'),
          h('button', { type: 'button', class: 'primary', onclick: act(async () => {
            if (!chosen.size) { say(status, 'Kies eerst een of meer aanbieders.', 'error'); return; }
            const answer = await api(`desk-offers/${encodeURIComponent(r.id)}`, { method: 'POST', body: { requestId: uuid(), providerAgbs: [...chosen], allowUncontracted: uncontracted.checked, radiusKm: Number(radius.value) } });
            const refused = (answer.rejected ?? []).map(x => `${x.providerAgb}: ${x.reason}`);
            const warnings = (answer.referral?.offers ?? []).filter(o => o.warning).map(o => o.warning);
            say(status, [`${r.patientRef}:`, refused.length ? `niet aangeboden: ${refused.join('; ')}` : 'aangeboden.', ...warnings].join(' '), refused.length || warnings.length ? 'warn' : 'ok');
            await loadQueue();
          }) }, 'Aanbieden')));
    }

    const offers = r.offers ?? [];
    const article = h('article', { class: 'referral', dataset: { id: r.id, state: key(r.state) } },
      h('header', {},
        h('strong', {}, `${label(careTypes, r.search?.careType)} in ${r.search?.patientPostcode}`),
        h('span', { class: `badge state-${key(r.state)}` }, label(referralStates, r.state)),
        h('span', { class: 'muted' }, `${r.requesterOrg} · kenmerk ${r.patientRef} · start ${formatDay(r.search?.startDate)} · geëscaleerd ${formatTime(r.escalation?.escalatedAt)}`)),
      r.escalation?.reason ? h('p', {}, `Waarom: ${escalationReason(r.escalation.reason)}`) : null,
      explanation ? h('details', {},
        h('summary', {}, `Zoekresultaat bij escalatie: ${explanation.candidates?.length ?? 0} beschikbaar, ${explanation.exclusions?.length ?? 0} niet geschikt`),
        h('ul', { class: 'exclusions' }, (explanation.exclusions ?? []).map(x => h('li', {}, h('strong', {}, x.provider?.name), ` · ${exclusionText(x, insurerName)}`)))) : null,
      offers.length ? h('ul', { class: 'offers' }, offers.map(o => h('li', {}, `${o.provider?.name}: ${label(offerStates, o.state)}${o.uncontracted ? ' (niet gecontracteerd)' : ''}`))) : null,
      h('div', { class: 'actions' },
        r.escalation?.takenBy ? h('span', { class: 'muted' }, `Opgepakt door ${r.escalation.takenBy}`) :
          h('button', { type: 'button', onclick: act(async () => { await api(`${desk}/referrals/${encodeURIComponent(r.id)}/take`, { method: 'POST', body: { takenBy: identity.name } }); await loadQueue(); }) }, 'Oppakken'),
        radius, h('button', { type: 'button', onclick: widen }, 'Zoek breder')),
      found,
      h('div', { class: 'actions' }, outcome, closeText,
        h('button', { type: 'button', onclick: act(async () => {
          await api(`${desk}/referrals/${encodeURIComponent(r.id)}/close`, { method: 'POST', body: { outcome: proto('CLOSURE_OUTCOME_', outcome.value), text: closeText.value.trim() } });
          await Promise.all([loadQueue(), loadUnmet()]);
        }) }, 'Afsluiten')));
    if (searches.has(r.id)) {
      radius.value = String(searches.get(r.id).radius);
      drawFound(searches.get(r.id).result);
    }
    return article;
  }

  live.on('ReferralChanged', () => { loadQueue(); loadUnmet(); });
  live.onConnected(async () => {
    await live.invoke('FollowDesk', uzovi);
    await Promise.all([loadQueue(), loadUnmet()]);
  });
}
