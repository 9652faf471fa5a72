// One referral on the nurse's screen (js/referrals.js holds the list): its state, the offers made,
// the handover once placed, and, while it waits for its requester, the providers that can take the
// patient now to offer it to again.
import { h, fill, say, latest, requestIds } from './dom.js';
import { errorText } from './errors.js';
import { api, insurerName } from './api.js';
import { contact, facts, uncontractedWarning } from './blocks.js';
import {
  careTypes, contractTypes, referralStates, offerStates, declineReasons, closureOutcomes, texts, label, key, unit,
  formatKm, formatMoment, atMoment, formatWeekDay, today, dateMessage, isoDay, addDays,
} from './labels.js';
import { escalationReason, offerOutcome } from './texts/matching.js';

/**
 * Draws the cards of one referral list: returns referralCard(r). From the list it takes insurers,
 * referralStatus (said above the list), stepButton(r, action) (cancel, escalate), sayOn(r, text,
 * kind) (said in the card), place(referral) (an answer shown) and watch(element) (its whenSeen()
 * runs once it comes into view).
 */
export function referralCards({ insurers, referralStatus, stepButton, sayOn, place, watch }) {
  const offerRequests = requestIds(); // one per referral until its offer succeeds; another choice of providers is another request

  function referralCard(r) {
    const state = key(r.state);
    const offers = r.offers ?? [];
    const pending = offers.some(o => key(o.state) === 'Pending');
    const waiting = state === 'Open' && !pending;
    const insurer = insurerName(insurers, r.search?.insurerUzovi);
    return h('article', { class: 'referral', tabindex: -1, dataset: { id: r.id, state }, 'aria-label': texts.referral(r.patientRef) },
      h('header', {},
        h('strong', {}, r.patientRef),
        h('span', { class: `badge state-${state}`, 'data-testid': 'referral-state' }, label(referralStates, r.state)),
        h('span', { class: 'muted', title: insurer }, `${label(careTypes, r.search?.careType)} · ${r.search?.patientPostcode} · ${formatMoment(r.updatedAt)}`)),
      state === 'Placed' ? placedBlock(r, insurer) : null,
      ['Escalated', 'Mediating'].includes(state) && r.escalation
        ? h('p', { class: 'escalated' }, texts.escalated(insurer, escalationReason(r.escalation.reason))) : null,
      state === 'Closed' ? h('div', { class: 'closure' },
        h('p', {}, texts.closed(label(closureOutcomes, r.closure?.outcome))),
        r.closure?.text ? h('blockquote', {}, r.closure.text) : null) : null,
      state === 'Cancelled' ? h('p', { class: 'muted' }, texts.cancelled(atMoment(r.updatedAt))) : null,
      offers.length ? h('ul', { class: 'offers' }, offers.map(o => h('li', { dataset: { agb: o.provider?.agb, state: key(o.state) } },
        `${o.provider?.name}: `, h('span', { class: `offer-state state-${key(o.state)}` }, label(offerStates, o.state)),
        key(o.state) === 'Declined' ? ` (${declineText(o)})` : '',
        key(o.state) === 'Pending' && o.deadline ? h('span', { class: 'muted' }, ` · ${texts.answerBy(formatMoment(o.deadline))}`) : ''))) : null,
      waiting ? chooseBlock(r) : null,
      // An offer is out: the requester can only cancel (escalating waits for the answers; the service refuses it before).
      state === 'Offered' ? h('div', { class: 'actions' }, stepButton(r, 'cancel')) : null,
      h('p', { class: 'status card-status', role: 'status' }));
  }

  /** The handover once placed: with whom, the first visit, whom to call. */
  function placedBlock(r, insurer) {
    const p = r.placement;
    const name = p?.provider?.name ?? offersOf(r).find(o => o.provider?.agb === r.placedWithAgb)?.provider?.name ?? r.placedWithAgb;
    return h('div', { class: 'handover' },
      h('p', { class: 'placed' }, texts.placedWith(name)),
      p ? facts([
        [texts.firstVisit, formatWeekDay(p.startDate), { fact: 'first-visit' }],
        [texts.intake, contact(p.intake, texts.intake), { fact: 'intake' }],
      ], { 'aria-label': texts.handoverTitle }) : null,
      p?.uncontracted ? uncontractedWarning(insurer) : null);
  }

  /**
   * A referral without an offer out waits for its requester: why it came back, a warning once
   * it is about to go to the desk, and the providers that can take the patient now (not those
   * already asked) to offer it to again.
   */
  function chooseBlock(r) {
    const returnedBy = r.waiting?.returnedByOfferId ? offersOf(r).find(o => o.id === r.waiting.returnedByOfferId) : null;
    const headline = !returnedBy ? texts.chooseProvider
      : key(returnedBy.state) === 'Expired' ? texts.returnedExpired(returnedBy.provider?.name)
        : texts.returnedDeclined(returnedBy.provider?.name, declineText(returnedBy));
    const limit = Math.max(1, Number(r.maxParallelOffers) || 1);
    const chosen = new Set();
    const list = h('div', { class: 'fresh' }, h('p', { class: 'muted' }, texts.freshLoading));
    const hint = h('p', { class: 'muted hint' }, limit < 10 ? texts.atMost(limit) : '');
    const offerButton = h('button', { type: 'button', class: 'primary reoffer', disabled: true,
      onclick: async () => {
        if (!chosen.size) { sayOn(r, texts.pickFirst, 'error'); return; }
        const agbs = [...chosen].sort();
        offerButton.disabled = true;
        try {
          const answer = await api(`referrals/${encodeURIComponent(r.id)}/offers`, { method: 'POST', body: { requestId: offerRequests.for(r.id, agbs), providerAgbs: agbs } });
          offerRequests.done(r.id);
          const names = new Map([...list.querySelectorAll('label[data-agb]')].map(l => [l.dataset.agb, l.dataset.name]));
          const { made, refused } = offerOutcome(answer, agbs, agb => names.get(agb), insurerName(insurers, r.search?.insurerUzovi));
          say(referralStatus, [`${r.patientRef}:`, made.length ? texts.offeredTo(made.join(', ')) : '', refused.length ? texts.notOfferedTo(refused.join('; ')) : '']
            .filter(Boolean).join(' '), refused.length ? 'warn' : 'ok');
          if (answer.referral) place(answer.referral);
          if (!made.length && list.isConnected) await fresh();
        } catch (err) {
          sayOn(r, errorText(err), 'error');
          if (list.isConnected) await fresh();
        } finally {
          offerButton.disabled = chosen.size === 0;
        }
      } }, returnedBy ? texts.reoffer : texts.offerFirst);

    function tick(agb, on) {
      on ? chosen.add(agb) : chosen.delete(agb);
      offerButton.disabled = chosen.size === 0;
      // No more ticks than may be open at once.
      for (const box of list.querySelectorAll('input[type=checkbox]')) box.disabled = !box.checked && chosen.size >= limit;
    }

    // Of overlapping searches (the card came into view, "Vernieuwen", a failed offer) only the last is drawn;
    // what was ticked stays valid until the new list replaces it.
    const fresh = latest(async isLatest => {
      const result = await api('searches', { method: 'POST', body: searchToday(r.search) });
      if (!isLatest()) return;
      const tried = new Set(offersOf(r).map(o => o.provider?.agb));
      const candidates = (result.candidates ?? []).filter(c => !tried.has(c.provider.agb));
      fill(list, candidates.length === 0 ? h('p', { class: 'muted' }, texts.freshNone) : [
        h('p', { class: 'muted' }, texts.freshCandidates),
        candidates.map(c => h('label', { class: 'check pick', dataset: { agb: c.provider.agb, name: c.provider.name } },
          h('input', { type: 'checkbox', onchange: e => tick(c.provider.agb, e.target.checked) }),
          ` ${c.provider.name}`,
          h('span', { class: 'muted' }, ` · ${formatKm(c.distanceKm)} · ${c.freePlaces} ${unit(c.unit, c.freePlaces)} · ${label(contractTypes, c.contractType)}`))),
      ]);
      chosen.clear();
      offerButton.disabled = true;
    }, err => {
      fill(list, h('p', { class: 'error' }, texts.freshFailed, ' ', errorText(err)));
      chosen.clear();
      offerButton.disabled = true;
    });
    list.whenSeen = fresh;
    watch(list);

    return h('div', { class: 'choose' },
      h('p', { class: returnedBy ? 'returned' : 'to-choose' }, headline),
      r.waiting?.alerted ? h('p', { class: 'warn-box waiting-alert', role: 'status' }, texts.waitingAlert(atMoment(r.waiting.escalateAt))) : null,
      list, hint,
      h('div', { class: 'actions' },
        offerButton,
        stepButton(r, 'escalate'),
        stepButton(r, 'cancel'),
        h('button', { type: 'button', class: 'link', onclick: () => fresh() }, texts.refresh)));
  }

  return referralCard;
}

const offersOf = r => r.offers ?? [];

/** A declined offer's reason, with the provider's own words. */
function declineText(o) {
  return `${label(declineReasons, o.declineReason)}${o.declineText ? `: ${o.declineText}` : ''}`;
}

/** A referral's stored search as it stands today: a start day that has passed moves to today (urgent only within a day), as the service does. */
function searchToday(s) {
  const day = today();
  const start = isoDay(s.startDate) < day ? day : isoDay(s.startDate);
  return { ...s, startDate: dateMessage(start), urgent: !!s.urgent && start <= addDays(day, 1) };
}
