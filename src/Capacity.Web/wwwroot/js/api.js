// The service's API as the browser calls it: JSON over HTTP (/api/v1, gRPC JSON transcoding of
// the capacity.v1 services), with the signed-in user's bearer token. Same checks, same audit as gRPC.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, message, fields) {
    super(message);
    this.status = status;
    this.fields = fields; // [{ field, description }] from google.rpc.BadRequest
  }
}

export async function api(path, { method = 'GET', body, query } = {}) {
  const url = new URL(`/api/v1/${path}`, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'De dienst is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.');
  }
  const text = await response.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch { /* not JSON: a proxy's error page */ }
  if (response.ok) return json;
  if (response.status === 401) session.expired();
  if (!json.message && response.status >= 500) json.message = 'De dienst gaf een fout; probeer het zo opnieuw.';
  const fields = (json.details ?? []).flatMap(d => d.fieldViolations ?? []);
  const detail = fields.length ? ` (${fields.map(f => `${f.field}: ${f.description}`).join('; ')})` : '';
  throw new ApiError(response.status, `${json.message || `Fout ${response.status}`}${detail}`, fields);
}

/** The registered insurers, cached for the page's lifetime: [{ uzovi, name }]. */
let insurers;
export async function listInsurers() {
  insurers ??= api('insurers').then(r => r.insurers ?? []).catch(e => { insurers = undefined; throw e; });
  return insurers;
}

export async function insurerName(uzovi) {
  return (await listInsurers()).find(i => i.uzovi === uzovi)?.name ?? uzovi;
}
