// Dutch words shared by the screens (the API's values, the common texts of the referral, offer,
// placement and lead blocks) and formatting of dates, distances and ages. Texts of one feature
// live beside it in js/texts/.
//
// The gRPC JSON API writes enums as their proto names (CARE_TYPE_DISTRICT_NURSING), the SignalR
// hub as C# names (DistrictNursing); key() turns both into the C# name.

const prefixes = ['CARE_TYPE_', 'CAPACITY_UNIT_', 'CONTRACT_TYPE_', 'EXCLUSION_REASON_', 'REFERRAL_STATE_',
  'OFFER_STATE_', 'DECLINE_REASON_', 'CLOSURE_OUTCOME_', 'CLIENT_STOP_REASON_', 'LEAD_KIND_', 'REFERRAL_LIST_FILTER_'];

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

export const declineReasons = { NoStaff: 'geen personeel', OutsideArea: 'buiten ons werkgebied', CareTooComplex: 'zorg te complex',
  NoCapacity: 'toch geen plek vrij', TravelDistance: 'reisafstand te groot', PatientPreference: 'voorkeur van de patiënt', Other: 'andere reden' };

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
/** When places are free: "direct" when that is today (or earlier), else the day. */
export function fromDay(value) {
  const date = toDate(value);
  if (!date) return '';
  const [y, m, d] = today().split('-').map(Number);
  return date <= new Date(y, m - 1, d) ? 'direct' : formatDay(value);
}

/** The nurse's referral lists (ReferralListFilter), in the order of the filter. */
export const listFilters = { Active: 'Open', Placed: 'Geplaatst', Ended: 'Afgesloten' };

const weekDay = new Intl.DateTimeFormat('nl-NL', { weekday: 'long' });

/** "dinsdag 25 november": the day of a first visit. */
export function formatWeekDay(value) {
  const date = toDate(value);
  return date ? `${weekDay.format(date)} ${formatDay(value)}` : '';
}

/** A moment that may be on another day: "14:05", "morgen 02:05", "25 november 14:05". */
export function formatMoment(value) {
  if (!value) return '';
  const at = new Date(value);
  const day = dutchDay.format(at);
  const tomorrow = dutchDay.format(new Date(Date.now() + 86400000));
  if (day === today()) return formatTime(at);
  if (day === tomorrow) return `morgen ${formatTime(at)}`;
  return `${formatDay(day)} ${formatTime(at)}`;
}

/** The same as a phrase: "om 14:05", "morgen om 02:05", "op 25 november om 14:05". */
export function atMoment(value) {
  const moment = formatMoment(value);
  if (!moment) return '';
  if (moment.startsWith('morgen ')) return `morgen om ${moment.slice(7)}`;
  return moment.includes(' ') ? `op ${moment.replace(/ (\d\d:\d\d)$/, ' om $1')}` : `om ${moment}`;
}

/** A tel: link's target from a phone number as typed ("+31 (0)20 555 0101" → "+31205550101"). */
export const telHref = phone => `tel:${String(phone).replace(/\(0\)/g, '').replace(/[^\d+]/g, '')}`;

/** Texts of the new referral, offer, placement and lead blocks. */
const shortDay = new Intl.DateTimeFormat('nl-NL', { weekday: 'short', day: 'numeric', month: 'short' });

/** "wo 17 jun": a day of the 7-day outlook, short enough for a column head. */
export function formatShortDay(value) {
  const date = toDate(value);
  return date ? shortDay.format(date) : '';
}

