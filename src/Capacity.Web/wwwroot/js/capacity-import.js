// The provider's spreadsheet import: download the template (.xlsx / .csv), upload a filled-in
// file, see per row what changes and which rows are refused (in Dutch, by row number), then apply.
// The service checks and writes (ImportCapacity, docs/IMPORT.md): this page only shows.
import { h, fill, say } from './dom.js';
import { errorText, reasonText } from './errors.js';
import { api, ApiError } from './api.js';
import { session } from './session.js';
import { careTypes, key, formatDay, formatTime } from './labels.js';
import { importTexts as t } from './texts/import.js';

const maxBytes = 512 * 1024;

/** The import's card; onApplied() reloads the grid after a successful apply. */
export function capacityImport(agb, onApplied) {
  const path = `providers/${encodeURIComponent(agb)}/capacity`;
  const status = h('p', { class: 'status', role: 'status', id: 'import-status' });
  const preview = h('div', { id: 'import-preview', class: 'import-preview' });
  const fileName = h('span', { id: 'import-file-name', class: 'muted' });
  const file = h('input', { type: 'file', id: 'import-file', class: 'file-input', accept: '.xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'aria-describedby': 'import-hint' });
  const applyButton = h('button', { type: 'button', class: 'primary', id: 'import-apply', hidden: true, onclick: () => send(true) }, t.apply);
  let uploaded = null; // the base64 file of the last preview

  file.addEventListener('change', () => {
    const chosen = file.files[0];
    uploaded = null;
    applyButton.hidden = true;
    fill(preview);
    fileName.textContent = chosen?.name ?? '';
    if (!chosen) return;
    if (chosen.size > maxBytes) { say(status, reasonText('FILE_TOO_LARGE'), 'error'); return; }
    chosen.arrayBuffer().then(buffer => { uploaded = base64(buffer); return send(false); })
      .catch(e => say(status, errorText(e), 'error'));
  });

  async function send(apply) {
    say(status, apply ? t.applying : t.reading, 'info');
    applyButton.disabled = true;
    try {
      if (!apply) file.value = ''; // the same file chosen again (after fixing it) is read again
      const r = counts(await api(`${path}/import`, { method: 'POST', body: { file: uploaded, apply } }));
      drawOutcomes(r);
      if (apply) {
        applyButton.hidden = true;
        say(status, t.done(r, formatTime(new Date())), r.refused ? 'warn' : 'ok');
        await onApplied();
      } else {
        applyButton.hidden = r.changed + r.unchanged === 0;
        say(status, r.changed + r.unchanged === 0 ? `${t.summary(r)} ${t.nothingToApply}` : t.summary(r), r.refused ? 'warn' : 'info');
      }
    } catch (e) {
      say(status, fileProblem(e) ?? errorText(e), 'error');
    } finally {
      applyButton.disabled = false;
    }
  }

  function drawOutcomes(r) {
    fill(preview, r.outcomes.length === 0 ? null : h('table', { class: 'import-rows' },
      h('thead', {}, h('tr', {}, [t.row, t.pc4, t.careType, t.now, t.next, t.outcome].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, r.outcomes.map(o => h('tr', { dataset: { row: o.row, status: statusKey(o.status) } },
        h('td', {}, o.row),
        h('td', {}, o.pc4 || t.none),
        h('td', {}, careTypes[key(o.careType)] ?? t.none),
        h('td', {}, figure(o.before)),
        h('td', {}, figure(o.after)),
        h('td', { class: o.errors?.length ? 'error' : '' }, outcomeText(o)))))));
  }

  const card = h('section', { class: 'card import', 'aria-labelledby': 'import-title' },
    h('h2', { id: 'import-title' }, t.title),
    h('p', { class: 'muted' }, t.intro),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'template-xlsx', onclick: () => download('IMPORT_FORMAT_XLSX', 'xlsx') }, t.downloadXlsx),
      h('button', { type: 'button', id: 'template-csv', onclick: () => download('IMPORT_FORMAT_CSV', 'csv') }, t.downloadCsv)),
    // The browser's own file button speaks the browser's language: the input hides behind a Dutch label.
    h('div', { class: 'actions' }, file, h('label', { for: 'import-file', class: 'upload', id: 'import-upload' }, t.upload), fileName),
    h('p', { class: 'muted', id: 'import-hint' }, t.uploadHint),
    preview,
    h('div', { class: 'actions' }, applyButton, status));

  /** The template is a file, not JSON: fetched with the token, handed to the browser as a download. */
  async function download(format, extension) {
    try {
      const response = await fetch(`/api/v1/${path}/template?format=${format}`, { headers: { Authorization: `Bearer ${session.token}` } });
      if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
      const url = URL.createObjectURL(await response.blob());
      const link = h('a', { href: url, download: `capaciteit-${agb}.${extension}`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      say(status, t.downloaded);
    } catch (e) {
      say(status, errorText(e), 'error');
    }
  }

  return card;
}

const counts = r => ({
  rows: r.rows ?? 0, changed: r.changed ?? 0, unchanged: r.unchanged ?? 0, refused: r.refused ?? 0, skipped: r.skipped ?? 0, outcomes: r.outcomes ?? [],
});

const statusKey = s => String(s ?? '').replace('IMPORT_ROW_STATUS_', '').toLowerCase();

function figure(f) {
  if (!f) return t.none;
  return t.places(f.freePlaces ?? 0, f.availableFrom ? formatDay(f.availableFrom) : '', f.hoursPerWeek);
}

/** Each refusal of a row as "column: Dutch text", or what happened to it. */
function outcomeText(o) {
  if (o.errors?.length) return o.errors.map(v => `${columnName(v.field)}: ${reasonText(v.reason)}`).join(' ');
  return t[statusKey(o.status)] ?? '';
}

/** A refusal of the whole file (its size, columns, format) in Dutch, from its reason code. */
function fileProblem(e) {
  const violation = (e?.fields ?? []).find(v => v.field === 'file');
  return violation ? reasonText(violation.reason) : null;
}

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** A column as a user reads it; an outlook column (verwacht_2026_06_18, as the service names it) by its day. */
function columnName(field) {
  const day = /^verwacht_(\d{4})_(\d{1,2})_(\d{1,2})$/.exec(field);
  return t.columns[field] ?? (day ? t.expectedColumn(formatDay({ year: Number(day[1]), month: Number(day[2]), day: Number(day[3]) })) : field);
}
