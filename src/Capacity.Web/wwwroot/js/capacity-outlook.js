// The 7-day outlook in the provider's capacity grid (docs/INSIGHT-outlook.md): under each area an
// expandable row with, per care type, the places expected on each of the coming 7 days. Empty is
// "no expectation". The grid's save sends each figure with its outlook: a figure saved without
// one clears the one before, so the stored outlook is filled in and sent along unless changed.
import { h } from './dom.js';
import { careTypes, texts, key, today, addDays, isoDay, dateMessage, formatShortDay, formatWeekDay } from './labels.js';

const windowDays = 7;

/** The coming days, tomorrow first, as yyyy-mm-dd. */
export const comingDays = () => Array.from({ length: windowDays }, (_, i) => addDays(today(), i + 1));

/** The button in an area's row that opens its outlook row. */
export function outlookToggle(pc4) {
  return h('button', {
    type: 'button', class: 'link outlook-toggle', 'aria-expanded': 'false', 'aria-controls': `outlook-${pc4}`,
    'aria-label': texts.outlookToggleLabel(pc4), dataset: { pc4 },
    onclick: e => {
      const row = document.getElementById(`outlook-${pc4}`);
      row.hidden = !row.hidden;
      e.currentTarget.setAttribute('aria-expanded', String(!row.hidden));
      if (!row.hidden) row.querySelector('input')?.focus();
    },
  }, texts.outlookToggle);
}

/** The hidden row under an area: a small table, care types × the coming 7 days, filled with the stored outlook. */
export function outlookRow(pc4, types, at, colspan) {
  const days = comingDays();
  return h('tr', { id: `outlook-${pc4}`, class: 'outlook-row', hidden: true },
    h('td', { colspan },
      h('p', { class: 'muted' }, texts.outlookHint),
      h('table', { class: 'outlook' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, texts.outlookCareType), days.map(d => h('th', { scope: 'col', class: 'num' }, formatShortDay(dateMessage(d)))))),
        h('tbody', {}, types.filter(t => at.get(`${pc4}|${t}`)).map(t => {
          const stored = expectedByDay(at.get(`${pc4}|${t}`));
          return h('tr', {}, h('th', { scope: 'row' }, careTypes[t]), days.map(d => h('td', { class: 'num' }, h('input', {
            id: `expect-${pc4}-${t}-${d}`, type: 'number', min: 0, max: 10000, step: 1, class: 'expect',
            value: stored.get(d) ?? '', 'aria-label': texts.outlookCell(careTypes[t], pc4, formatWeekDay(dateMessage(d))),
            dataset: { pc4, careType: t, day: d, original: stored.get(d) ?? '' },
            oninput: e => e.target.classList.toggle('changed', e.target.value !== e.target.dataset.original),
          }))));
        })))));
}

/** A figure's stored outlook by day (yyyy-mm-dd → places). */
function expectedByDay(figure) {
  return new Map((figure?.outlook ?? []).map(d => [isoDay(d.date), String(d.freePlaces ?? 0)]));
}

/** After a reload: the stored outlook becomes each input's original; inputs not being edited show it. */
export function refreshOutlook(grid, figures) {
  const at = new Map(figures.map(f => [`${f.pc4}|${key(f.careType)}`, expectedByDay(f)]));
  for (const input of grid.querySelectorAll('input.expect')) {
    const stored = at.get(`${input.dataset.pc4}|${input.dataset.careType}`)?.get(input.dataset.day) ?? '';
    const editing = input.classList.contains('changed') || input === document.activeElement;
    input.dataset.original = stored;
    if (!editing) input.value = stored;
    input.classList.toggle('changed', input.value !== stored);
  }
}

function inputsOf(grid, pc4, careType) {
  return [...grid.querySelectorAll(`input.expect[data-pc4="${pc4}"][data-care-type="${careType}"]`)];
}

/** Whether an outlook input of this figure was changed. */
export const outlookChanged = (grid, pc4, careType) => inputsOf(grid, pc4, careType).some(i => i.value !== i.dataset.original);

/** The outlook to send with a figure, and its inputs by the name the service gives them ("outlook[2]"): filled days only. */
export function outlookOf(grid, pc4, careType) {
  const filled = inputsOf(grid, pc4, careType).filter(i => i.value !== '');
  return {
    outlook: filled.map(i => ({ date: dateMessage(i.dataset.day), freePlaces: Number(i.value) })),
    inputs: Object.fromEntries(filled.map((input, j) => [`outlook[${j}]`, input])),
    bad: filled.filter(i => !(Number.isInteger(Number(i.value)) && Number(i.value) >= 0)),
  };
}