export const texts = {
  // the 7-day outlook (docs/INSIGHT-outlook.md)
  outlookToggle: 'Verwachting',
  outlookToggleLabel: pc4 => `Verwachting voor de komende 7 dagen in ${pc4}`,
  outlookHint: 'Verwachte vrije plaatsen per dag. Leeg: geen verwachting (dan telt het gewone cijfer). Opslaan bewaart de verwachting bij het cijfer; een cijfer zonder verwachting wist de oude.',
  outlookCareType: 'Zorgsoort',
  outlookTitle: pc4 => `Verwachte vrije plaatsen in ${pc4}, komende 7 dagen`,
  outlookClose: 'Verwachting sluiten',
  outlookCell: (careType, pc4, day) => `${careType} in ${pc4}, verwacht op ${day}`,
  expectedFor: day => `Verwachting voor ${day}`,
  expectedHint: 'Dit aantal heeft de aanbieder verwacht voor die dag; het is geen plaats die nu vrij is.',
  // the nurse's referral history
  referralsTitle: 'Verwijzingen van uw organisatie',
  referral: patientRef => `Verwijzing ${patientRef}`,
  answerBy: at => `antwoord uiterlijk ${at}`,
  placedWith: provider => `Geplaatst bij ${provider}.`,
  filterLegend: 'Toon verwijzingen',
  includeOlder: 'ook ouder dan 14 dagen',
  more: 'Meer laden',
  loading: 'Laden…',
  noReferrals: { Active: 'Geen open verwijzingen.', Placed: 'Geen geplaatste verwijzingen in deze periode.', Ended: 'Geen afgesloten verwijzingen in deze periode.' },
  movedTo: (patientRef, filter) => `Verwijzing ${patientRef} staat nu onder “${listFilters[filter]}”.`,
  returnedDeclined: (provider, reason) => `Afgewezen door ${provider} (${reason}) — kies een andere aanbieder`,
  returnedExpired: provider => `${provider} reageerde niet op tijd — kies een andere aanbieder`,
  chooseProvider: 'Nog niet aangeboden — kies een aanbieder',
  waitingAlert: at => `Deze verwijzing wacht op uw keuze: zonder keuze gaat zij ${at} naar de zorgbemiddeling.`,
  freshCandidates: 'Aanbieders die de patiënt nu kunnen opnemen:',
  freshLoading: 'Aanbieders zoeken…',
  freshNone: 'Geen andere aanbieder kan de patiënt nu opnemen: leg de verwijzing bij de zorgbemiddeling.',
  freshFailed: 'De aanbieders konden niet worden opgehaald.',
  atMost: n => `U kunt de verwijzing aan hoogstens ${n} ${n === 1 ? 'aanbieder' : 'aanbieders'} tegelijk aanbieden.`,
  reoffer: 'Opnieuw aanbieden',
  offerFirst: 'Aanbieden',
  toDesk: 'Naar zorgbemiddeling',
  cancel: 'Annuleren',
  refresh: 'Vernieuwen',
  offeredTo: names => `Aangeboden aan ${names}.`,
  notOfferedTo: list => `Niet aangeboden aan ${list}.`,
  createdNotAllOffered: list => `Verwijzing aangemaakt. Niet aangeboden aan ${list}.`,
  pickFirst: 'Kies eerst een of meer aanbieders.',
  escalated: (insurer, reason) => `Bij de zorgbemiddeling van ${insurer}: ${reason}.`,
  closed: outcome => `Afgesloten door de zorgbemiddeling: ${outcome}.`,
  cancelled: at => `Geannuleerd${at ? ` ${at}` : ''}.`,
  duplicate: patientRef => `Voor patiënt ${patientRef} loopt al een verwijzing.`,
  duplicateHint: 'Er is niets nieuws aangemaakt. Ga verder met de bestaande verwijzing, of annuleer die eerst.',
  openExisting: 'Open de bestaande verwijzing',
  postcodeHint: 'Formaat: 1234 AB of 1234',
  unknownInsurer: typed => `Onbekende zorgverzekeraar “${typed}”: kies er een uit de lijst.`,
  referralOffered: patientRef => `Verwijzing ${patientRef} aangeboden.`,
  referralAtDesk: (patientRef, insurer) => `Verwijzing ${patientRef} ligt bij de zorgbemiddeling van ${insurer}.`,
  // the handover, for both sides
  handoverTitle: 'Overdracht',
  firstVisit: 'Eerste bezoek',
  intake: 'Intake',
  requester: 'Verwijzer',
  transferDesk: 'Transferbureau',
  noContact: 'geen contactgegevens bekend',
  call: (who, phone) => `${who} bellen: ${phone}`,
  someProvider: 'een zorgaanbieder',
  uncontractedWarning: insurer => `Niet gecontracteerd door ${insurer || 'de verzekeraar'}: de patiënt moet mogelijk een deel van de zorg zelf betalen.`,
  // the provider
  noOffers: 'Geen openstaande aanvragen.',
  offerTitle: (careType, pc4) => `${careType} in ${pc4}`,
  offerWho: (requester, patientRef) => ` · ${requester} · kenmerk ${patientRef}`,
  offerStart: day => `Start ${day}`,
  urgent: 'spoed',
  accept: 'Accepteren',
  decline: 'Afwijzen',
  declineReason: 'Reden van afwijzen',
  acceptedAlready: patientRef => `Kenmerk ${patientRef} is al door u geaccepteerd: zie “Nieuwe cliënten”.`,
  newClient: patientRef => `Nieuwe cliënt ${patientRef}`,
  badNumber: 'Vul een heel getal van 0 tot en met 10000 in.',
  notSaved: 'Niets opgeslagen: controleer de gemarkeerde cijfers.',
  firstVisitHint: urgent => urgent ? 'spoed: vandaag of morgen' : 'vandaag of later',
  badFirstVisit: urgent => urgent ? 'Kies als eerste bezoek vandaag of morgen (spoed).' : 'Kies als eerste bezoek vandaag of een latere dag.',
  declineTextPlaceholder: 'verplicht bij andere reden',
  declineTextLabel: 'Toelichting bij afwijzen',
  declineTextNeeded: 'Geef bij “andere reden” een toelichting.',
  acceptedAt: at => `Geaccepteerd ${at}`,
  takenMeanwhile: 'Deze aanvraag is intussen door een andere aanbieder aangenomen of ingetrokken.',
  newClients: 'Nieuwe cliënten',
  noClients: 'Geen nieuwe cliënten in deze periode.',
  patientRef: ref => `kenmerk ${ref}`,
  // the desk
  emptyQueue: 'Geen verwijzingen in de wachtrij.',
  unmetIntro: 'Verwijzingen die bij uw bemiddeling uitkwamen, per gemeente en zorgsoort.',
  municipality: 'Gemeente',
  careType: 'Zorgsoort',
  count: 'Aantal',
  noUnmet: 'Nog geen.',
  // a provider's client stops
  stopsTitle: 'Cliëntenstops',
  noStops: 'Geen cliëntenstops.',
  allInsurers: 'alle verzekeraars',
  allCareTypes: 'alle zorgsoorten',
  wholeArea: 'heel het werkgebied',
  stopPeriod: (from, until) => `vanaf ${from}${until ? ` tot en met ${until}` : ''}`,
  liftStop: 'Opheffen',
  radius: 'Zoekstraal',
  widen: 'Zoek breder',
  take: 'Oppakken',
  takenBy: who => `Opgepakt door ${who}`,
  outcome: 'Uitkomst',
  closeText: 'Toelichting bij afsluiten',
  closeTextPlaceholder: 'toelichting',
  close: 'Afsluiten',
  offer: 'Aanbieden',
  offerUncontracted: 'Ook niet-gecontracteerd aanbieden',
  deskOffered: 'aangeboden.',
  room: (n, unitText, published) => `${n} ${unitText} · bijgewerkt ${published}`,
  widenHint: 'Wie de patiënt kan opnemen, wie u kunt bellen, wie niet gecontracteerd is en wie in de buurt werkt',
  leadsFound: (n, km) => `${n} beschikbaar binnen ${km}${n ? ':' : '.'}`,
  offerableUncontracted: 'heeft plaats; alleen aan te bieden met “ook niet-gecontracteerd”',
  uncontractedNoRoom: 'geen vrije plaats',
};

/** A date from the API ({year,month,day}) as "yyyy-mm-dd". */
export function isoDay(value) {
  const date = value instanceof Date ? value : toDate(value);
  if (!date) return '';
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** "yyyy-mm-dd" n days later. */
export function addDays(iso, n) {
  const [y, m, d] = iso.split('-').map(Number);
  return isoDay(new Date(y, m - 1, d + n));
}
