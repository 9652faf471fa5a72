// Municipality: a map of its postcode areas (CBS PC4 outlines, no tiles) coloured by free
// capacity for one care type, with providers with room, client stops and stale figures per area,
// live; its unmet demand. Aggregates only: no provider or insurer appears here.
import { h, fill, latest } from './dom.js';
import { api } from './api.js';
import * as live from './live.js';
import { Problem } from './errors.js';
import { careTypes, label, key, formatTime } from './labels.js';

const svgNs = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}) => {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
};

/** Colour classes by free places in an area: none (or no provider), few, some, many. */
function band(free, serving) {
  if (!serving) return 'none';
  if (free <= 0) return 'zero';
  if (free <= 2) return 'few';
  if (free <= 6) return 'some';
  return 'many';
}

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

export async function render(main, identity) {
  document.title = 'Gemeente — Capaciteit wijkverpleging';
  const gm = identity.code;
  const [geo, firstUnmet] = await Promise.all([
    fetch(`/geo/municipalities/${encodeURIComponent(gm)}/pc4.geojson`).then(r => {
      if (!r.ok) throw new Problem(`Geen kaart voor gemeente ${gm}.`);
      return r.json();
    }),
    readUnmet(gm).catch(() => ({ counts: [], areas: [] })),
  ]);

  const careType = h('select', { id: 'map-care-type', 'aria-label': 'Zorgsoort' },
    Object.entries(careTypes).map(([k, v]) => h('option', { value: k }, v)));
  const title = h('h1', { id: 'map-title' }, 'Beschikbaarheid in uw gemeente');
  const updated = h('p', { class: 'muted', id: 'map-updated' });
  // A group, not an image: its areas are focusable and each has its own label.
  const map = svg('svg', { id: 'map', role: 'group', 'aria-labelledby': 'map-title', class: 'map' });
  const tooltip = h('p', { class: 'tooltip', id: 'map-tooltip', 'aria-live': 'polite' }, 'Wijs of tab naar een postcodegebied voor de cijfers.');
  const rows = h('tbody', { id: 'areas' });
  const totals = h('p', { id: 'totals', class: 'totals' });
  const unmet = h('ul', { id: 'unmet-municipality' });

  fill(main, h('div', { class: 'municipality' },
    h('section', { class: 'card map-card', 'aria-labelledby': 'map-title' },
      h('div', { class: 'map-head' }, title, careType), updated,
      h('div', { class: 'map-wrap' }, map),
      h('ul', { class: 'legend', 'aria-label': 'Legenda' },
        [['many', '7 of meer vrij'], ['some', '3–6 vrij'], ['few', '1–2 vrij'], ['zero', 'vol'], ['none', 'geen aanbieder']]
          .map(([b, t]) => h('li', {}, h('span', { class: `swatch band-${b}` }), t)),
        h('li', {}, h('span', { class: 'swatch stop' }), 'aanbieder met cliëntenstop'),
        h('li', {}, h('span', { class: 'swatch unmet' }), 'verwijzingen zonder plek')),
      tooltip, h('p', { class: 'muted' }, 'Kaart: postcodegebieden (PC4), Bron: CBS.')),
    h('section', { class: 'card', 'aria-labelledby': 'areas-title' },
      h('h2', { id: 'areas-title' }, 'Per postcodegebied'), totals,
      h('table', { class: 'areas' }, h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Postcode'), h('th', { scope: 'col' }, 'Plaats'), h('th', { scope: 'col', class: 'num' }, 'Vrij'),
        h('th', { scope: 'col', class: 'num' }, 'Met ruimte'), h('th', { scope: 'col', class: 'num' }, 'Cliëntenstop'),
        h('th', { scope: 'col', class: 'num' }, 'Verouderd'), h('th', { scope: 'col', class: 'num' }, 'Onvervuld'))), rows),
      h('h2', {}, 'Onvervulde zorgvraag'),
      h('p', { class: 'muted' }, 'Verwijzingen die bij de zorgbemiddeling van een verzekeraar uitkwamen omdat niemand de patiënt kon opnemen.'),
      unmet)));

  // --- draw the outlines once; colours change with the data ---
  const features = geo.features ?? [];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const lat0 = features.length ? features[0].geometry.coordinates.flat(3)[1] : 52;
  const kx = Math.cos(lat0 * Math.PI / 180);
  const project = ([lon, lat]) => [lon * kx, -lat];
  const rings = f => f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  for (const f of features) for (const poly of rings(f)) for (const ring of poly) for (const p of ring) {
    const [x, y] = project(p);
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  const width = 1000, scale = width / (maxX - minX), height = Math.round((maxY - minY) * scale);
  map.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const paths = new Map(); // pc4 -> path
  const places = new Map(features.map(f => [f.properties.pc4, f.properties.place]));
  for (const f of features) {
    const d = rings(f).map(poly => poly.map(ring => 'M' + ring.map(p => {
      const [x, y] = project(p);
      return `${((x - minX) * scale).toFixed(1)},${((y - minY) * scale).toFixed(1)}`;
    }).join('L') + 'Z').join('')).join('');
    const path = svg('path', { d, class: 'area band-none', tabindex: 0, 'data-pc4': f.properties.pc4 });
    path.append(svg('title'));
    path.addEventListener('mouseenter', () => showTip(f.properties.pc4));
    path.addEventListener('focus', () => showTip(f.properties.pc4));
    map.append(path);
    paths.set(f.properties.pc4, path);
  }
  // Labels on top of the areas, at the centre of each area's bounding box.
  const markers = new Map(); // pc4 -> unmet-demand marker, shown when the area has any for the care type
  for (const [pc4, path] of paths) {
    const box = path.getBBox();
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    const text = svg('text', { x: cx, y: cy, class: 'area-label', 'data-width': box.width.toFixed(1) });
    text.textContent = pc4;
    const marker = svg('g', { class: 'unmet-marker', visibility: 'hidden' });
    marker.append(svg('circle', { cx, cy }), svg('text', { x: cx }));
    map.append(text, marker);
    markers.set(pc4, marker);
  }
  // Labels keep a readable size on screen, however large the municipality is in map units.
  function sizeLabels() {
    const shown = map.getBoundingClientRect();
    if (!shown.height) return;
    const unit = Math.max(height / shown.height, width / shown.width); // map units per screen pixel
    for (const label of map.querySelectorAll('text.area-label')) {
      label.setAttribute('font-size', (12 * unit).toFixed(1));
      // Too small an area for its number: leave it out (the table and the area's own label have it).
      label.setAttribute('visibility', Number(label.dataset.width) / unit < 30 ? 'hidden' : 'visible');
    }
    for (const marker of markers.values()) {
      const circle = marker.querySelector('circle');
      const y = Number(circle.getAttribute('cy'));
      circle.setAttribute('r', (9 * unit).toFixed(1));
      circle.setAttribute('transform', `translate(0 ${(18 * unit).toFixed(1)})`);
      const count = marker.querySelector('text');
      count.setAttribute('y', (y + 18 * unit).toFixed(1));
      count.setAttribute('font-size', (11 * unit).toFixed(1));
    }
  }
  sizeLabels();
  addEventListener('resize', sizeLabels);

  let availability = null;
  let unmetAreas = firstUnmet.areas ?? [];
  const unmetIn = (pc4, type) => Number(unmetAreas.find(a => a.pc4 === pc4 && key(a.careType) === type)?.escalations ?? 0);
  const figures = (area, type) => area?.careTypes?.find(c => key(c.careType) === type) ?? {};

  function showTip(pc4) {
    const area = availability?.areas?.find(a => a.pc4 === pc4);
    const f = figures(area, careType.value);
    tooltip.textContent = `${pc4} ${places.get(pc4) ?? ''}: ${f.freePlaces ?? 0} vrij bij ${f.providersWithRoom ?? 0} van ${f.providersServing ?? 0} aanbieders` +
      `${f.providersWithClientStop ? `, ${f.providersWithClientStop} met cliëntenstop` : ''}${f.providersStale ? `, ${f.providersStale} verouderd` : ''}` +
      `${unmetIn(pc4, careType.value) ? `, ${unmetIn(pc4, careType.value)} onvervuld` : ''} (${label(careTypes, careType.value)}).`;
  }

  function draw() {
    if (!availability) return;
    const type = careType.value;
    updated.textContent = `Bijgewerkt om ${formatTime(availability.evaluatedAt)} · ${label(careTypes, type)}`;
    for (const area of availability.areas ?? []) {
      const path = paths.get(area.pc4);
      const f = figures(area, type);
      if (!path) continue;
      path.setAttribute('class', `area band-${band(f.freePlaces ?? 0, f.providersServing ?? 0)}${f.providersWithClientStop ? ' stopped' : ''}`);
      path.dataset.free = f.freePlaces ?? 0;
      path.dataset.stops = f.providersWithClientStop ?? 0;
      path.setAttribute('aria-label', `${area.pc4}: ${f.freePlaces ?? 0} vrij`);
      path.querySelector('title').textContent = `${area.pc4} ${places.get(area.pc4) ?? ''}: ${f.freePlaces ?? 0} vrij`;
      const open = unmetIn(area.pc4, type);
      const marker = markers.get(area.pc4);
      marker?.setAttribute('visibility', open ? 'visible' : 'hidden');
      if (marker) marker.querySelector('text').textContent = open;
      path.dataset.unmet = open;
    }
    fill(rows, (availability.areas ?? []).map(area => {
      const f = figures(area, type);
      return h('tr', { dataset: { pc4: area.pc4, free: f.freePlaces ?? 0 } },
        h('th', { scope: 'row' }, area.pc4), h('td', {}, places.get(area.pc4) ?? ''),
        h('td', { class: 'num' }, f.freePlaces ?? 0), h('td', { class: 'num' }, `${f.providersWithRoom ?? 0} / ${f.providersServing ?? 0}`),
        h('td', { class: 'num' }, f.providersWithClientStop ?? 0), h('td', { class: 'num' }, f.providersStale ?? 0),
        h('td', { class: 'num unmet' }, unmetIn(area.pc4, type)));
    }));
    const t = (availability.totals ?? []).find(c => key(c.careType) === type) ?? {};
    totals.textContent = `${availability.municipality}: ${t.freePlaces ?? 0} vrij, ${t.providersWithRoom ?? 0} aanbieders met ruimte, ${t.providersWithClientStop ?? 0} met een cliëntenstop.`;
  }
  careType.addEventListener('change', draw);

  function drawUnmet(response) {
    unmetAreas = response.areas ?? [];
    const counts = response.counts ?? [];
    fill(unmet, counts.length === 0 ? h('li', { class: 'muted' }, 'Geen verwijzingen zonder plek geregistreerd.') :
      counts.map(c => h('li', {}, `${label(careTypes, c.careType)}: ${c.escalations} ${Number(c.escalations) === 1 ? 'verwijzing' : 'verwijzingen'} bij de zorgbemiddeling`)));
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

  let subscription = null;
  live.on('RegionUpdated', update => {
    if (update.subscriptionId !== subscription) return;
    availability = update.availability;
    draw();
  });
  live.onConnected(async () => {
    await live.invoke('FollowMunicipality', gm);
    const first = await live.invoke('SubscribeToRegion', { municipality: gm });
    subscription = first.subscriptionId;
    availability = first.availability;
    draw();
    loadUnmet();
  });
}
