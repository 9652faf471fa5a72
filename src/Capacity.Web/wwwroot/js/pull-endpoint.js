// A provider's capacity.json endpoint (docs/PULL.md): the address to register, and how its pulls
// went — last success, last error in Dutch, the next turn, what was skipped — with "pull now" and
// "remove" (after a confirmation). After a save or "pull now" the status is read again until the
// pull has happened (seconds), and onPulled (the grid's reload) runs.
import { h, say, field } from './dom.js';
import { errorText, showFieldErrors, clearFieldErrors } from './errors.js';
import { api } from './api.js';
import { confirmAction } from './confirm.js';
import { formatMoment } from './labels.js';
import { pullTexts as t } from './texts/pull.js';

export function capacityEndpoint(agb, onPulled = () => {}) {
  const path = `providers/${encodeURIComponent(agb)}/capacity-endpoint`;
  const url = h('input', { id: 'endpoint-url', name: 'url', type: 'url', inputmode: 'url', autocomplete: 'url', placeholder: 'https://' });
  const status = h('p', { class: 'status', role: 'status', id: 'endpoint-status' });
  const details = h('div', { id: 'endpoint-details', 'aria-live': 'polite' });
  const pullNow = h('button', { type: 'button', id: 'endpoint-pull', hidden: true, onclick: () => act(async () => {
    const before = await api(`${path}:pull`, { method: 'POST', body: {} });
    say(status, t.pullAsked);
    watch(before.lastAttemptAt);
  }) }, t.pullNow);
  const remove = h('button', { type: 'button', class: 'link', id: 'endpoint-remove', hidden: true, onclick: () => act(async () => {
    const yes = await confirmAction({ title: t.confirmRemoveTitle, text: t.confirmRemoveText, yes: t.confirmRemoveYes, no: t.confirmRemoveNo });
    if (!yes) return;
    watching++; // stops a watch under way
    await api(path, { method: 'DELETE' });
    url.value = '';
    say(status, t.removed);
    await load();
  }) }, t.remove);
  const form = h('form', { novalidate: true, onsubmit: e => { e.preventDefault(); act(async () => {
    clearFieldErrors({ url });
    try {
      draw(await api(path, { method: 'PUT', body: { url: url.value.trim() } }));
      say(status, t.saved);
      watch(null);
    } catch (err) {
      showFieldErrors(err, { url }, status);
    }
  }); } },
    field(t.urlLabel, url, t.urlHint),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'endpoint-save' }, t.save), pullNow, remove));
  const section = h('section', { class: 'card', 'aria-labelledby': 'endpoint-title', id: 'capacity-endpoint' },
    h('h2', { id: 'endpoint-title' }, t.title), h('p', { class: 'muted' }, t.intro), form, status, details);

  let busy = false;
  async function act(step) {
    if (busy) return;
    busy = true;
    try {
      await step();
    } catch (err) {
      say(status, errorText(err), 'error');
    } finally {
      busy = false;
    }
  }

  const when = value => (value ? formatMoment(value) : t.never);

  function draw(endpoint) {
    pullNow.hidden = remove.hidden = !endpoint;
    if (!endpoint) {
      details.replaceChildren(h('p', { class: 'muted' }, t.none));
      return;
    }
    if (document.activeElement !== url) url.value = endpoint.url;
    const failures = endpoint.consecutiveFailures ?? 0;
    const skipped = endpoint.skipped ?? [];
    details.replaceChildren(
      h('dl', { class: 'facts' },
        h('dt', {}, t.lastSuccess), h('dd', {}, when(endpoint.lastSuccessAt)),
        ...(endpoint.lastErrorCode ? [h('dt', {}, t.lastError),
          h('dd', { class: failures > 0 ? 'error' : '' }, `${when(endpoint.lastErrorAt)}: ${t.errors[endpoint.lastErrorCode] ?? t.unknownError}`)] : []),
        h('dt', {}, t.nextPull), h('dd', {}, when(endpoint.nextPullAt))),
      endpoint.lastSuccessAt ? h('p', {}, t.published(endpoint.figuresPublished ?? 0)) : '',
      endpoint.figuresOutdated ? h('p', { class: 'muted' }, t.outdated(endpoint.figuresOutdated)) : '',
      failures > 0 ? h('p', { class: 'nudge' }, t.failures(failures)) : '',
      skipped.length ? h('div', {}, h('p', {}, t.skipped(endpoint.skippedCount ?? skipped.length)),
        h('ul', { id: 'endpoint-skipped' }, skipped.map(s => h('li', {},
          h('code', {}, s.path), ` “${s.value || t.empty}” — ${t.skipReasons[s.reason] ?? t.unknownError}`)))) : '');
  }

  /** Reads the status every two seconds, for at most a minute, until a pull after <paramref>attempt</paramref> shows. */
  let watching = 0;
  function watch(attempt) {
    const id = ++watching;
    let tries = 0;
    const next = async () => {
      if (id !== watching) return;
      if (++tries > 30) { say(status, t.notYet); return; }
      const endpoint = await api(path).catch(() => null);
      if (id !== watching) return;
      if (endpoint && endpoint.lastAttemptAt && endpoint.lastAttemptAt !== attempt) {
        draw(endpoint);
        onPulled();
      } else setTimeout(next, 2000);
    };
    setTimeout(next, 1000);
  }

  async function load() {
    try {
      const endpoint = await api(path);
      draw(endpoint.url ? endpoint : null); // no address: an empty url
    } catch (err) {
      say(status, errorText(err), 'error');
    }
  }

  return { section, load };
}
