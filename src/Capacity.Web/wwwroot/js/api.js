// The service's API as the browser calls it: JSON over HTTP (/api/v1, gRPC JSON transcoding of
// the capacity.v1 services), with the signed-in user's bearer token. Same checks, same audit as gRPC.
import { session } from './session.js';
import { problemText } from './labels.js';

/**
 * A refused or failed call. message is Dutch, chosen by the gRPC code (the service's own message
 * is English: kept in serverMessage for the console, never shown).
 */
export class ApiError extends Error {
  constructor(status, { code, message, details } = {}) {
    const fields = (details ?? []).flatMap(d => d.fieldViolations ?? []);
    super(problemText(status, code, fields));
    this.status = status;
    this.code = code;              // the gRPC status code (6 = ALREADY_EXISTS, 9 = FAILED_PRECONDITION, …)
    this.serverMessage = message;
    this.fields = fields;          // [{ field, description }] from google.rpc.BadRequest
    this.details = details ?? [];  // every detail, with its "@type" (google.rpc.ResourceInfo, …)
  }

  /** The detail of one type, e.g. detail('google.rpc.ResourceInfo'). */
  detail(type) {
    return this.details.find(d => d['@type'] === `type.googleapis.com/${type}`);
  }
}

export async function api(path, { method = 'GET', body, query } = {}) {
  const url = new URL(`/api/v1/${path}`, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '' && v !== false) url.searchParams.set(k, v);
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0);
  }
  const text = await response.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch { /* not JSON: a proxy's error page */ }
  if (response.ok) return json;
  if (response.status === 401) session.expired();
  const error = new ApiError(response.status, json);
  console.warn(`${method} ${path}: ${response.status}`, json.message ?? text);
  throw error;
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

/**
 * Pages through a list: first() reads the first page again (as many items as were shown, so a
 * refresh keeps what "Meer laden" added), more() the next; each answer goes to onPage(items,
 * first) unless a newer first() was started meanwhile.
 */
export function pager(path, itemsOf, onPage, { pageSize = 25, query = () => ({}) } = {}) {
  let token = '', generation = 0, count = 0;
  const read = async (first) => {
    const mine = first ? ++generation : generation;
    const size = first ? Math.min(200, Math.max(pageSize, count)) : pageSize;
    const answer = await api(path, { query: { ...query(), pageSize: size, pageToken: first ? undefined : token } });
    if (mine !== generation) return false;
    const items = itemsOf(answer) ?? [];
    token = answer.nextPageToken ?? '';
    count = first ? items.length : count + items.length;
    onPage(items, first);
    return true;
  };
  return {
    first: () => read(true),
    more: () => (token ? read(false) : Promise.resolve(false)),
    get hasMore() { return token !== ''; },
    /** Forget the count (another filter): the next first() reads one page. */
    reset() { count = 0; token = ''; generation++; },
  };
}
