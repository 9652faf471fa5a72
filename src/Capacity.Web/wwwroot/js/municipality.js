// Municipality: a map of its postcode areas coloured by free capacity for one care type, for all
// providers or as one insurer's insured see it (contracted providers without a stop for that
// insurer: the view the municipality picks, and the legend names); per area the providers with
// room, room closed by client stops and stale figures, live; its unmet demand. Aggregates only:
// no provider appears here. The drawing is municipality-map.js.
import { h, fill, latest } from './dom.js';
import { api, listInsurers } from './api.js';
import * as live from './live.js';
import { Problem } from './errors.js';
import { careTypes, label, key, formatTime, formatWeekDay, formatShortDay, dateMessage, isoDay } from './labels.js';
import { comingDays } from './capacity-outlook.js';
import { mapTexts as t } from './texts/map.js';
import { drawMap, band } from './municipality-map.js';

/**
 * Unmet demand with every area of the municipality: the map colours them all, so its pages are
 * read one after another (bounded by the municipality's areas × care types, a few pages at most
 * for the largest); the totals come with every page.
 */
async function readUnmet(gm) {
  const query = { municipality: gm, pageSize: 200 };
  let response = await api('unmet-demand', { query });
  const areas = [...(response.areas ?? [])];
  for (let pages = 1; response.nextPageToken && pages < 100; pages++) {
    response = await api('unmet-demand', { query: { ...query, pageToken: response.nextPageToken } });
    areas.push(...(response.areas ?? []));
  }
  return { counts: response.counts ?? [], areas };
}

/** The table's columns: key, heading, and what it means (for the view shown). */
const columns = [
  ['pc4', t.colPc4, () => t.helpPc4],
  ['place', t.colPlace, () => t.helpPlace],
  ['free', t.colFree, t.helpFree],
  ['with-room', t.colWithRoom, t.helpWithRoom],
  ['closed', t.colClosed, t.helpClosed],
  ['stops', t.colStops, () => t.helpStops],
  ['stale', t.colStale, () => t.helpStale],
  ['unmet', t.colUnmet, () => t.helpUnmet],
];

