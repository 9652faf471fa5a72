// The organisation's referrals on the nurse's screen: open (one that came back after a "no", with
// fresh candidates to offer it to again), placed (with the handover) or ended; a page of the chosen
// list on (re)connect, each referral refreshed when a step of it is pushed.
import { h, fill, say, uuid, keyed } from './dom.js';
import { api, pager } from './api.js';
import * as live from './live.js';
import { contact, facts, uncontractedWarning, moreButton, olderToggle } from './blocks.js';
import {
  careTypes, contractTypes, referralStates, offerStates, declineReasons, closureOutcomes, listFilters, texts, label, key, proto, unit,
  formatKm, formatMoment, atMoment, formatWeekDay, today, dateMessage, isoDay, addDays, escalationReason, rejectedText,
} from './labels.js';

/**
 * The referrals section for <paramref>identity</paramref>'s organisation: returns the section,
 * load (the chosen list's first page), showActive (the open list, reloaded) and open(id) (one
 * referral shown, scrolled to, focused and highlighted).
 */
export function referralHistory(identity, insurers) {
  const referralList = h('div', { id: 'referrals', class: 'referrals' }, h('p', { class: 'muted' }, texts.loading));
  const referralStatus = h('p', { class: 'status', role: 'status', id: 'referrals-status' });
  const filterRadios = Object.entries(listFilters).map(([value, text]) => {
    const radio = h('input', { type: 'radio', name: 'referral-filter', value, checked: value === 'Active', onchange: () => setFilter(value) });
    return h('label', { class: 'segment', dataset: { filter: value } }, radio, h('span', {}, text));
  });
  const older = olderToggle('include-older', () => { referralPages.reset(); loadReferrals(); });
  older.label.hidden = true; // the open list holds every open referral anyway
  const moreReferrals = moreButton('referrals-more', () => referralPages.more().catch(showListError));
  const referrals = h('section', { class: 'card referrals-card', 'aria-labelledby': 'referrals-title' },
    h('h2', { id: 'referrals-title' }, texts.referralsTitle),
    h('div', { class: 'list-controls' },
      h('fieldset', { class: 'filters' }, h('legend', { class: 'sr' }, texts.filterLegend), filterRadios),
      older.label),
    referralStatus, referralList, moreReferrals);

  // --- referrals: a page of the chosen list on (re)connect, each referral refreshed when a step is pushed ---
  let filter = 'Active';
  const shown = new Map(); // referral id -> referral, of the chosen list
  const listOf = r => ({ Placed: 'Placed', Cancelled: 'Ended', Closed: 'Ended' })[key(r.state)] ?? 'Active';
  const referralPages = pager(`organisations/${encodeURIComponent(identity.code)}/referrals`, answer => answer.referrals, (items, first) => {
    const before = new Map(shown);
    if (first) shown.clear();
    for (const r of items) {
      // Pushes and answers can cross: never replace a newer version with an older one.
      const known = before.get(r.id);
      if (listOf(r) === filter) shown.set(r.id, known && BigInt(known.version ?? 0) > BigInt(r.version ?? 0) ? known : r);
    }
    drawReferrals();
    moreReferrals.hidden = !referralPages.hasMore;
  }, { pageSize: 20, query: () => ({ filter: proto('REFERRAL_LIST_FILTER_', filter), includeOlder: filter !== 'Active' && older.box.checked }) });

  function showListError(err) { say(referralStatus, err.message, 'error'); }
  const loadReferrals = () => referralPages.first().catch(showListError);

  async function setFilter(value) {
    filter = value;
    for (const label of filterRadios) label.querySelector('input').checked = label.dataset.filter === value;
    older.label.hidden = value === 'Active';
    say(referralStatus, '');
    referralPages.reset();
    shown.clear();
    moreReferrals.hidden = true;
    fill(referralList, h('p', { class: 'muted' }, texts.loading));
    referralList._keyed = null;
    await loadReferrals();
  }
  const showActive = () => (filter === 'Active' ? loadReferrals() : setFilter('Active'));

  /** Shows one referral: the open list, fetched if it is not on the pages read, scrolled to, focused and highlighted. */
  async function openReferral(id) {
    if (filter !== 'Active') await setFilter('Active');
    if (!shown.has(id)) {
      try {
        const { referral } = await api(`referrals/${encodeURIComponent(id)}`);
        if (listOf(referral) !== 'Active') { await setFilter(listOf(referral)); if (!shown.has(id)) shown.set(id, referral); }
        else shown.set(id, referral);
        drawReferrals();
      } catch (err) {
        showListError(err);
        return;
      }
    }
    const card = referralList.querySelector(`article.referral[data-id="${CSS.escape(id)}"]`);
    if (!card) return;
    card.scrollIntoView({ block: 'center', behavior: 'instant' });
    card.focus({ preventScroll: true });
    card.classList.remove('highlight');
    void card.offsetWidth; // restart the highlight when it is opened twice
    card.classList.add('highlight');
  }

  const newest = {
    Active: r => r.createdAt ?? '',
    Placed: r => r.placement?.placedAt ?? r.updatedAt ?? '',
    Ended: r => r.closure?.closedAt ?? r.updatedAt ?? '',
  };
  function drawReferrals() {
    const at = newest[filter];
    const list = [...shown.values()].sort((a, b) => at(b).localeCompare(at(a)));
    keyed(referralList, list, r => r.id, r => r.version, referralCard, h('p', { class: 'muted' }, texts.noReferrals[filter]));
  }

  function referralCard(r) {
    const state = key(r.state);
    const offers = r.offers ?? [];
    const pending = offers.some(o => key(o.state) === 'Pending');
    const waiting = state === 'Open' && !pending;
    const insurer = insurers.find(i => i.uzovi === r.search?.insurerUzovi)?.name ?? r.search?.insurerUzovi;
    const status = h('p', { class: 'status', role: 'status' });
    return h('article', { class: 'referral', tabindex: -1, dataset: { id: r.id, state }, 'aria-label': `Verwijzing ${r.patientRef}` },
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
        key(o.state) === 'Pending' && o.deadline ? h('span', { class: 'muted' }, ` · antwoord uiterlijk ${formatMoment(o.deadline)}`) : ''))) : null,
      waiting ? chooseBlock(r, status) : null,
      state === 'Offered' ? h('div', { class: 'actions' },
        // Escalation waits for the open offers' answers (the service refuses it before).
        pending ? null : h('button', { type: 'button', onclick: () => step(r, 'escalate', status) }, texts.toDesk),
        h('button', { type: 'button', class: 'link', onclick: () => step(r, 'cancel', status) }, texts.cancel)) : null,
      status);
  }

  /** The handover once placed: with whom, the first visit, whom to call. */
  function placedBlock(r, insurer) {
    const p = r.placement;
    const name = p?.provider?.name ?? offersOf(r).find(o => o.provider?.agb === r.placedWithAgb)?.provider?.name ?? r.placedWithAgb;
    return h('div', { class: 'handover' },
      h('p', { class: 'placed' }, `Geplaatst bij ${name}.`),
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
  function chooseBlock(r, status) {
    const returnedBy = r.waiting?.returnedByOfferId ? offersOf(r).find(o => o.id === r.waiting.returnedByOfferId) : null;
    const headline = !returnedBy ? texts.chooseProvider
      : key(returnedBy.state) === 'Expired' ? texts.returnedExpired(returnedBy.provider?.name)
        : texts.returnedDeclined(returnedBy.provider?.name, declineText(returnedBy));
    const limit = Math.max(1, Number(r.maxParallelOffers) || 1);
    const chosen = new Set();
    const list = h('div', { class: 'fresh', 'aria-live': 'polite' }, h('p', { class: 'muted' }, texts.freshLoading));
    const hint = h('p', { class: 'muted hint' }, limit < 10 ? texts.atMost(limit) : '');
    let request = uuid(); // reused until it succeeds: a retried click offers once
    const offerButton = h('button', { type: 'button', class: 'primary reoffer', disabled: true,
      onclick: async () => {
        if (!chosen.size) { say(status, texts.pickFirst, 'error'); return; }
        offerButton.disabled = true;
        try {
          const answer = await api(`referrals/${encodeURIComponent(r.id)}/offers`, { method: 'POST', body: { requestId: request, providerAgbs: [...chosen] } });
          request = uuid();
          const names = new Map([...list.querySelectorAll('label[data-agb]')].map(l => [l.dataset.agb, l.dataset.name]));
          const refused = (answer.rejected ?? []).map(x => `${names.get(x.providerAgb) ?? x.providerAgb} (${rejectedText(x.reason)})`);
          const made = [...chosen].filter(agb => !(answer.rejected ?? []).some(x => x.providerAgb === agb)).map(agb => names.get(agb));
          say(referralStatus, [`${r.patientRef}:`, made.length ? texts.offeredTo(made.join(', ')) : '', refused.length ? texts.notOfferedTo(refused.join('; ')) : '']
            .filter(Boolean).join(' '), refused.length ? 'warn' : 'ok');
          if (answer.referral) { shown.set(answer.referral.id, answer.referral); drawReferrals(); }
          if (!made.length) await fresh();
        } catch (err) {
          say(status, err.message, 'error');
          await fresh();
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

    async function fresh() {
      chosen.clear();
      offerButton.disabled = true;
      try {
        const result = await api('searches', { method: 'POST', body: searchToday(r.search) });
        const tried = new Set(offersOf(r).map(o => o.provider?.agb));
        const candidates = (result.candidates ?? []).filter(c => !tried.has(c.provider.agb));
        fill(list, candidates.length === 0 ? h('p', { class: 'muted' }, texts.freshNone) : [
          h('p', { class: 'muted' }, texts.freshCandidates),
          candidates.map(c => h('label', { class: 'check pick', dataset: { agb: c.provider.agb, name: c.provider.name } },
            h('input', { type: 'checkbox', onchange: e => tick(c.provider.agb, e.target.checked) }),
            ` ${c.provider.name}`,
            h('span', { class: 'muted' }, ` · ${formatKm(c.distanceKm)} · ${c.freePlaces} ${unit(c.unit, c.freePlaces)} · ${label(contractTypes, c.contractType)}`))),
        ]);
      } catch (err) {
        fill(list, h('p', { class: 'error' }, texts.freshFailed, ' ', err.message));
      }
    }
    fresh();

    return h('div', { class: 'choose' },
      h('p', { class: returnedBy ? 'returned' : 'to-choose' }, headline),
      r.waiting?.alerted ? h('p', { class: 'warn-box waiting-alert', role: 'alert' }, texts.waitingAlert(atMoment(r.waiting.escalateAt))) : null,
      list, hint,
      h('div', { class: 'actions' },
        offerButton,
        h('button', { type: 'button', onclick: () => step(r, 'escalate', status) }, texts.toDesk),
        h('button', { type: 'button', class: 'link', onclick: () => step(r, 'cancel', status) }, texts.cancel),
        h('button', { type: 'button', class: 'link', onclick: fresh }, texts.refresh)));
  }

  async function step(r, action, status) {
    try {
      const updated = await api(`referrals/${encodeURIComponent(r.id)}/${action}`, { method: 'POST', body: { requestId: uuid() } });
      place(updated);
    } catch (err) {
      say(status, err.message, 'error');
    }
  }

  /** A referral as it is now: in the chosen list, or out of it (and said where it went). */
  function place(referral) {
    const old = shown.get(referral.id);
    // Pushes and answers can cross: never replace a newer version with an older one.
    if (old && BigInt(old.version ?? 0) > BigInt(referral.version ?? 0)) return;
    if (listOf(referral) === filter) shown.set(referral.id, referral);
    else if (old) {
      shown.delete(referral.id);
      say(referralStatus, texts.movedTo(referral.patientRef, listOf(referral)));
    }
    drawReferrals();
  }

  live.on('ReferralChanged', async notice => {
    try {
      const { referral } = await api(`referrals/${encodeURIComponent(notice.referralId)}`);
      place(referral);
    } catch (e) {
      console.error(e);
    }
  });

  return { section: referrals, load: loadReferrals, showActive, open: openReferral };
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
