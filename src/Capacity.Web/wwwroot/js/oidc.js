// Sign-in at the organisation's identity provider: the OpenID Connect authorization code flow with
// PKCE, run in the page by oidc-client-ts (vendored; loaded only where the service names a
// provider). The access token it gets is what the page sends to the API and the hub, exactly as a
// pasted or demo token; before it expires the refresh token renews it, so a shift is not cut short.
import { session } from './session.js';
import { Problem } from './errors.js';
import { signInErrorTexts, signInFailed, signInUnknown } from './texts/sign-in.js';

let managerPromise = null;
let settingsPromise = null;
let signingOut = false;

/** The provider the service names (GET /web/sign-in), or null when this deployment has none. */
export function settings() {
  settingsPromise ??= fetch('/web/sign-in')
    .then(r => (r.ok ? r.json() : null))
    .then(c => (c?.authority && c?.clientId ? c : null))
    .catch(() => null);
  return settingsPromise;
}

function loadLibrary() {
  if (window.oidc) return Promise.resolve(window.oidc);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'vendor/oidc-client-ts.min.js';
    script.onload = () => resolve(window.oidc);
    script.onerror = () => reject(new Problem('De aanmeldmodule kon niet laden.'));
    document.head.append(script);
  });
}

const nameOf = user => user.profile?.name ?? user.profile?.preferred_username ?? '';

/** One manager per page (one renewal timer: with rotated refresh tokens two would refuse each other). */
function userManager() {
  managerPromise ??= createManager();
  return managerPromise;
}

async function createManager() {
  const config = await settings();
  if (!config) return null;
  const oidc = await loadLibrary();
  const manager = new oidc.UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: `${location.origin}/`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    scope: config.scope,
    // Per tab, like the rest of the session; the refresh token renews without an iframe
    // (the page may not be framed: CSP frame-ancestors 'none').
    userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: true,
    loadUserInfo: false,
  });
  manager.events.addUserLoaded(user => {
    if (signingOut) return; // a renewal that finishes after sign-out signs nobody in again
    try { session.signIn(user.access_token, nameOf(user), 'oidc'); } catch (e) { console.warn('renewed token refused', e); }
  });
  // A renewal that fails leaves the current token until it expires; then the API or hub says 401
  // and the page goes back to sign-in.
  manager.events.addSilentRenewError(e => console.warn('token renewal failed', e));
  return manager;
}

/** Goes to the identity provider; it sends the browser back to "/" with a code. */
export async function begin() {
  const m = await userManager();
  if (!m) throw new Problem('Deze omgeving heeft geen aanmelding via een organisatie ingesteld.');
  await m.signinRedirect();
}

/**
 * Finishes a sign-in when the identity provider sent the browser back (?code=…&state=…, or
 * ?error=…): exchanges the code (with the PKCE verifier) for tokens. Returns an error message,
 * or null; does nothing on an ordinary page load.
 */
export async function complete() {
  const params = new URLSearchParams(location.search);
  if (!params.has('state') || !(params.has('code') || params.has('error'))) return null;
  try {
    const m = await userManager();
    if (!m) return signInFailed('Deze omgeving heeft geen aanmelding via een organisatie ingesteld.');
    const user = await m.signinRedirectCallback();
    session.signIn(user.access_token, nameOf(user), 'oidc');
    return null;
  } catch (e) {
    console.warn('sign-in failed', e);
    // The provider's code says why (error=access_denied, …); its error_description is its own words, not ours.
    return signInFailed(signInErrorTexts[e?.error] ?? (e instanceof Problem || e?.isApiError ? e.message : signInUnknown));
  } finally {
    history.replaceState(null, '', '/'); // the code is single-use: not in the address bar or history
  }
}

/** A session from the identity provider: start renewing its token before it expires. */
export async function keepRenewing() {
  const m = await userManager();
  await m?.getUser(); // loads the stored user: arms the renewal timer
}

/** Forgets every token (the page's and the provider's), then ends the provider's session too where it offers that. */
export async function signOut() {
  signingOut = true;
  const m = await userManager().catch(() => null);
  m?.stopSilentRenew();
  const user = await m?.getUser();
  session.signOut();
  if (!m) return;
  await m.removeUser();
  try {
    await m.signoutRedirect({ id_token_hint: user?.id_token });
  } catch {
    location.reload(); // the provider has no end-session endpoint: signed out here only
  }
}
