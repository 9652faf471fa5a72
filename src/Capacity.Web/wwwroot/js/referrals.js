// The organisation's referrals on the nurse's screen: open (one that came back after a "no", with
// fresh candidates to offer it to again), placed (with the handover) or ended; a page of the chosen
// list on (re)connect, each referral refreshed when a step of it is pushed.
// Each referral's card is js/referral-card.js.
import { h, fill, say, keyed, requestIds } from './dom.js';
import { errorText } from './errors.js';
import { api, pager, versionOf } from './api.js';
import * as live from './live.js';
import { moreButton, olderToggle } from './blocks.js';
import { confirmAction } from './confirm.js';
import { listFilters, texts, key, proto } from './labels.js';
import { safeTexts } from './texts/safe.js';
import { referralCards } from './referral-card.js';

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

  // One card per referral (js/referral-card.js): it says, offers again and takes steps through these.
  const referralCard = referralCards({
    insurers, referralStatus, stepButton, sayOn, place,
    watch: el => { watched.add(el); inView.observe(el); },
  });

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
