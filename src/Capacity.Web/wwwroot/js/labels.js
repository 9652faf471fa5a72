// Dutch words for the API's values, and formatting of dates, distances and ages.
// The gRPC JSON API writes enums as their proto names (CARE_TYPE_DISTRICT_NURSING), the SignalR
// hub as C# names (DistrictNursing); key() turns both into the C# name.

const prefixes = ['CARE_TYPE_', 'CAPACITY_UNIT_', 'CONTRACT_TYPE_', 'EXCLUSION_REASON_', 'REFERRAL_STATE_',
  'OFFER_STATE_', 'DECLINE_REASON_', 'CLOSURE_OUTCOME_', 'CLIENT_STOP_REASON_'];

export function key(value) {
  if (typeof value !== 'string' || !/^[A-Z0-9_]+$/.test(value)) return value;
  const prefix = prefixes.find(p => value.startsWith(p));
  const rest = prefix ? value.slice(prefix.length) : value;
  return rest.toLowerCase().split('_').map(w => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** The proto name of a C# enum name: proto('CARE_TYPE_', 'DistrictNursing'). */
export function proto(prefix, name) {
  return prefix + name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

export const careTypes = {
  DistrictNursing: 'Wijkverpleging',
  PalliativeTerminal: 'Palliatief-terminale zorg',
  MedicalChildCare: 'Medische kindzorg',
  DementiaCaseManagement: 'Casemanagement dementie',
  NightCare: 'Nachtzorg',
  ShortTermStay: 'Eerstelijnsverblijf (ELV)',
};

export const contractTypes = { Plus: 'Plus-contract', Standaard: 'Standaard', Clientvolgend: 'Cliëntvolgend', Zzp: 'Zzp' };

export const referralStates = {
  Open: 'open', Offered: 'aangeboden', Placed: 'geplaatst', Escalated: 'geëscaleerd',
  Mediating: 'in bemiddeling', Closed: 'gesloten', Cancelled: 'geannuleerd',
};

export const offerStates = {
  Pending: 'wacht op antwoord', Accepted: 'geaccepteerd', Declined: 'afgewezen', Expired: 'verlopen', Withdrawn: 'ingetrokken',
};

export const declineReasons = { NoStaff: 'geen personeel', OutsideArea: 'buiten ons werkgebied', CareTooComplex: 'zorg te complex', Other: 'andere reden' };

export const closureOutcomes = {
  PlacedElsewhere: 'elders geplaatst', PatientDeclined: 'patiënt ziet af', NoLongerNeeded: 'niet meer nodig',
  NoCareFound: 'geen zorg gevonden', Other: 'andere uitkomst',
};

export const stopReasons = { CostCeiling: 'zorgkostenplafond bereikt', StaffShortage: 'personeelstekort', Other: 'andere reden' };

export const roles = {
  requester: 'Transferverpleegkundige', provider: 'Zorgaanbieder', insurer_desk: 'Zorgbemiddeling', municipality: 'Gemeente',
};

export const label = (table, value) => table[key(value)] ?? String(key(value) ?? '');

export function unit(value, n) {
  return key(value) === 'Beds' ? (n === 1 ? 'bed' : 'bedden') : (n === 1 ? 'plaats' : 'plaatsen');
}

const dayMonth = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long' });
const dayMonthYear = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric' });
const time = new Intl.DateTimeFormat('nl-NL', { hour: '2-digit', minute: '2-digit' });
const km = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 });

/** A date from the API ({year,month,day} or "2026-03-01") as a Date at local midnight. */
export function toDate(value) {
  if (!value) return null;
  if (typeof value === 'string') { const [y, m, d] = value.split('-').map(Number); return new Date(y, m - 1, d); }
  if (value.year) return new Date(value.year, value.month - 1, value.day);
  return null;
}

/** "1 maart", with the year only when it is not this year. */
export function formatDay(value) {
  const date = toDate(value);
  if (!date) return '';
  return date.getFullYear() === new Date().getFullYear() ? dayMonth.format(date) : dayMonthYear.format(date);
}

export const formatTime = value => value ? time.format(new Date(value)) : '';
export const formatKm = value => `${km.format(value ?? 0)} km`;

/** "zojuist", "4 min geleden", "3 uur geleden", "2 dagen geleden". */
export function ago(value, now = Date.now()) {
  if (!value) return 'onbekend';
  const seconds = Math.max(0, (now - new Date(value).getTime()) / 1000);
  if (seconds < 60) return 'zojuist';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min geleden`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} uur geleden`;
  return `${Math.floor(hours / 24)} dagen geleden`;
}

/** Today as yyyy-mm-dd in the Netherlands, as the service counts days (whatever the laptop's time zone). */
const dutchDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit' });
export const today = () => dutchDay.format(new Date());

export function dateMessage(isoDay) {
  const [year, month, day] = isoDay.split('-').map(Number);
  return { year, month, day };
}

/** Why a provider was left out, in plain Dutch. */
export function exclusionText(exclusion, insurerName) {
  const insurer = insurerName || 'deze verzekeraar';
  switch (key(exclusion.reason)) {
    case 'NotContracted': return `geen contract met ${insurer}`;
    case 'ClientStop': {
      const until = exclusion.clientStopUntil ? ` tot en met ${formatDay(exclusion.clientStopUntil)}` : '';
      return `cliëntenstop voor ${insurer}${until}`;
    }
    case 'NotQualified': return 'niet bevoegd of niet ingericht voor deze zorg';
    case 'OutsideArea': return 'werkt niet in dit postcodegebied';
    case 'NoCapacity': {
      const from = toDate(exclusion.availableFrom);
      return from && from > new Date() ? `vol; plaats vrij vanaf ${formatDay(exclusion.availableFrom)}` : 'geen vrije plaats';
    }
    case 'StaleCapacity': return `geen actuele capaciteit (laatst bijgewerkt ${ago(exclusion.capacityPublishedAt)})`;
    default: return exclusion.detail || 'niet geschikt';
  }
}

/** When places are free: "direct" when that is today (or earlier), else the day. */
export function fromDay(value) {
  const date = toDate(value);
  if (!date) return '';
  const [y, m, d] = today().split('-').map(Number);
  return date <= new Date(y, m - 1, d) ? 'direct' : formatDay(value);
}

/** The service states escalation reasons in English (they are also in the audit trail); the desk reads Dutch. */
const escalationReasons = {
  'asked by the requester': 'op verzoek van de verwijzer',
  'no candidate had a free place left': 'geen van de kandidaten had nog een vrije plaats',
  'every offer was declined or expired': 'elk aanbod is afgewezen of verlopen',
  'no provider can take the patient': 'geen aanbieder kan de patiënt opnemen',
};
export const escalationReason = reason => escalationReasons[reason] ?? reason;
