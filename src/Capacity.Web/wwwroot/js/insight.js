// Insight panels shared by the screens (docs/INSIGHT.md): capacity over time for a region,
// placements, times and declines per month for a scope, the unmet-demand report, and alerts. Each
// reads InsightService over the JSON API, draws with chart.js, and offers every figure as CSV.
// A count below the minimum cell size comes as { belowMinimum: true } and is shown as "<5".
import { h, fill } from './dom.js';
import { api } from './api.js';
import { lineChart, barChart } from './chart.js';
import { careTypes, declineReasons, label, key, proto } from './labels.js';
import { insightTexts as t } from './texts/insight.js';

const day = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'short', timeZone: 'Europe/Amsterdam' });
const hour = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Amsterdam' });
const monthName = new Intl.DateTimeFormat('nl-NL', { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "<5", or the number. */
export const count = c => c?.belowMinimum ? t.hiddenCount : Number(c?.value ?? 0);
const bar = (labelText, c) => ({ label: labelText, value: Number(c?.value ?? 0), hidden: !!c?.belowMinimum });
const seconds = d => d ? parseFloat(String(d)) : null; // JSON Duration: "5400s"
const monthLabel = m => monthName.format(new Date(`${m}-01T00:00:00Z`));

/** A google.type.Date for the JSON query: period.from.year=… */
function dateQuery(prefix, date) {
  return { [`${prefix}.year`]: date.getFullYear(), [`${prefix}.month`]: date.getMonth() + 1, [`${prefix}.day`]: date.getDate() };
}

function periodOf(choice, now = new Date()) {
  const from = new Date(now);
  if (choice === 'week') from.setDate(from.getDate() - 7);
  else if (choice === 'month') from.setDate(from.getDate() - 30);
  else if (choice === 'quarter') from.setMonth(from.getMonth() - 3);
  else from.setFullYear(from.getFullYear() - 1);
  return { from, to: now };
}

function picker(id, labelText, options, value) {
  const select = h('select', { id }, Object.entries(options).map(([k, v]) => h('option', { value: k, selected: k === value }, v)));
  return [h('label', { for: id }, labelText), select];
}

/** A panel that (re)draws itself with load() whenever one of its pickers changes. */
function panel(id, title, pickers, load) {
  const body = h('div', { class: 'insight-body', 'aria-live': 'polite' });
  const section = h('section', { class: 'insight', id }, h('h2', {}, title), h('div', { class: 'insight-pickers' }, pickers.flat()), body);
  const draw = async () => {
    fill(body, h('p', { class: 'muted' }, t.loading));
    try {
      fill(body, await load());
    } catch (e) {
      fill(body, h('p', { class: 'error', role: 'alert' }, e?.isApiError ? e.message : t.failed));
    }
  };
  section.addEventListener('change', draw);
  draw();
  return section;
}

/** Free places over time in a region (region: { municipality } or { pc4s: [...] }), one care type. */
export function capacityHistoryPanel(region, regionName) {
  const [periodLabel, period] = picker('history-period', t.period, t.periods, 'month');
  const [careLabel, careType] = picker('history-care-type', t.careType, careTypes, 'DistrictNursing');
  return panel('capacity-history', t.historyTitle(regionName, careTypes.DistrictNursing), [periodLabel, period, careLabel, careType], async () => {
    const { from, to } = periodOf(period.value);
    const perHour = period.value === 'week';
    const query = {
      ...(region.municipality ? { municipality: region.municipality } : { 'pc4s.pc4s': region.pc4s.join(',') }),
      careTypes: proto('CARE_TYPE_', careType.value),
      from: from.toISOString(), to: to.toISOString(),
      resolution: perHour ? 'HISTORY_RESOLUTION_HOUR' : 'HISTORY_RESOLUTION_DAY',
    };
    const response = await api('insight/capacity-history', { query });
    const series = (response.series ?? [])[0];
    if (!series?.points?.length) return h('p', { class: 'muted' }, t.none);
    const at = p => new Date(p.at);
    const value = (p, f) => p.noData ? null : Number(p[f] ?? 0);
    return lineChart({
      title: t.historyTitle(regionName, label(careTypes, careType.value)),
      unit: t.places,
      csvName: `vrije-plaatsen-${regionName}`,
      formatTime: perHour ? d => hour.format(d) : d => day.format(d),
      texts: t,
      series: [
        { name: t.freePlaces, points: series.points.map(p => ({ at: at(p), value: value(p, 'freePlaces') })) },
        { name: t.lowestFree, points: series.points.map(p => ({ at: at(p), value: value(p, 'minFreePlaces') })) },
        { name: t.withRoom, points: series.points.map(p => ({ at: at(p), value: value(p, 'providersWithRoom') })) },
        { name: t.stopped, points: series.points.map(p => ({ at: at(p), value: value(p, 'providersStopped') })) },
      ],
    });
  });
}

/** Placements, times and declines per month for a scope ({ insurerUzovi } | { providerAgb } | { municipality } | { national: true }). */
export function placementPanel(scope, { provider = false } = {}) {
  const [periodLabel, period] = picker('placements-period', t.period, { quarter: t.periods.quarter, year: t.periods.year }, 'year');
  return panel('placements', t.placementsTitle, [periodLabel, period], async () => {
    const { from, to } = periodOf(period.value);
    const response = await api('insight/placements', {
      query: { ...scope, ...dateQuery('period.from', from), ...dateQuery('period.to', to), grouping: 'REGION_GROUPING_NONE', pageSize: 500 },
    });
    const cells = response.cells ?? [];
    if (!cells.length) return h('p', { class: 'muted' }, t.none);
    const months = [...new Set(cells.map(c => c.month))].sort();
    const sum = (m, f) => cells.filter(c => c.month === m).map(c => c[f]);
    const monthly = f => months.map(m => ({ at: new Date(`${m}-01T00:00:00Z`), value: sum(m, f).reduce((n, c) => n + (c?.belowMinimum ? 0 : Number(c?.value ?? 0)), 0) }));
    const lines = provider
      ? [{ name: t.offers, points: monthly('offers') }, { name: t.accepted, points: monthly('accepted') }, { name: t.expired, points: monthly('expired') }]
      : [{ name: t.referrals, points: monthly('referrals') }, { name: t.placed, points: monthly('placed') }, { name: t.escalated, points: monthly('escalated') }];
    const totals = response.totals ?? [];
    const declines = new Map();
    for (const c of totals) for (const d of c.declined ?? []) {
      const name = label(declineReasons, d.reason);
      const prior = declines.get(name) ?? { value: 0, hidden: false };
      declines.set(name, d.count?.belowMinimum ? { ...prior, hidden: prior.value === 0 } : { value: prior.value + Number(d.count?.value ?? 0), hidden: false });
    }
    const times = totals.flatMap(c => [
      [t.toFirstOffer, c.toFirstOffer], [t.toAcceptance, c.toAcceptance], [t.toCareStart, c.toCareStart], ...(provider ? [[t.toAnswer, c.toAnswer]] : []),
    ].map(([name, stats]) => ({ name: `${name} (${label(careTypes, c.careType)})`, stats })));
    const hoursOf = stats => stats?.median ? seconds(stats.median) / 3600 : null;
    return [
      lineChart({ title: t.placementsTitle, unit: '', csvName: 'plaatsingen-per-maand', formatTime: d => monthLabel(d.toISOString().slice(0, 7)), texts: t, series: lines }),
      barChart({ title: t.declinesTitle, csvName: 'afwijzingen-per-reden', texts: t, bars: [...declines].map(([name, v]) => ({ label: name, ...v })) }),
      barChart({
        title: `${t.timesTitle} (uren)`, csvName: 'doorlooptijden', texts: t,
        bars: times.map(({ name, stats }) => ({ label: name, value: Math.round((hoursOf(stats) ?? 0) * 10) / 10, hidden: !!stats?.count?.belowMinimum })),
      }),
      provider ? h('p', {}, `${t.acceptanceRate}: `, totals.map(c => c.acceptanceKnown ? t.percent(c.acceptanceRate ?? 0) : t.unknown).join(', ')) : null,
      h('p', { class: 'muted' }, t.minimumCell),
    ];
  });
}

/** The unmet-demand report (scope { insurerUzovi } or { allInsurers: true }) as a table, with its CSV from the service. */
export function unmetReportPanel(scope, csvUrl) {
  const [periodLabel, period] = picker('report-period', t.period, { quarter: t.periods.quarter, year: t.periods.year }, 'year');
  return panel('unmet-report', t.reportTitle, [periodLabel, period], async () => {
    const { from, to } = periodOf(period.value);
    const query = { ...scope, ...dateQuery('period.from', from), ...dateQuery('period.to', to), pageSize: 500 };
    const response = await api('insight/unmet-demand-report', { query });
    const rows = response.rows ?? [];
    const noCare = r => (r.closed ?? []).find(o => key(o.outcome) === 'NoCareFound')?.count;
    const table = h('div', { class: 'table-scroll' }, h('table', { id: 'unmet-report-table' },
      h('thead', {}, h('tr', {}, [t.month, t.insurer, t.municipality, t.careType, t.escalations, t.placedByDesk, t.noCareFound, t.stillOpen, t.escalationToEnd].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map(r => h('tr', {},
        h('th', { scope: 'row' }, monthLabel(r.month)), h('td', {}, r.insurerName || r.insurerUzovi), h('td', {}, r.municipality),
        h('td', {}, label(careTypes, r.careType)), h('td', {}, count(r.escalations)), h('td', {}, count(r.placedByDesk)),
        h('td', {}, count(noCare(r))), h('td', {}, count(r.stillOpen)),
        h('td', {}, r.escalationToEnd?.median ? t.days(seconds(r.escalationToEnd.median) / 86400) : '–'))))));
    const download = h('button', { type: 'button', class: 'secondary', onclick: () => csvUrl(query) }, t.reportDownload);
    return [h('p', {}, t.reportIntro), rows.length ? table : h('p', { class: 'muted' }, t.none), download, h('p', { class: 'muted' }, t.minimumCell)];
  });
}

/** The party's open alerts, oldest first; redrawn by refresh() (on a live AlertRaised). */
export function alertsPanel(scope) {
  const list = h('ul', { id: 'alerts', class: 'alerts' });
  const section = h('section', { class: 'insight', id: 'alerts-panel' }, h('h2', {}, t.alertsTitle), list);
  const refresh = async () => {
    const response = await api('insight/alerts', { query: { ...scope, pageSize: 200 } }).catch(() => null);
    const alerts = response?.alerts ?? [];
    fill(list, alerts.length ? alerts.map(a => h('li', { dataset: { kind: key(a.kind) } },
      h('strong', {}, label(t.alertKinds, a.kind)), ' ',
      [a.pc4, a.careType ? label(careTypes, a.careType) : null, a.referralId].filter(Boolean).join(' · '),
      ' — ', t.since, ' ', hour.format(new Date(a.since)))) : h('li', { class: 'muted' }, t.noAlerts));
  };
  refresh();
  return { section, refresh };
}
