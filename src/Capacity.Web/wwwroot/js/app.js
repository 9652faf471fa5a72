// Entry point: sign-in, then the screen for the signed-in role.
import { h, fill } from './dom.js';
import { session } from './session.js';
import { roles } from './labels.js';
import * as live from './live.js';
import * as oidc from './oidc.js';
import { errorText } from './errors.js';

const screens = {
  requester: () => import('./nurse.js'),
  provider: () => import('./provider.js'),
  insurer_desk: () => import('./desk.js'),
  municipality: () => import('./municipality.js'),
};

const main = document.getElementById('main');

async function signInPage(problem) {
  document.title = 'Aanmelden — Capaciteit wijkverpleging';
  const list = h('div', { class: 'identities' }, h('p', { class: 'muted' }, 'Demo-identiteiten laden…'));
  const token = h('textarea', { id: 'token', rows: 3, placeholder: 'eyJhbGciOi…', spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert' }, problem ?? '');
  const provider = await oidc.settings();
  const organisation = provider && h('p', {},
    h('button', {
      type: 'button', class: 'primary', id: 'sign-in-oidc',
      onclick: () => oidc.begin().catch(e => { error.textContent = errorText(e); }),
    }, 'Aanmelden via uw organisatie'));
  fill(main,
    h('section', { class: 'card signin' },
      h('h1', {}, 'Aanmelden'),
      organisation,
      h('p', {}, provider ? 'U meldt zich aan bij uw eigen organisatie; daarna opent het scherm van uw rol.' : 'Kies met welke rol u werkt. In de demo zijn alle organisaties en aanbieders fictief.'),
      list,
      h('details', {},
        h('summary', {}, 'Aanmelden met een token van uw organisatie'),
        h('form', { onsubmit: e => { e.preventDefault(); use(token.value.trim()); } },
          h('label', { for: 'token' }, 'Toegangstoken (JWT)'), token,
          h('button', { type: 'submit' }, 'Aanmelden'))),
      error));

  function use(value, name) {
    try {
      session.signIn(value, name);
      location.hash = '';
      boot();
    } catch (e) {
      error.textContent = errorText(e);
    }
  }

  // The demo's identities exist only where no identity provider is set (the service refuses them next to one).
  const response = provider ? null : await fetch('/demo/identities').catch(() => null);
  if (!response?.ok) {
    fill(list, provider ? null : h('p', { class: 'muted' }, 'Deze omgeving heeft geen demo-identiteiten: meld u aan met een token van uw organisatie.'));
    return;
  }
  const identities = await response.json();
  fill(list, Object.entries(roles).map(([role, title]) => {
    const mine = identities.filter(i => i.role === role);
    if (!mine.length) return null;
    return h('fieldset', { class: 'role' },
      h('legend', {}, title),
      mine.map(i => h('button', {
        type: 'button', class: 'identity', dataset: { role: i.role, code: i.code },
        onclick: async () => {
          const r = await fetch(`/demo/token?role=${encodeURIComponent(i.role)}&code=${encodeURIComponent(i.code)}`);
          if (!r.ok) { error.textContent = 'Aanmelden mislukt.'; return; }
          use((await r.json()).token, i.name);
        },
      }, i.name)));
  }));
}

async function boot() {
  const who = document.getElementById('who');
  const problem = await oidc.complete(); // back from the identity provider?
  if (!session.valid) {
    session.signOut();
    who.hidden = true;
    return signInPage(problem);
  }
  const identity = session.identity;
  document.getElementById('who-name').textContent = `${identity.name} · ${roles[identity.role] ?? identity.role}`;
  who.hidden = false;
  document.getElementById('sign-out').onclick = async () => {
    if (identity.via === 'oidc') await oidc.signOut();
    else session.signOut();
    location.reload();
  };
  if (identity.via === 'oidc') oidc.keepRenewing().catch(e => console.warn('token renewal not started', e));
  const load = screens[identity.role];
  if (!load) {
    fill(main, h('section', { class: 'card' }, h('h1', {}, 'Geen scherm voor deze rol'),
      h('p', {}, `De rol ${identity.role} werkt met de API (zie de README), niet met deze pagina.`)));
    return;
  }
  try {
    const screen = await load();
    fill(main);
    await screen.render(main, identity);
  } catch (e) {
    console.error(e);
    fill(main, h('section', { class: 'card' }, h('h1', {}, 'Dit scherm kon niet laden'),
      h('p', { class: 'error', role: 'alert' }, errorText(e)),
      // offline-ok: a reload is what helps when the service was unreachable.
      h('button', { type: 'button', class: 'primary offline-ok', onclick: () => location.reload() }, 'Opnieuw proberen')));
    return;
  }
  // Keyboard users start at the screen's first field, or else at its heading.
  if (!main.contains(document.activeElement)) {
    const heading = main.querySelector('h1');
    heading?.setAttribute('tabindex', '-1');
    heading?.focus();
  }
  live.start(document.getElementById('live'));
}

boot();
