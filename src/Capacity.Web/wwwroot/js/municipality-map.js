// The municipality's map: its postcode areas (CBS PC4 outlines, no tiles) drawn once as SVG; the
// screen paints them per view. Colour-blind safe: a sequential blue scale for free places, and
// patterns rather than hue for what must not be missed — "vol" is hatched, room a client stop
// closes is striped the other way with a dotted edge — so nothing depends on telling red from green.

const svgNs = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}) => {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
};

/** Colour classes by free places in an area: nobody in this view, full, few, some, many. */
export function band(free, inView) {
  if (!inView) return 'none';
  if (free <= 0) return 'zero';
  if (free <= 2) return 'few';
  if (free <= 6) return 'some';
  return 'many';
}

/** Hatching as SVG patterns: "vol" (a fill of its own) and "stop" (laid over the area's colour). */
function patterns() {
  const defs = svg('defs');
  const full = svg('pattern', { id: 'hatch-full', patternUnits: 'userSpaceOnUse', width: 8, height: 8, patternTransform: 'rotate(45)' });
  full.append(svg('rect', { width: 8, height: 8, class: 'hatch-ground' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 8, class: 'hatch-line' }));
  const stop = svg('pattern', { id: 'hatch-stop', patternUnits: 'userSpaceOnUse', width: 8, height: 8, patternTransform: 'rotate(-45)' });
  stop.append(svg('line', { x1: 0, y1: 0, x2: 0, y2: 8, class: 'stop-line' }));
  defs.append(full, stop);
  return defs;
}

/**
 * Draws the outlines into the (empty) svg element. onPoint(pc4) runs when an area is pointed at or
 * focused. Returns paint(pc4, look) for each area and the place names by PC4.
 */
export function drawMap(map, geo, onPoint) {
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
  const defs = patterns();
  map.append(defs);
  const paths = new Map();    // pc4 -> the area
  const overlays = new Map(); // pc4 -> its stop hatching, shown only where a stop closes room
  const places = new Map(features.map(f => [f.properties.pc4, f.properties.place]));
  for (const f of features) {
    const pc4 = f.properties.pc4;
    const d = rings(f).map(poly => poly.map(ring => 'M' + ring.map(p => {
      const [x, y] = project(p);
      return `${((x - minX) * scale).toFixed(1)},${((y - minY) * scale).toFixed(1)}`;
    }).join('L') + 'Z').join('')).join('');
    const path = svg('path', { d, class: 'area band-none', tabindex: 0, 'data-pc4': pc4 });
    path.append(svg('title'));
    path.addEventListener('mouseenter', () => onPoint(pc4));
    path.addEventListener('focus', () => onPoint(pc4));
    const overlay = svg('path', { d, class: 'stop-overlay', visibility: 'hidden', 'aria-hidden': 'true' });
    map.append(path, overlay);
    paths.set(pc4, path);
    overlays.set(pc4, overlay);
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

  // Labels, markers and hatching keep a readable size on screen, however large the municipality is in map units.
  function sizeToScreen() {
    const shown = map.getBoundingClientRect();
    if (!shown.height) return;
    const unit = Math.max(height / shown.height, width / shown.width); // map units per screen pixel
    for (const label of map.querySelectorAll('text.area-label')) {
      label.setAttribute('font-size', (12 * unit).toFixed(1));
      label.setAttribute('stroke-width', (3 * unit).toFixed(1));
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
    for (const pattern of defs.querySelectorAll('pattern')) {
      const size = (7 * unit).toFixed(1);
      pattern.setAttribute('width', size);
      pattern.setAttribute('height', size);
      for (const el of pattern.children) {
        if (el.tagName === 'rect') { el.setAttribute('width', size); el.setAttribute('height', size); }
        else { el.setAttribute('y2', size); el.setAttribute('stroke-width', (2 * unit).toFixed(1)); }
      }
    }
  }
  sizeToScreen();
  addEventListener('resize', sizeToScreen);

  /** look: { band, closed (providers whose room a stop closes), free, unmet, label (what a screen reader says) }. */
  function paint(pc4, { band: b, closed, free, unmet, label }) {
    const path = paths.get(pc4);
    if (!path) return;
    path.setAttribute('class', `area band-${b}${closed ? ' stopped' : ''}`);
    path.dataset.free = free;
    path.dataset.closed = closed;
    path.dataset.unmet = unmet;
    path.setAttribute('aria-label', label);
    path.querySelector('title').textContent = label;
    overlays.get(pc4).setAttribute('visibility', closed ? 'visible' : 'hidden');
    const marker = markers.get(pc4);
    marker.setAttribute('visibility', unmet ? 'visible' : 'hidden');
    marker.querySelector('text').textContent = unmet;
  }

  return { paint, places };
}