export async function render(main, identity) {
  document.title = 'Gemeente — Capaciteit wijkverpleging';
  const gm = identity.code;
  const [geo, firstUnmet, insurers] = await Promise.all([
    fetch(`/geo/municipalities/${encodeURIComponent(gm)}/pc4.geojson`).then(r => {
      if (!r.ok) throw new Problem(t.noMap(gm));
      return r.json();
    }),
    readUnmet(gm).catch(() => ({ counts: [], areas: [] })),
    listInsurers().catch(() => []),
  ]);

  const careType = h('select', { id: 'map-care-type', 'aria-label': t.careType },
    Object.entries(careTypes).map(([k, v]) => h('option', { value: k }, v)));
  const viewPicker = h('select', { id: 'map-view', 'aria-label': t.view },
    h('option', { value: '' }, t.allProviders),
    h('optgroup', { label: t.perInsurer }, insurers.map(i => h('option', { value: i.uzovi }, t.insurerOption(i.name)))));
  // Today, or one of the coming 7 days: then free places and providers with room are the outlook's.
  const dayPicker = h('select', { id: 'map-day', 'aria-label': t.day },
    h('option', { value: '' }, t.dayToday), comingDays().map(d => h('option', { value: d }, t.dayOption(formatShortDay(dateMessage(d))))));
  const title = h('h1', { id: 'map-title' }, t.title);
  const updated = h('p', { class: 'muted', id: 'map-updated' });
  const viewStatus = h('p', { class: 'error', id: 'map-view-status', role: 'alert' });
  // A group, not an image: its areas are focusable and each has its own label.
  const mapSvg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  for (const [k, v] of Object.entries({ id: 'map', role: 'group', 'aria-labelledby': 'map-title', class: 'map' })) mapSvg.setAttribute(k, v);
  const tooltip = h('p', { class: 'tooltip', id: 'map-tooltip', 'aria-live': 'polite' }, t.hint);
  const legendView = h('p', { class: 'legend-view', id: 'legend-view' });
  const bandNone = h('span');
  const stopText = h('span');
  const legend = h('div', { class: 'legend-box', id: 'map-legend', role: 'group', 'aria-label': t.legend }, legendView,
    h('ul', { class: 'legend' },
      [['many', t.bandMany], ['some', t.bandSome], ['few', t.bandFew], ['zero', t.bandZero]]
        .map(([b, text]) => h('li', {}, h('span', { class: `swatch band-${b}` }), text)),
      h('li', {}, h('span', { class: 'swatch band-none' }), bandNone),
      h('li', {}, h('span', { class: 'swatch stop' }), stopText),
      h('li', {}, h('span', { class: 'swatch unmet' }), t.unmet)));
  const rows = h('tbody', { id: 'areas' });
  const totals = h('p', { id: 'totals', class: 'totals' });
  const help = h('dl', { id: 'areas-help', class: 'column-help' });
  const unmet = h('ul', { id: 'unmet-municipality' });

  fill(main, h('div', { class: 'municipality' },
    h('section', { class: 'card map-card', 'aria-labelledby': 'map-title' },
      h('div', { class: 'map-head' }, title, h('div', { class: 'map-pickers' }, viewPicker, careType, dayPicker)), updated, viewStatus,
      h('div', { class: 'map-wrap' }, mapSvg),
      legend, tooltip, h('p', { class: 'muted' }, t.source)),
    h('section', { class: 'card', 'aria-labelledby': 'areas-title' },
      h('h2', { id: 'areas-title' }, t.areasTitle), totals,
      h('table', { class: 'areas' }, h('thead', {}, h('tr', {},
        columns.map(([k, heading], i) => h('th', { scope: 'col', class: i > 1 ? 'num' : null, 'aria-describedby': `help-${k}` }, heading)))), rows),
      h('h3', { id: 'areas-help-title' }, t.helpTitle), help,
      h('h2', {}, t.unmetTitle),
      h('p', { class: 'muted' }, t.unmetAbout),
      unmet)));

  const { paint, places } = drawMap(mapSvg, geo, showTip);

  let availability = null;
  let unmetAreas = firstUnmet.areas ?? [];
  const unmetIn = (pc4, type) => Number(unmetAreas.find(a => a.pc4 === pc4 && key(a.careType) === type)?.escalations ?? 0);
  const figures = (area, type) => area?.careTypes?.find(c => key(c.careType) === type) ?? {};
  const insurerName = () => availability?.insurer?.name ?? null;
  /** An area's figures for the care type shown, with 0 for what the answer leaves out. */
  function numbers(area, type) {
    const f = figures(area, type);
    const day = dayPicker.value ? (f.outlook?.days ?? f.outlook ?? []).find(d => isoDay(d.day ?? d.date) === dayPicker.value) : null;
    return {
      free: (day ?? f).freePlaces ?? 0, withRoom: (day ?? f).providersWithRoom ?? 0, inView: f.providersInView ?? 0,
      closed: f.providersWithRoomClosedByClientStop ?? 0, closedFree: f.freePlacesClosedByClientStop ?? 0,
      stops: f.providersWithClientStop ?? 0, stale: f.providersStale ?? 0, unmet: unmetIn(area?.pc4, type),
    };
  }

  /** An area in words, for the tooltip and for screen readers (its label on the map). */
  const describe = (area, pc4) => t.areaTip({ pc4, place: places.get(pc4) ?? '', ...numbers(area ?? { pc4 }, careType.value),
    careType: label(careTypes, careType.value), insurer: insurerName() });
  // The area last pointed at: its figures are said again when new ones arrive. Before the first
  // figures arrive there is nothing to say (not "0 vrij bij 0 van 0").
  let tipPc4 = null;
  function showTip(pc4) {
    tipPc4 = pc4;
    tooltip.textContent = availability ? describe(availability.areas?.find(a => a.pc4 === pc4), pc4) : t.hint;
  }

  function drawLegend() {
    const insurer = insurerName();
    legendView.textContent = insurer ? t.legendInsurer(insurer) : t.legendAll;
    legend.dataset.view = availability?.insurer?.uzovi ?? '';
    bandNone.textContent = insurer ? t.bandNoneInsurer(insurer) : t.bandNone;
    stopText.textContent = insurer ? t.stopInsurer(insurer) : t.stopAll;
    fill(help, columns.map(([k, heading, explain]) => [
      h('dt', { id: `help-term-${k}` }, heading), h('dd', { id: `help-${k}` }, explain(insurer))]));
  }

  function draw() {
    if (!availability) return;
    const type = careType.value;
    updated.textContent = dayPicker.value
      ? t.updatedDay(formatTime(availability.evaluatedAt), label(careTypes, type), formatWeekDay(dateMessage(dayPicker.value)))
      : t.updated(formatTime(availability.evaluatedAt), label(careTypes, type));
    drawLegend();
    for (const area of availability.areas ?? []) {
      const n = numbers(area, type);
      paint(area.pc4, { band: band(n.free, n.inView), closed: n.closed, free: n.free, unmet: n.unmet, label: describe(area, area.pc4) });
    }
    fill(rows, (availability.areas ?? []).map(area => {
      const n = numbers(area, type);
      return h('tr', { dataset: { pc4: area.pc4, free: n.free, closed: n.closed } },
        h('th', { scope: 'row' }, area.pc4), h('td', {}, places.get(area.pc4) ?? ''),
        h('td', { class: 'num' }, n.free), h('td', { class: 'num with-room' }, t.withRoomCell(n.withRoom, n.inView)),
        h('td', { class: 'num closed' }, t.closedCell(n.closed, n.closedFree)),
        h('td', { class: 'num' }, n.stops), h('td', { class: 'num' }, n.stale),
        h('td', { class: 'num unmet' }, n.unmet));
    }));
    // Each provider once, however many areas it serves (the distinct counts).
    const total = (availability.totals ?? []).find(c => key(c.careType) === type) ?? {};
    const once = total.distinct ?? {};
    const totalDay = dayPicker.value ? (total.outlook?.days ?? total.outlook ?? []).find(d => isoDay(d.day ?? d.date) === dayPicker.value) : null;
    totals.textContent = t.totals({
      municipality: availability.municipality, free: (totalDay ?? total).freePlaces ?? 0, withRoom: once.withRoom ?? 0, inView: once.inView ?? 0,
      closed: once.withRoomClosedByClientStop ?? 0, closedFree: total.freePlacesClosedByClientStop ?? 0, insurer: insurerName(),
    });
    totals.dataset.withRoom = once.withRoom ?? 0;
    if (tipPc4) showTip(tipPc4);
  }
  careType.addEventListener('change', draw);
  dayPicker.addEventListener('change', draw);

  function drawUnmet(response) {
    unmetAreas = response.areas ?? [];
    const counts = response.counts ?? [];
    fill(unmet, counts.length === 0 ? h('li', { class: 'muted' }, t.unmetNone) :
      counts.map(c => h('li', {}, t.unmetLine(label(careTypes, c.careType), c.escalations))));
    draw();
  }
  // The hub says when the counts changed (never what they are): read them then, after each
  // (re)connect, and every ten minutes in case a push was lost (the hub delivers at most once).
  const loadUnmet = latest(async isLatest => {
    const response = await readUnmet(gm);
    if (isLatest()) drawUnmet(response);
  });
  drawUnmet(firstUnmet);
  live.on('UnmetDemandChanged', notice => { if (notice.municipalityCode === gm) loadUnmet(); });
  setInterval(loadUnmet, 600000);

  // One region subscription, for the view picked; a new pick replaces it. A subscribe that a
  // newer pick overtook is given up, so the map never shows an older view than the picker.
  let subscription = null, picks = 0;
  async function follow() {
    const mine = ++picks;
    const previous = subscription;
    subscription = null;
    if (previous) live.invoke('Unsubscribe', previous).catch(() => {});
    try {
      const first = await live.invoke('SubscribeToRegion', { municipality: gm, insurerUzovi: viewPicker.value || null });
      if (mine !== picks) {
        live.invoke('Unsubscribe', first.subscriptionId).catch(() => {});
        return;
      }
      subscription = first.subscriptionId;
      availability = first.availability;
      viewStatus.textContent = '';
      draw();
    } catch (e) {
      if (mine !== picks) return;
      console.warn('region subscription failed', e);
      viewStatus.textContent = t.viewFailed;
    }
  }
  viewPicker.addEventListener('change', follow);
  live.on('RegionUpdated', update => {
    if (update.subscriptionId !== subscription) return;
    availability = update.availability;
    draw();
  });
  live.onConnected(async () => {
    await live.invoke('FollowMunicipality', gm);
    await follow();
    loadUnmet();
  });
}
