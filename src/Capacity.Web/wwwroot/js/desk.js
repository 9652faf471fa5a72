// Mediation desk: the live queue of its insurer's escalated referrals with each one's search
// explanation; take, find leads (who can take the patient, whom to call, who is not contracted,
// who works nearby), offer (also uncontracted, with the warning), close with an outcome; and its
// unmet-demand counts. Both lists are paged ("Meer laden"); a push reads only the referral it is
// about when that one is shown, so a long queue is never read again whole.
import { h, fill, say, keyed, requestIds } from './dom.js';
import { errorText, showFieldErrors, clearFieldErrors } from './errors.js';
import { api, allPages, listInsurers, pager, versionOf, insurerName as nameIn } from './api.js';
import * as live from './live.js';
import { contact, uncontractedWarning, moreButton } from './blocks.js';
import {
  careTypes, referralStates, offerStates, closureOutcomes, contractTypes, texts, label, key, proto, formatKm, formatTime,
  formatDay, ago, unit,
} from './labels.js';
import { leadKinds, exclusionText, escalationReason, leadGroup, offerOutcome } from './texts/matching.js';

export async function render(main, identity) {
  document.title = 'Zorgbemiddeling — Capaciteit wijkverpleging';
  const uzovi = identity.code;
  const desk = `desks/${encodeURIComponent(uzovi)}`;
  // Outcomes of actions are said here, not in a card: a card is rebuilt when its referral changes.
  const deskStatus = h('p', { class: 'status', role: 'status', id: 'desk-status' });
  const insurerName = nameIn(await listInsurers(), uzovi);
  const queue = h('div', { id: 'queue', class: 'queue' }, h('p', { class: 'muted' }, texts.loading));
  const moreQueue = moreButton('queue-more', () => queuePages.more().catch(e => say(deskStatus, errorText(e), 'error')), queue);
  const unmet = h('tbody', { id: 'unmet' });
  const unmetStatus = h('p', { class: 'status', role: 'status', id: 'unmet-status' });
  const moreUnmet = moreButton('unmet-more', () => unmetPages.more().catch(e => say(unmetStatus, errorText(e), 'error')), unmet);
  const municipalities = new Map((await allPages('municipalities', 'municipalities')).map(m => [m.code, m.name]));

  fill(main, h('div', { class: 'desk' },
    h('section', { class: 'card', 'aria-labelledby': 'queue-title' },
      h('h1', { id: 'queue-title' }, `Zorgbemiddeling ${insurerName}: geëscaleerde verwijzingen`), deskStatus, queue, moreQueue),
    h('section', { class: 'card', 'aria-labelledby': 'unmet-title' },
      h('h2', { id: 'unmet-title' }, 'Onvervulde zorgvraag'),
      h('p', { class: 'muted' }, texts.unmetIntro),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, texts.municipality), h('th', { scope: 'col' }, texts.careType), h('th', { scope: 'col', class: 'num' }, texts.count))), unmet),
      moreUnmet, unmetStatus)));

  const searches = new Map(); // referral id -> last leads, kept across queue redraws

  // Referrals read one by one since the queue was read (after a push or an action): the newer
  // version is shown, and one no longer in the queue (placed, closed, cancelled) leaves it.
  const newer = new Map();
  const gone = new Set(['Placed', 'Closed', 'Cancelled']);
  function drawQueue() {
    const items = queuePages.items.map(r => (newer.has(r.id) && versionOf(newer.get(r.id)) > versionOf(r) ? newer.get(r.id) : r))
      .filter(r => !gone.has(key(r.state)));
    keyed(queue, items, r => r.id, r => r.version, card, h('p', { class: 'muted' }, texts.emptyQueue));
    moreQueue.hidden = !queuePages.hasMore;
  }
  const queuePages = pager(`${desk}/queue`, answer => answer.referrals, r => r.id, items => {
    for (const r of items) if (newer.has(r.id) && versionOf(newer.get(r.id)) <= versionOf(r)) newer.delete(r.id);
    drawQueue();
  }, { pageSize: 25 });
  /** Reads the queue again from its start: as many referrals as are shown, never the whole queue. */
  const loadQueue = () => queuePages.first().catch(e => say(deskStatus, errorText(e), 'error'));
  /** One referral as an answer or a read gave it: shown in its place, if it is shown. */
  function learn(referral) {
    if (!referral?.id || (newer.has(referral.id) && versionOf(newer.get(referral.id)) >= versionOf(referral))) return;
    newer.set(referral.id, referral);
    drawQueue();
  }

  const unmetPages = pager('unmet-demand', answer => answer.counts, c => `${c.municipalityCode}:${c.careType}`, counts => {
    fill(unmet, counts.length === 0 ? h('tr', {}, h('td', { colspan: 3, class: 'muted' }, texts.noUnmet)) :
      counts.map(c => h('tr', {}, h('td', {}, municipalities.get(c.municipalityCode) ?? c.municipalityCode), h('td', {}, label(careTypes, c.careType)), h('td', { class: 'num' }, c.escalations))));
    moreUnmet.hidden = !unmetPages.hasMore;
  }, { pageSize: 25, query: () => ({ insurerUzovi: uzovi }) });
  const loadUnmet = () => unmetPages.first().catch(e => say(unmetStatus, errorText(e), 'error'));

  const offerRequests = requestIds(); // one per referral until its offer succeeds; another choice is another request
  const stepRequests = requestIds(); // take and close: one per referral and step until it succeeds

  /**
   * A button whose action runs once at a time: disabled from the click (a double-click sends one
   * request) until the call is done; a failure is said in the desk's status.
   */
  function actionButton(attrs, text, run) {
    const button = h('button', { type: 'button', ...attrs, onclick: async () => {
      if (button.disabled) return;
      button.disabled = true;
      try { await run(); } catch (err) { say(deskStatus, errorText(err), 'error'); } finally { button.disabled = false; }
    } }, text);
    return button;
  }

  /** A lead's intake, to call: the phone (and hours), not the e-mail. */
  const leadContact = lead => contact(lead.intake, lead.provider.name, { email: false });

  function card(r) {
    const explanation = r.escalation?.explanation;
    const radius = h('select', { 'aria-label': texts.radius }, [15, 25, 40, 60, 100].map(km => h('option', { value: km, selected: km === 25 }, `${km} km`)));
    const uncontracted = h('input', { type: 'checkbox', 'aria-label': 'Ook niet-gecontracteerde aanbieders' });
    const found = h('div', { class: 'found' });
    const outcome = h('select', { id: `close-outcome-${r.id}`, 'aria-label': texts.outcome }, Object.entries(closureOutcomes).map(([k, v]) => h('option', { value: k }, v)));
    const closeText = h('input', { id: `close-text-${r.id}`, class: 'close-text', placeholder: texts.closeTextPlaceholder, 'aria-label': texts.closeText, maxlength: 500 });
    const closeFields = { outcome, text: closeText };

    const widen = async () => {
      const result = await api(`${desk}/referrals/${encodeURIComponent(r.id)}/leads`, { method: 'POST', body: { radiusKm: Number(radius.value) } });
      searches.set(r.id, { result, radius: Number(radius.value) });
      drawFound(result);
    };

    /** The leads in their groups and order: offer the first (and, when allowed, uncontracted ones with room), call the others. */
    function drawFound(result) {
      const chosen = new Set();
      const leads = result.leads ?? [];
      const uncontractedPicks = [];
      const pick = (lead, ...extra) => {
        const uncontractedLead = key(lead.kind) === 'Uncontracted';
        const box = h('input', { type: 'checkbox', disabled: uncontractedLead && !uncontracted.checked,
          onchange: e => { e.target.checked ? chosen.add(lead.provider.agb) : chosen.delete(lead.provider.agb); } });
        // Why it cannot be ticked yet, in words on the screen (not only in a tooltip).
        const why = uncontractedLead ? h('small', { class: 'why-disabled', id: `why-${r.id}-${lead.provider.agb}`, hidden: uncontracted.checked }, texts.offerableUncontracted) : null;
        if (why) box.setAttribute('aria-describedby', why.id);
        if (uncontractedLead) uncontractedPicks.push({ box, why });
        return h('label', { class: 'check lead', dataset: { agb: lead.provider.agb, kind: key(lead.kind) } },
          box, ` ${lead.provider.name}`, extra, why);
      };
      const call = (lead, why) => h('div', { class: 'lead', dataset: { agb: lead.provider.agb, kind: key(lead.kind) } },
        h('strong', {}, lead.provider.name),
        h('span', { class: 'muted' }, ` · ${formatKm(lead.distanceKm)}${why ? ' · ' : ''}`), why ? h('span', { class: 'reason' }, why) : null,
        ' · ', leadContact(lead));
      const room = lead => texts.room(lead.freePlaces, unit(lead.unit, lead.freePlaces), ago(lead.capacityPublishedAt));
      const render = lead => {
        switch (key(lead.kind)) {
          case 'Candidate':
            return pick(lead, h('span', { class: 'muted' }, ` · ${formatKm(lead.distanceKm)} · ${room(lead)} · ${label(contractTypes, lead.contractType)}`), leadContact(lead));
          case 'Uncontracted':
            return lead.offerable
              ? pick(lead, h('span', { class: 'muted' }, ` · ${formatKm(lead.distanceKm)} · ${room(lead)}`), leadContact(lead))
              : call(lead, lead.reason && key(lead.reason) !== 'NotContracted' ? exclusionText(lead, insurerName) : texts.uncontractedNoRoom);
          case 'ToAsk': return call(lead, exclusionText(lead, insurerName));
          default: return call(lead, null);
        }
      };
      uncontracted.onchange = () => {
        for (const { box, why } of uncontractedPicks) {
          box.disabled = !uncontracted.checked;
          why.hidden = uncontracted.checked;
          if (box.disabled && box.checked) { box.checked = false; chosen.delete(box.closest('[data-agb]').dataset.agb); }
        }
      };
      const n = leads.filter(l => key(l.kind) === 'Candidate' && l.offerable).length;
      fill(found,
        h('p', { class: 'leads-summary', dataset: { count: n } }, texts.leadsFound(n, formatKm(result.radiusKm))),
        leadKinds.map(kind => {
          const group = leads.filter(l => key(l.kind) === kind);
          if (!group.length) return null;
          const title = `leads-${r.id}-${kind}`;
          return h('section', { class: `lead-group kind-${kind}`, dataset: { kind }, 'aria-labelledby': title },
            h('h3', { id: title }, `${leadGroup(kind, insurerName)} (${group.length})`),
            kind === 'Uncontracted' ? uncontractedWarning(insurerName) : null,
            group.map(render));
        }),
        h('div', { class: 'actions' },
          h('label', { class: 'check' }, uncontracted, ` ${texts.offerUncontracted}`),
          actionButton({ class: 'primary' }, texts.offer, async () => {
            if (!chosen.size) { say(deskStatus, texts.pickFirst, 'error'); return; }
            const body = { providerAgbs: [...chosen].sort(), allowUncontracted: uncontracted.checked };
            const answer = await api(`desk-offers/${encodeURIComponent(r.id)}`, { method: 'POST', body: { requestId: offerRequests.for(r.id, body), ...body } });
            offerRequests.done(r.id);
            const names = new Map(leads.map(l => [l.provider.agb, l.provider.name]));
            const outcome = offerOutcome(answer, body.providerAgbs, agb => names.get(agb), insurerName);
            say(deskStatus, [`${r.patientRef}:`, outcome.refused.length ? texts.notOfferedTo(outcome.refused.join('; ')) : texts.deskOffered,
              outcome.uncontracted ? texts.uncontractedWarning(insurerName) : ''].filter(Boolean).join(' '), outcome.refused.length || outcome.uncontracted ? 'warn' : 'ok');
            await loadQueue();
          })));
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
        r.escalation?.takenBy ? h('span', { class: 'muted' }, texts.takenBy(r.escalation.takenBy)) :
          actionButton({}, texts.take, async () => {
            learn(await api(`${desk}/referrals/${encodeURIComponent(r.id)}/take`, { method: 'POST', body: { takenBy: identity.name, requestId: stepRequests.for(`take ${r.id}`) } }));
            stepRequests.done(`take ${r.id}`);
            await loadQueue();
          }),
        radius, actionButton({ title: texts.widenHint }, texts.widen, widen)),
      found,
      h('div', { class: 'actions' }, outcome, closeText,
        actionButton({}, texts.close, async () => {
          const body = { outcome: proto('CLOSURE_OUTCOME_', outcome.value), text: closeText.value.trim() };
          clearFieldErrors(closeFields);
          try {
            learn(await api(`${desk}/referrals/${encodeURIComponent(r.id)}/close`, { method: 'POST', body: { ...body, requestId: stepRequests.for(`close ${r.id}`, body) } }));
          } catch (err) {
            showFieldErrors(err, closeFields, deskStatus);
            return;
          }
          stepRequests.done(`close ${r.id}`);
          await loadQueue();
        })));
    if (searches.has(r.id)) {
      radius.value = String(searches.get(r.id).radius);
      drawFound(searches.get(r.id).result);
    }
    return article;
  }

  // A push names one referral. Shown: read that one (not the queue). Not shown: a new escalation,
  // which joins the end of the queue — read the shown part again only when its end is shown
  // (else "Meer laden" will bring it). Unmet demand changes only with an escalation.
  live.on('ReferralChanged', async notice => {
    if ((notice.events ?? []).some(e => e.type === 'escalated')) loadUnmet();
    const shown = queuePages.items.find(r => r.id === notice.referralId);
    if (!shown) {
      if (!queuePages.hasMore) loadQueue();
      return;
    }
    const current = newer.get(shown.id) ?? shown;
    if (versionOf(current) >= versionOf(notice)) return; // already shown as new as this
    try {
      learn((await api(`referrals/${encodeURIComponent(notice.referralId)}`)).referral);
    } catch (e) {
      console.error(e);
    }
  });
  live.onConnected(async () => {
    await live.invoke('FollowDesk', uzovi);
    await Promise.all([loadQueue(), loadUnmet()]);
  });
}
