// The 7-day outlook in the provider's capacity grid (docs/INSIGHT-outlook.md): each area row of
// the grid has a "Verwachting" button that opens, under the grid, that area's outlook: per care
// type the places expected on each of the coming 7 days. Empty is "no expectation". The grid's
// save sends each figure with its outlook: a figure saved without one clears the one before, so
// every figure's stored outlook is kept in an input (shown or not) and sent along unless changed.
// The editor is outside the grid's table, so the grid's rows stay one per area.
import { h, fill } from './dom.js';
import { careTypes, texts, key, today, addDays, isoDay, dateMessage, formatShortDay, formatWeekDay } from './labels.js';

const windowDays = 7;

/** The coming days, tomorrow first, as yyyy-mm-dd. */
export const comingDays = () => Array.from({ length: windowDays }, (_, i) => addDays(today(), i + 1));

/** A figure's stored outlook by day (yyyy-mm-dd → places). */
function expectedByDay(figure) {
  return new Map((figure?.outlook ?? []).map(d => [isoDay(d.date), String(d.freePlaces ?? 0)]));
}

/** The editor under the grid: a table of every figure's 7 days, showing one area's rows at a time. */
export function outlookEditor() {
  const title = h('h3', { id: 'outlook-title' });
  const head = h('thead');
  const rows = h('tbody');
  let shown = null;
  const toggles = () => document.querySelectorAll('button.outlook-toggle');
  const close = () => {
    section.hidden = true;
    shown = null;
    for (const b of toggles()) b.setAttribute('aria-expanded', 'false');
  };
  const section = h('section', { id: 'outlook-editor', class: 'outlook-editor', hidden: true, 'aria-labelledby': 'outlook-title' },
    title, h('p', { class: 'muted' }, texts.outlookHint),
    h('table', { class: 'outlook' }, head, rows),
    h('button', { type: 'button', class: 'link', onclick: close }, texts.outlookClose));

  /** (Re)draws the inputs of every figure (areas × care types of the grid), filled with the stored outlook. */
  function draw(areas, types, at) {
    const days = comingDays();
    fill(head, h('tr', {}, h('th', { scope: 'col' }, texts.outlookCareType), days.map(d => h('th', { scope: 'col', class: 'num' }, formatShortDay(dateMessage(d))))));
    fill(rows, areas.flatMap(pc4 => types.filter(t => at.get(`${pc4}|${t}`)).map(t => {
      const stored = expectedByDay(at.get(`${pc4}|${t}`));
      return h('tr', { dataset: { pc4 }, hidden: pc4 !== shown }, h('th', { scope: 'row' }, careTypes[t]), days.map(d => h('td', { class: 'num' }, h('input', {
        id: `expect-${pc4}-${t}-${d}`, type: 'number', min: 0, max: 10000, step: 1, class: 'expect',
        value: stored.get(d) ?? '', 'aria-label': texts.outlookCell(careTypes[t], pc4, formatWeekDay(dateMessage(d))),
        dataset: { pc4, careType: t, day: d, original: stored.get(d) ?? '' },
        oninput: e => e.target.classList.toggle('changed', e.target.value !== e.target.dataset.original),
      }))));
    })));
  }

  /** Shows one area's outlook (a second click on its button closes it). */
  function open(pc4) {
    if (shown === pc4 && !section.hidden) { close(); return; }
    shown = pc4;
    title.textContent = texts.outlookTitle(pc4);
    for (const row of rows.rows) row.hidden = row.dataset.pc4 !== pc4;
    for (const b of toggles()) b.setAttribute('aria-expanded', String(b.dataset.pc4 === pc4));
    section.hidden = false;
    section.scrollIntoView({ block: 'nearest' });
    rows.querySelector(`tr[data-pc4="${pc4}"] input`)?.focus();
  }

  /** The button in an area's row of the grid. */
  const toggle = pc4 => h('button', {
    type: 'button', class: 'link outlook-toggle', 'aria-expanded': 'false', 'aria-controls': 'outlook-editor',
    'aria-label': texts.outlookToggleLabel(pc4), dataset: { pc4 }, onclick: () => open(pc4),
  }, texts.outlookToggle);

  /** After a refused save: shows the area of the first day marked wrong, if it is not shown. */
  function reveal() {
    const bad = rows.querySelector('input.expect[aria-invalid="true"]');
    if (bad && (section.hidden || shown !== bad.dataset.pc4)) { open(bad.dataset.pc4); bad.focus(); }
  }

  return { section, draw, toggle, reveal };
}

/** After a reload: the stored outlook becomes each input's original; inputs not being edited show it. */
export function refreshOutlook(editor, figures) {
  const at = new Map(figures.map(f => [`${f.pc4}|${key(f.careType)}`, expectedByDay(f)]));
  for (const input of editor.querySelectorAll('input.expect')) {
    const stored = at.get(`${input.dataset.pc4}|${input.dataset.careType}`)?.get(input.dataset.day) ?? '';
    const editing = input.classList.contains('changed') || input === document.activeElement;
    input.dataset.original = stored;
    if (!editing) input.value = stored;
    input.classList.toggle('changed', input.value !== stored);
  }
}

/** The editor's inputs by figure ("1183|DistrictNursing"), read once per save (a large grid has thousands). */
export function outlookInputs(editor) {
  const byFigure = new Map();
  for (const input of editor.querySelectorAll('input.expect')) {
    const k = `${input.dataset.pc4}|${input.dataset.careType}`;
    if (!byFigure.has(k)) byFigure.set(k, []);
    byFigure.get(k).push(input);
  }
  return { of: (pc4, careType) => byFigure.get(`${pc4}|${careType}`) ?? [] };
}

/** Whether an outlook input of this figure was changed. */
export const outlookChanged = (inputs, pc4, careType) => inputs.of(pc4, careType).some(i => i.value !== i.dataset.original);

/** The outlook to send with a figure, and its inputs by the name the service gives them ("outlook[2]"): filled days only. */
export function outlookOf(inputs, pc4, careType) {
  const filled = inputs.of(pc4, careType).filter(i => i.value !== '');
  return {
    outlook: filled.map(i => ({ date: dateMessage(i.dataset.day), freePlaces: Number(i.value) })),
    inputs: Object.fromEntries(filled.map((input, j) => [`outlook[${j}]`, input])),
    bad: filled.filter(i => !(Number.isInteger(Number(i.value)) && Number(i.value) >= 0)),
  };
}
