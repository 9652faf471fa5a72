// Mediation desk: the live queue of its insurer's escalated referrals with each one's search
// explanation; take, find leads (who can take the patient, whom to call, who is not contracted,
// who works nearby), offer (also uncontracted, with the warning), close with an outcome; and its
// unmet-demand counts.
import { h, fill, say, uuid, keyed, latest } from './dom.js';
import { api, listInsurers, pager } from './api.js';
import * as live from './live.js';
import { contact, uncontractedWarning, moreButton } from './blocks.js';
import {
  careTypes, referralStates, offerStates, closureOutcomes, contractTypes, leadKinds, texts, label, key, proto, formatKm, formatTime, formatDay,
  exclusionText, ago, unit, escalationReason, leadGroup, rejectedText,
} from './labels.js';

export async function render(main, identity) {
  document.title = 'Zorgbemiddeling — Capaciteit wijkverpleging';
  const uzovi = identity.code;
  const desk = `desks/${encodeURIComponent(uzovi)}`;
  // Outcomes of actions are said here, not in a card: a card is rebuilt when its referral changes.
  const deskStatus = h('p', { class: 'status', role: 'status', id: 'desk-status' });
  const insurerName = (await listInsurers()).find(i => i.uzovi === uzovi)?.name ?? uzovi;
  const queue = h('div', { id: 'queue', class: 'queue' }, h('p', { class: 'muted' }, 'Laden…'));
  const moreQueue = moreButton('queue-more', () => queuePages.more().catch(e => say(deskStatus, e.message, 'error')));
  const unmet = h('tbody', { id: 'unmet' });
  const municipalities = new Map((await api('municipalities')).municipalities?.map(m => [m.code, m.name]) ?? []);

  fill(main, h('div', { class: 'desk' },
    h('section', { class: 'card', 'aria-labelledby': 'queue-title' },
      h('h1', { id: 'queue-title' }, `Zorgbemiddeling ${insurerName}: geëscaleerde verwijzingen`), deskStatus, queue, moreQueue),
    h('section', { class: 'card', 'aria-labelledby': 'unmet-title' },
      h('h2', { id: 'unmet-title' }, 'Onvervulde zorgvraag'),
      h('p', { class: 'muted' }, 'Verwijzingen die bij uw bemiddeling uitkwamen, per gemeente en zorgsoort.'),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Gemeente'), h('th', { scope: 'col' }, 'Zorgsoort'), h('th', { scope: 'col', class: 'num' }, 'Aantal'))), unmet))));

  const searches = new Map(); // referral id -> last leads, kept across queue redraws

  let queued = [];
  const queuePages = pager(`${desk}/queue`, answer => answer.referrals, (items, first) => {
    queued = first ? items : [...queued, ...items.filter(r => !queued.some(x => x.id === r.id))];
    keyed(queue, queued, r => r.id, r => r.version, card, h('p', { class: 'muted' }, 'Geen verwijzingen in de wachtrij.'));
    moreQueue.hidden = !queuePages.hasMore;
  }, { pageSize: 25 });
  const loadQueue = () => queuePages.first().catch(e => say(deskStatus, e.message, 'error'));

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
      const result = await api(`${desk}/referrals/${encodeURIComponent(r.id)}/leads`, { method: 'POST', body: { radiusKm: Number(radius.value) } });
      searches.set(r.id, { result, radius: Number(radius.value) });
      drawFound(result);
    });

    /** The leads in their groups and order: offer the first (and, when allowed, uncontracted ones with room), call the others. */
    function drawFound(result) {
      const chosen = new Set();
      const leads = result.leads ?? [];
      const uncontractedBoxes = [];
      const pick = (lead, ...extra) => {
        const uncontractedLead = key(lead.kind) === 'Uncontracted';
        const box = h('input', { type: 'checkbox', disabled: uncontractedLead && !uncontracted.checked,
          onchange: e => { e.target.checked ? chosen.add(lead.provider.agb) : chosen.delete(lead.provider.agb); } });
        if (uncontractedLead) uncontractedBoxes.push(box);
        return h('label', { class: 'check lead', dataset: { agb: lead.provider.agb, kind: key(lead.kind) }, title: uncontractedLead ? texts.offerableUncontracted : null },
          box, ` ${lead.provider.name}`, extra);
      };
      const call = (lead, why) => h('div', { class: 'lead', dataset: { agb: lead.provider.agb, kind: key(lead.kind) } },
        h('strong', {}, lead.provider.name),
        h('span', { class: 'muted' }, ` · ${formatKm(lead.distanceKm)}${why ? ' · ' : ''}`), why ? h('span', { class: 'reason' }, why) : null,
        ' · ', contact(lead.intake, lead.provider.name, { email: false }));
      const room = lead => `${lead.freePlaces} ${unit(lead.unit, lead.freePlaces)} · bijgewerkt ${ago(lead.capacityPublishedAt)}`;
      const render = lead => {
        switch (key(lead.kind)) {
          case 'Candidate':
            return pick(lead, h('span', { class: 'muted' }, ` · ${formatKm(lead.distanceKm)} · ${room(lead)} · ${label(contractTypes, lead.contractType)}`), contact(lead.intake, lead.provider.name, { email: false }));
          case 'Uncontracted':
            return lead.offerable
              ? pick(lead, h('span', { class: 'muted' }, ` · ${formatKm(lead.distanceKm)} · ${room(lead)}`), contact(lead.intake, lead.provider.name, { email: false }))
              : call(lead, lead.reason && key(lead.reason) !== 'NotContracted' ? exclusionText(lead, insurerName) : texts.uncontractedNoRoom);
          case 'ToAsk': return call(lead, exclusionText(lead, insurerName));
          default: return call(lead, null);
        }
      };
      uncontracted.onchange = () => {
        for (const box of uncontractedBoxes) {
          box.disabled = !uncontracted.checked;
          if (box.disabled && box.checked) { box.checked = false; chosen.delete(box.closest('[data-agb]').dataset.agb); }
        }
      };
      const n = leads.filter(l => key(l.kind) === 'Candidate' && l.offerable).length;
      fill(found,
        h('p', { class: 'leads-summary' }, texts.leadsFound(n, formatKm(result.radiusKm))),
        leadKinds.map(kind => {
          const group = leads.filter(l => key(l.kind) === kind);
          if (!group.length) return null;
          return h('section', { class: `lead-group kind-${kind}`, dataset: { kind }, 'aria-label': leadGroup(kind, insurerName) },
            h('h3', {}, `${leadGroup(kind, insurerName)} (${group.length})`),
            kind === 'Uncontracted' ? uncontractedWarning(insurerName) : null,
            group.map(render));
        }),
        h('div', { class: 'actions' },
          h('label', { class: 'check' }, uncontracted, ' Ook niet-gecontracteerd aanbieden'),
          h('button', { type: 'button', class: 'primary', onclick: act(async () => {
            if (!chosen.size) { say(status, texts.pickFirst, 'error'); return; }
            const answer = await api(`desk-offers/${encodeURIComponent(r.id)}`, { method: 'POST', body: { requestId: uuid(), providerAgbs: [...chosen], allowUncontracted: uncontracted.checked } });
            const names = new Map(leads.map(l => [l.provider.agb, l.provider.name]));
            const refused = (answer.rejected ?? []).map(x => `${names.get(x.providerAgb) ?? x.providerAgb} (${rejectedText(x.reason)})`);
            const uncontractedMade = (answer.referral?.offers ?? []).some(o => o.uncontracted && chosen.has(o.provider?.agb) && key(o.state) === 'Pending');
            say(status, [`${r.patientRef}:`, refused.length ? texts.notOfferedTo(refused.join('; ')) : 'aangeboden.', uncontractedMade ? texts.uncontractedWarning(insurerName) : '']
              .filter(Boolean).join(' '), refused.length || uncontractedMade ? 'warn' : 'ok');
            await loadQueue();
          }) }, 'Aanbieden')));
    }

    const offers = r.offers ?? [];
    const article = h('article', { class: 'referral', dataset: { id: r.id, state: key(r.state) } },
      h('header', {},
        h('strong', {}, `${label(careTypes, r.search?.careType)} in ${r.search?.patientPostcode}`),
        h('span', { class: `badge state-${key(r.state)}` }, label(referralStates, r.state)),
        h('span', { class: 'muted' }, `${r.requester?.name || r.requesterOrg} · kenmerk ${r.patientRef} · start ${formatDay(r.search?.startDate)} · geëscaleerd ${formatTime(r.escalation?.escalatedAt)}`)),
      r.requester?.transferDesk ? h('p', { class: 'requester' }, `${texts.transferDesk}: `, contact(r.requester.transferDesk, texts.transferDesk)) : null,
      r.escalation?.reason ? h('p', {}, `Waarom: ${escalationReason(r.escalation.reason)}`) : null,
      explanation ? h('details', {},
        h('summary', {}, `Zoekresultaat bij escalatie: ${explanation.candidates?.length ?? 0} beschikbaar, ${explanation.exclusions?.length ?? 0} niet geschikt`),
        h('ul', { class: 'exclusions' }, (explanation.exclusions ?? []).map(x => h('li', {}, h('strong', {}, x.provider?.name), ` · ${exclusionText(x, insurerName)}`)))) : null,
      offers.length ? h('ul', { class: 'offers' }, offers.map(o => h('li', { dataset: { agb: o.provider?.agb, state: key(o.state) } }, `${o.provider?.name}: ${label(offerStates, o.state)}${o.uncontracted ? ' (niet gecontracteerd)' : ''}`))) : null,
      h('div', { class: 'actions' },
        r.escalation?.takenBy ? h('span', { class: 'muted' }, `Opgepakt door ${r.escalation.takenBy}`) :
          h('button', { type: 'button', onclick: act(async () => { await api(`${desk}/referrals/${encodeURIComponent(r.id)}/take`, { method: 'POST', body: { takenBy: identity.name } }); await loadQueue(); }) }, 'Oppakken'),
        radius, h('button', { type: 'button', onclick: widen, title: texts.widenHint }, 'Zoek breder')),
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
