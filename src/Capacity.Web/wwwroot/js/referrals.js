// The organisation's referrals on the nurse's screen: open (one that came back after a "no", with
// fresh candidates to offer it to again), placed (with the handover) or ended; a page of the chosen
// list on (re)connect, each referral refreshed when a step of it is pushed.
import { h, fill, say, keyed, latest, requestIds } from './dom.js';
import { errorText } from './errors.js';
import { api, pager, insurerName, versionOf } from './api.js';
import * as live from './live.js';
import { contact, facts, uncontractedWarning, moreButton, olderToggle } from './blocks.js';
import { confirmAction } from './confirm.js';
import {
  careTypes, contractTypes, referralStates, offerStates, declineReasons, closureOutcomes, listFilters, texts, label, key, proto,
  unit, formatKm, formatMoment, atMoment, formatWeekDay, today, dateMessage, isoDay, addDays,
} from './labels.js';
import { escalationReason, offerOutcome } from './texts/matching.js';
import { safeTexts } from './texts/safe.js';

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
  const older = olderToggle('include-older', () => setFilter(filter));
  older.label.hidden = true; // the open list holds every open referral anyway
  const moreReferrals = moreButton('referrals-more', () => referralPages.more().catch(showListError), referralList);
  const referrals = h('section', { class: 'card referrals-card', 'aria-labelledby': 'referrals-title' },
    h('h2', { id: 'referrals-title' }, texts.referralsTitle),
    h('div', { class: 'list-controls' },
      h('fieldset', { class: 'filters' }, h('legend', { class: 'sr' }, texts.filterLegend), filterRadios),
      older.label),
    referralStatus, referralList, moreReferrals);

  // --- referrals: a page of the chosen list on (re)connect, each referral refreshed when a step is pushed ---
  // Pushes, list pages and the answers to steps cross each other: a list read before a push may
  // still carry the old version. So every referral seen goes through `known` (never cleared by a
  // filter change) and is shown, in whichever list, only in the newest version seen.
  const known = new Map(); // referral id -> { referral: the newest version seen, at: when it was first seen (performance.now()) }
  let filter = 'Active';
  let ready = false;       // the chosen list's first read has landed
  let since = Infinity;    // when the read of the list shown began: what was learnt after it is newer than the list
  let drawn = new Set();   // ids of the cards on screen
  const listOf = r => ({ Placed: 'Placed', Cancelled: 'Ended', Closed: 'Ended' })[key(r.state)] ?? 'Active';

  // The fresh candidates of a waiting referral are searched when its card comes into view (not for
  // every waiting card at once on each list read), and again on "Vernieuwen".
  const watched = new Set();
  const inView = new IntersectionObserver(entries => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      inView.unobserve(e.target);
      watched.delete(e.target);
      e.target.whenSeen?.();
    }
  }, { rootMargin: '0px 0px 150px 0px' });

  /** Takes note of a referral; answers the newest version known (this one, or a newer one seen before). */
  function learn(r) {
    const k = known.get(r.id);
    if (k && versionOf(k.referral) >= versionOf(r)) return k.referral;
    known.set(r.id, { referral: r, at: performance.now() });
    return r;
  }

  const referralPages = pager(`organisations/${encodeURIComponent(identity.code)}/referrals`, answer => answer.referrals, r => r.id,
    (items, { reloaded, startedAt }) => {
      items.forEach(learn);
      if (reloaded) { since = startedAt; ready = true; }
      drawReferrals();
      moreReferrals.hidden = !referralPages.hasMore;
    }, { pageSize: 20, query: () => ({ filter: proto('REFERRAL_LIST_FILTER_', filter), includeOlder: filter !== 'Active' && older.box.checked }) });

  function showListError(err) { say(referralStatus, errorText(err), 'error'); }
  /** Reads the chosen list again; the list is aria-busy until the read that counts has landed. */
  async function loadReferrals() {
    referralList.setAttribute('aria-busy', 'true');
    try {
      if (await referralPages.first()) referralList.removeAttribute('aria-busy');
      // Cards kept from before (an outage, say) search again where their search had failed.
      for (const list of referralList.querySelectorAll('.fresh')) if (list.querySelector('.error')) list.whenSeen?.();
    } catch (err) {
      referralList.removeAttribute('aria-busy');
      showListError(err);
    }
  }

  async function setFilter(value) {
    filter = value;
    for (const label of filterRadios) label.querySelector('input').checked = label.dataset.filter === value;
    older.label.hidden = value === 'Active';
    say(referralStatus, '');
    referralPages.reset();
    ready = false;
    since = Infinity;
    drawn = new Set();
    moreReferrals.hidden = true;
    fill(referralList, h('p', { class: 'muted' }, texts.loading));
    keyed.reset(referralList);
    await loadReferrals();
  }
  const showActive = () => (filter === 'Active' ? loadReferrals() : setFilter('Active'));

  /** Shows one referral: the open list, fetched if it is not on the pages read, scrolled to, focused and highlighted. */
  async function openReferral(id) {
    if (filter !== 'Active') await setFilter('Active');
    if (!drawn.has(id)) {
      try {
        const { referral } = await api(`referrals/${encodeURIComponent(id)}`);
        const now = learn(referral);
        if (listOf(now) !== filter) await setFilter(listOf(now));
        known.get(id).at = performance.now(); // shown beside the pages read, like a referral pushed
        drawReferrals();
      } catch (err) {
        showListError(err);
        return;
      }
    }
    const card = cardOf(id);
    if (!card) return;
    card.scrollIntoView({ block: 'center', behavior: 'instant' });
    card.focus({ preventScroll: true });
    card.classList.remove('highlight');
    void card.offsetWidth; // restart the highlight when it is opened twice
    card.classList.add('highlight');
  }

  const cardOf = id => referralList.querySelector(`article.referral[data-id="${CSS.escape(id)}"]`);

  const newest = {
    Active: r => r.createdAt ?? '',
    Placed: r => r.placement?.placedAt ?? r.updatedAt ?? '',
    Ended: r => r.closure?.closedAt ?? r.updatedAt ?? '',
  };
  /** The chosen list: the pages read and what was learnt since their read began, each in its newest version, if it still belongs here. */
  function drawReferrals() {
    if (!ready) return;
    const ids = new Set(referralPages.items.map(r => r.id));
    for (const [id, k] of known) if (k.at > since) ids.add(id);
    const at = newest[filter];
    const list = [...ids].map(id => known.get(id).referral).filter(r => listOf(r) === filter).sort((a, b) => at(b).localeCompare(at(a)));
    drawn = new Set(list.map(r => r.id));
    keyed(referralList, list, r => r.id, r => r.version, referralCard, h('p', { class: 'muted' }, texts.noReferrals[filter]));
    for (const el of watched) if (!el.isConnected) { inView.unobserve(el); watched.delete(el); }
  }

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

  const offerRequests = requestIds(); // one per referral until its offer succeeds; another choice of providers is another request

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
    watched.add(list);
    inView.observe(list);

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

  // --- steps (cancel, escalate): one at a time per referral, one request id per referral and step until it succeeds ---
  const busy = new Set();          // referral ids with a step under way (a card redrawn meanwhile shows its buttons disabled)
  const stepRequests = requestIds();
  const stepTexts = { cancel: texts.cancel, escalate: texts.toDesk };

  function stepButton(r, action) {
    return h('button', { type: 'button', class: action === 'cancel' ? 'link' : null, dataset: { step: action }, disabled: busy.has(r.id),
      onclick: () => step(r, action) }, stepTexts[action]);
  }

  function setBusy(id, on) {
    on ? busy.add(id) : busy.delete(id);
    for (const button of cardOf(id)?.querySelectorAll('button[data-step]') ?? []) button.disabled = on;
  }

  /** Says something in the referral's card as it is now (it may have been redrawn meanwhile), or above the list once it left it. */
  function sayOn(r, text, kind) {
    const status = cardOf(r.id)?.querySelector('.card-status');
    if (status) say(status, text, kind);
    else say(referralStatus, `${r.patientRef}: ${text}`, kind);
  }

  /** Cancelling cannot be undone: asked first, and its result said above the list (the card leaves the open list). */
  const confirmCancel = r => confirmAction({
    title: safeTexts.confirmCancelTitle(r.patientRef), text: safeTexts.confirmCancelText,
    yes: safeTexts.confirmCancelYes, no: safeTexts.confirmCancelNo,
  });

  async function step(r, action) {
    if (busy.has(r.id)) return;
    // Before the first await: a second click of a double-click finds the referral busy. While the
    // confirmation is open the buttons stay enabled, so that the focus can come back to them.
    if (action === 'cancel') busy.add(r.id);
    else setBusy(r.id, true);
    const request = `${r.id}:${action}`;
    try {
      if (action === 'cancel') {
        if (!await confirmCancel(r)) return;
        setBusy(r.id, true);
      }
      const updated = await api(`referrals/${encodeURIComponent(r.id)}/${action}`, { method: 'POST', body: { requestId: stepRequests.for(request) } });
      stepRequests.done(request);
      place(updated, action === 'cancel' && key(updated.state) === 'Cancelled' ? safeTexts.referralCancelled(updated.patientRef) : null);
    } catch (err) {
      sayOn(r, errorText(err), 'error');
    } finally {
      setBusy(r.id, false);
    }
  }

  /**
   * A referral as it is now: in the chosen list, or out of it (and said where it went, or what
   * done says was done); an older version than seen is dropped.
   */
  function place(referral, done = null) {
    if (learn(referral) !== referral) { if (done) say(referralStatus, done); return; }
    const wasShown = drawn.has(referral.id);
    drawReferrals();
    if (done) say(referralStatus, done);
    else if (wasShown && !drawn.has(referral.id)) say(referralStatus, texts.movedTo(referral.patientRef, listOf(referral)));
  }

  live.on('ReferralChanged', async notice => {
    const k = known.get(notice.referralId);
    if (k && versionOf(k.referral) >= versionOf(notice)) return; // already shown as new as this
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
