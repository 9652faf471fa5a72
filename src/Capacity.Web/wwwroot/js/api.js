// The service's API as the browser calls it: JSON over HTTP (/api/v1, gRPC JSON transcoding of
// the capacity.v1 services), with the signed-in user's bearer token. Same checks, same audit as gRPC.
import { session } from './session.js';
import { problemText } from './texts/errors.js';
import * as offline from './offline.js';

/**
 * A refused or failed call. message is Dutch, chosen by the gRPC code (the service's own message
 * is English: kept in serverMessage for the console, never shown); errors.js says it better from
 * the reason codes (fields[].reason, the google.rpc.ErrorInfo detail).
 */
export class ApiError extends Error {
  constructor(status, { code, message, details } = {}) {
    const fields = (details ?? []).flatMap(d => d.fieldViolations ?? []);
    super(problemText(status, code, fields));
    this.status = status;
    this.code = code;              // the gRPC status code (6 = ALREADY_EXISTS, 9 = FAILED_PRECONDITION, …)
    this.serverMessage = message;
    this.fields = fields;          // [{ field, reason, description }] from google.rpc.BadRequest
    this.details = details ?? [];  // every detail, with its "@type" (google.rpc.ErrorInfo, google.rpc.ResourceInfo, …)
  }

  get isApiError() { return true; }

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
    offline.unreachable();
    throw new ApiError(0);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: a proxy's error page */ }
  // The service (or its store) could not be reached: the page goes offline until a resync reaches it.
  if ([502, 503].includes(response.status) || json?.code === 14) offline.unreachable();
  else offline.reached();
  if (response.ok) return json ?? {};
  if (response.status === 401) session.expired();
  const error = new ApiError(response.status, json ?? {});
  console.warn(`${method} ${path}: ${response.status}`, json?.message ?? text);
  throw error;
}

/** Every item of a short reference list (insurers, municipalities), read page by page: field is the answer's list. */
export async function allPages(path, field) {
  const items = [];
  let pageToken = '';
  do {
    const answer = await api(path, { query: { pageSize: 200, pageToken } });
    items.push(...(answer[field] ?? []));
    pageToken = answer.nextPageToken ?? '';
  } while (pageToken);
  return items;
}

/** The registered insurers, cached for the page's lifetime: [{ uzovi, name }]. */
let insurers;
export async function listInsurers() {
  insurers ??= allPages('insurers', 'insurers').catch(e => { insurers = undefined; throw e; });
  return insurers;
}

/** An insurer's name from the list listInsurers() gave (its UZOVI code when it is not there). */
export function insurerName(insurers, uzovi) {
  return insurers.find(i => i.uzovi === uzovi)?.name ?? uzovi;
}

/** The version of a referral (int64: a string from the API) or of a hub notice (a number), to compare. */
export const versionOf = x => BigInt(x?.version ?? 0);

/**
 * Pages through a list and keeps what was read, joined without duplicates (keyOf). first() reads
 * from the start again, as many items as the user has asked for: a reload after a push keeps what
 * "Meer laden" added, also when "Meer laden" was clicked while the reload ran. more() asks for a
 * page more. After each read that still counts, onItems(items, { reloaded, startedAt }) gets the
 * whole list (startedAt: when a reload's reading began, performance.now()).
 */
export function pager(path, itemsOf, keyOf, onItems, { pageSize = 25, query = () => ({}) } = {}) {
  let items = [], token = '', wanted = pageSize, generation = 0, reloading = null;
  const read = (size, pageToken) => api(path, { query: { ...query(), pageSize: Math.min(200, size), pageToken } });
  const join = (a, b) => {
    const seen = new Set(a.map(keyOf));
    return [...a, ...b.filter(x => !seen.has(keyOf(x)))];
  };

  async function reload() {
    const mine = ++generation, startedAt = performance.now();
    let got = [], next;
    do { // `wanted` is read again after every page: a "Meer laden" meanwhile is part of this read
      const answer = await read(Math.max(pageSize, wanted - got.length), next);
      if (mine !== generation) return false;
      got = join(got, itemsOf(answer) ?? []);
      next = answer.nextPageToken || undefined;
    } while (next && got.length < wanted);
    items = got;
    token = next ?? '';
    onItems(items, { reloaded: true, startedAt });
    return true;
  }

  async function more() {
    wanted = Math.max(wanted, items.length) + pageSize;
    if (reloading) return reloading; // it reads on until it has `wanted`
    if (!token) return false;
    const mine = generation;
    const answer = await read(pageSize, token);
    if (mine !== generation) return false; // a reload began meanwhile; it reads `wanted`, this page included
    items = join(items, itemsOf(answer) ?? []);
    token = answer.nextPageToken ?? '';
    onItems(items, { reloaded: false });
    return true;
  }

  return {
    first() {
      const run = reload().finally(() => { if (reloading === run) reloading = null; });
      reloading = run;
      return run;
    },
    more,
    get items() { return items; },
    get hasMore() { return token !== ''; },
    /** Another list (another filter): forget what was read and asked for; the next first() reads one page. */
    reset() { items = []; token = ''; wanted = pageSize; generation++; reloading = null; },
  };
}
