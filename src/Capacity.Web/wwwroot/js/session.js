// Who is signed in: a bearer token (from the identity provider, the demo's sign-in, or pasted) and what it says.
import { Problem } from './errors.js';

const storage = window.sessionStorage;

function claims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(payload))));
  } catch {
    return null;
  }
}

export const session = {
  get token() { return storage.getItem('capacity.token'); },
  get identity() { return JSON.parse(storage.getItem('capacity.identity') ?? 'null'); },

  /** Signs in with a token; name is how the page shows who this is; via 'oidc' when the identity provider issued (and renews) it. */
  signIn(token, name, via = 'token') {
    const c = claims(token);
    if (!c?.capacity_role) throw new Problem(c ? 'Dit token heeft geen rol (capacity_role).' : 'Dit is geen geldig toegangstoken.');
    const code = c.agb ?? c.org ?? c.uzovi ?? c.gm ?? '';
    storage.setItem('capacity.token', token);
    storage.setItem('capacity.identity', JSON.stringify({ role: c.capacity_role, code, name: name || c.name || code, expires: c.exp, via }));
  },

  signOut() {
    storage.removeItem('capacity.token');
    storage.removeItem('capacity.identity');
    // The identity provider's tokens (refresh token included) that oidc-client-ts keeps: "oidc.user:…".
    for (const key of Object.keys(storage)) if (key.startsWith('oidc.user:')) storage.removeItem(key);
    // The last search (search-url.js) is not left for the next person at this screen.
    if (location.search) history.replaceState(null, '', location.pathname);
  },

  /** The token was refused (expired): back to the sign-in page. */
  expired() {
    this.signOut();
    location.hash = '';
    location.reload();
  },

  get valid() {
    const id = this.identity;
    return !!(this.token && id && (!id.expires || id.expires * 1000 > Date.now()));
  },
};
