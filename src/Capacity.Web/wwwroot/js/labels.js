// Dutch words for the API's values, and formatting of dates, distances and ages.
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

// --- the municipality's map (issue 13, point 5): every text of js/municipality.js and js/municipality-map.js ---
const placesWord = n => (n === 1 ? 'plaats' : 'plaatsen');
const providersWord = n => (n === 1 ? 'aanbieder' : 'aanbieders');
export const mapTexts = {
  title: 'Beschikbaarheid in uw gemeente',
  careType: 'Zorgsoort',
  view: 'Weergave',
  allProviders: 'Alle aanbieders',
  perInsurer: 'Per verzekeraar',
  insurerOption: name => `Verzekerden van ${name}`,
  viewFailed: 'Deze weergave kon niet worden geladen. Kies een andere weergave of probeer het later opnieuw.',
  updated: (time, careType) => `Bijgewerkt om ${time} · ${careType}`,
  // which view the legend shows: the first thing it says
  legendAll: 'Weergave: alle aanbieders die het gebied bedienen, ongeacht contracten en cliëntenstops.',
  legendInsurer: name => `Weergave: voor verzekerden van ${name} — alleen aanbieders met een ${name}-contract voor deze zorgsoort en zonder cliëntenstop voor ${name}.`,
  legend: 'Legenda',
  bandMany: '7 of meer vrij',
  bandSome: '3–6 vrij',
  bandFew: '1–2 vrij',
  bandZero: 'vol: geen vrije plaats (gearceerd)',
  bandNone: 'geen aanbieder',
  bandNoneInsurer: name => `geen aanbieder met ${name}-contract`,
  stopAll: 'cliëntenstop: ruimte gesloten voor patiënten van een of meer verzekeraars (schuin gestreept, gestippelde rand)',
  stopInsurer: name => `cliëntenstop voor ${name}: ruimte die er anders zou zijn (schuin gestreept, gestippelde rand)`,
  unmet: 'verwijzingen zonder plek (alle verzekeraars samen)',
  source: 'Kaart: postcodegebieden (PC4), Bron: CBS.',
  hint: 'Wijs of tab naar een postcodegebied voor de cijfers.',
  // an area, in words (the tooltip, and the area's own label for screen readers)
  areaTip: ({ pc4, place, free, withRoom, inView, closed, closedFree, stops, stale, unmet, careType, insurer }) =>
    `${pc4} ${place}: ${free} vrij bij ${withRoom} van ${inView} ${insurer ? `aanbieders met ${insurer}-contract` : 'aanbieders'}` +
    (closed ? `; ${closed} ${providersWord(closed)} met ${closedFree} ${placesWord(closedFree)} gesloten door een cliëntenstop${insurer ? ` voor ${insurer}` : ''}` : '') +
    (stops ? `; ${stops} met een cliëntenstop` : '') + (stale ? `; ${stale} verouderd` : '') +
    (unmet ? `; ${unmet} onvervuld` : '') + ` (${careType}).`,
  // the table and what each column means
  areasTitle: 'Per postcodegebied',
  colPc4: 'Postcode', colPlace: 'Plaats', colFree: 'Vrij', colWithRoom: 'Met ruimte', colClosed: 'Gesloten door stop',
  colStops: 'Cliëntenstop', colStale: 'Verouderd', colUnmet: 'Onvervuld',
  helpTitle: 'Wat de kolommen betekenen',
  helpPc4: 'Het postcodegebied (PC4).',
  helpPlace: 'De woonplaats van het postcodegebied (CBS).',
  helpFree: insurer => `Vrije plaatsen (bij eerstelijnsverblijf: bedden) die vandaag beschikbaar zijn, opgeteld over de aanbieders met ruimte${insurer ? ` voor verzekerden van ${insurer}` : ''}. Alleen cijfers die de afgelopen 24 uur zijn bijgewerkt tellen mee.`,
  helpWithRoom: insurer => `Aanbieders met minstens één vrije plaats, van het aantal aanbieders in deze weergave: “2 / 10” is 2 met ruimte van ${insurer ? `10 met een ${insurer}-contract voor deze zorgsoort` : '10 die het gebied bedienen'}.`,
  helpClosed: insurer => insurer
    ? `Aanbieders met ruimte die door een cliëntenstop voor ${insurer} geen verzekerden van ${insurer} aannemen, met hun vrije plaatsen; die tellen niet mee bij Vrij.`
    : 'Aanbieders met ruimte en een cliëntenstop voor een of meer verzekeraars, met hun vrije plaatsen: die ruimte telt mee bij Vrij, maar niet voor patiënten van die verzekeraars.',
  helpStops: 'Aanbieders met een cliëntenstop in dit gebied voor deze zorgsoort, voor welke verzekeraar ook, ook zonder ruimte. Palliatief-terminale zorg gaat altijd door een stop heen.',
  helpStale: 'Aanbieders waarvan het cijfer ouder is dan 24 uur: hun plaatsen tellen niet mee.',
  helpUnmet: 'Verwijzingen van inwoners van dit gebied die bij de zorgbemiddeling van een verzekeraar uitkwamen omdat niemand de patiënt kon opnemen — van alle verzekeraars samen, ook in de weergave per verzekeraar.',
  withRoomCell: (withRoom, inView) => `${withRoom} / ${inView}`,
  closedCell: (closed, free) => (closed ? `${closed} (${free} ${placesWord(free)})` : '0'),
  // the totals: each provider once, however many areas it serves
  totals: ({ municipality, free, withRoom, inView, closed, closedFree, insurer }) =>
    `${municipality}: ${free} vrij bij ${withRoom} ${providersWord(withRoom)} met ruimte, van ${inView} ${insurer ? `met een ${insurer}-contract` : 'in de gemeente'}` +
    (!closed ? '' : insurer
      ? `; bij ${closed} ${providersWord(closed)} ${closedFree === 1 ? 'is' : 'zijn'} ${closedFree} ${placesWord(closedFree)} gesloten door een cliëntenstop voor ${insurer} (niet meegeteld)`
      : `; bij ${closed} ${providersWord(closed)} ${closedFree === 1 ? 'is' : 'zijn'} ${closedFree} van die ${placesWord(closedFree)} door een cliëntenstop gesloten voor patiënten van een of meer verzekeraars`) +
    '. Elke aanbieder telt één keer, ook als hij meer gebieden bedient.',
  unmetTitle: 'Onvervulde zorgvraag',
  unmetAbout: 'Verwijzingen die bij de zorgbemiddeling van een verzekeraar uitkwamen omdat niemand de patiënt kon opnemen (alle verzekeraars samen).',
  unmetNone: 'Geen verwijzingen zonder plek geregistreerd.',
  unmetLine: (careType, n) => `${careType}: ${n} ${Number(n) === 1 ? 'verwijzing' : 'verwijzingen'} bij de zorgbemiddeling`,
  noMap: gm => `Geen kaart voor gemeente ${gm}.`,
};
// --- end of the municipality's map ---

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
    default: return 'niet geschikt'; // the service's detail is English: never shown
  }
}

/** When places are free: "direct" when that is today (or earlier), else the day. */
export function fromDay(value) {
  const date = toDate(value);
  if (!date) return '';
  const [y, m, d] = today().split('-').map(Number);
  return date <= new Date(y, m - 1, d) ? 'direct' : formatDay(value);
}


/** The service states escalation reasons in English (they are also in the audit trail); the screens read Dutch. */
const escalationReasons = {
  'asked by the requester': 'op verzoek van de verwijzer',
  'no provider can take the patient': 'geen aanbieder kan de patiënt opnemen',
  'no untried candidate left': 'er is geen aanbieder meer over die nog niet gevraagd is',
  'no candidate had a free place left': 'geen van de kandidaten had nog een vrije plaats',
  'no provider chosen in time': 'er is niet op tijd een aanbieder gekozen',
  "the referral's search no longer holds": 'de zoekvraag van de verwijzing klopt niet meer (bijvoorbeeld de verzekeraar)',
  'every offer was declined or expired': 'elk aanbod is afgewezen of verlopen', // escalations from before the reasons above
};
export const escalationReason = reason => escalationReasons[reason] ?? 'om een andere reden';

/** The nurse's referral lists (ReferralListFilter), in the order of the filter. */
export const listFilters = { Active: 'Open', Placed: 'Geplaatst', Ended: 'Afgesloten' };

/** The desk's lead groups (LeadKind), in the service's rank order. */
export const leadKinds = ['Candidate', 'ToAsk', 'Uncontracted', 'Nearby'];
export function leadGroup(kind, insurerName) {
  switch (key(kind)) {
    case 'Candidate': return 'Kan de patiënt nu opnemen';
    case 'ToAsk': return 'Vol of cliëntenstop — bel om te vragen';
    case 'Uncontracted': return `Niet gecontracteerd door ${insurerName || 'de verzekeraar'}`;
    case 'Nearby': return 'In de buurt, werkt niet in dit postcodegebied';
    default: return 'Overige aanbieders';
  }
}

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

/**
 * Why an offer was not made (OfferReferralResponse.rejected), in Dutch: a provider that is no
 * candidate by its exclusion reason, the rest by the English reason's stable opening.
 */
export function rejectedText(rejected, insurerName) {
  if (rejected.exclusion && key(rejected.exclusion) !== 'Unspecified') return exclusionText({ reason: rejected.exclusion }, insurerName);
  const r = String(rejected.reason ?? '');
  if (r.startsWith('an offer to this provider is open')) return 'er staat al een aanbod open';
  if (r.startsWith('no free place left')) return 'geen vrije plaats meer';
  if (r.startsWith('not a candidate')) return 'kan de patiënt nu niet opnemen';
  if (r.startsWith('not a registered provider')) return 'onbekende aanbieder';
  return 'niet mogelijk';
}

/**
 * What an offer call (OfferReferralResponse) did, in names (never an AGB code; insurerName for the
 * reasons that name the insurer): made — the providers asked that the
 * answer's referral has an open offer with (not the local choice: a retried request answers what
 * the first one did); refused — "name (why)" for each one not offered to; uncontracted — whether
 * one of the offers made is to a provider without a contract.
 */
export function offerOutcome(answer, asked, nameOf = () => null, insurerName = '') {
  const rejected = answer.rejected ?? [];
  const made = (answer.referral?.offers ?? []).filter(o => key(o.state) === 'Pending' && asked.includes(o.provider?.agb)
    && !rejected.some(x => x.providerAgb === o.provider?.agb));
  return {
    made: made.map(o => o.provider?.name ?? nameOf(o.provider?.agb) ?? texts.someProvider),
    refused: rejected.map(x => `${nameOf(x.providerAgb) ?? texts.someProvider} (${rejectedText(x, insurerName)})`),
    uncontracted: made.some(o => o.uncontracted),
  };
}

/** Field names of google.rpc.BadRequest (snake_case, possibly nested) as a user knows them. */
const fieldNames = {
  patient_ref: 'patiëntkenmerk', care_summary: 'zorgvraag', patient_postcode: 'postcode', insurer_uzovi: 'zorgverzekeraar',
  care_type: 'soort zorg', start_date: 'datum', urgent: 'spoed', patient_age: 'leeftijd', radius_km: 'straal',
  decline_reason: 'reden', decline_text: 'toelichting', text: 'toelichting', outcome: 'uitkomst', free_places: 'aantal',
  from: 'vanaf', until: 'tot en met', reason: 'reden', reason_text: 'toelichting', provider_agbs: 'aanbieders', taken_by: 'naam',
};
const fieldName = field => fieldNames[String(field).split('.').pop().replace(/\[\d+\]$/, '')] ?? 'een invoerveld';

/**
 * What went wrong, in Dutch, from the answer's status and gRPC code (the service's own message is
 * English and for logs): status 0 when the service could not be reached.
 */
export function problemText(status, code, fields = []) {
  if (status === 0) return 'De dienst is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.';
  const grpc = code ?? { 400: 3, 401: 16, 403: 7, 404: 5, 409: 10, 429: 8, 503: 14, 504: 4 }[status];
  switch (grpc) {
    case 3: case 11: {
      const names = [...new Set(fields.map(f => fieldName(f.field)))];
      return names.length ? `Niet gelukt: controleer ${names.join(', ')}.` : 'Niet gelukt: de invoer klopt niet.';
    }
    case 5: return 'Niet gevonden: het is misschien al afgesloten of verwijderd.';
    case 6: return 'Dit bestaat al.';
    case 7: return 'Dit mag u niet voor deze organisatie.';
    case 8: return 'Te veel verzoeken tegelijk: probeer het over een minuut opnieuw.';
    case 9: return 'Dit kan nu niet (meer): de gegevens zijn intussen veranderd.';
    case 10: return 'Er kwam een andere wijziging tussen: probeer het opnieuw.';
    case 16: return 'U bent afgemeld: meld u opnieuw aan.';
    // The service's store did not answer: a change may or may not have been made. Retrying the same
    // action is safe (the page sends the same request id until it succeeds).
    case 14: return 'De dienst is even niet bereikbaar. Probeer het over een paar seconden opnieuw; dezelfde actie nog eens is veilig.';
    case 4: return 'Dit duurde te lang. Probeer het opnieuw; dezelfde actie nog eens is veilig.';
    default: return 'De dienst gaf een fout; probeer het zo opnieuw.';
  }
}

/**
 * What each reason code of the API (docs/ERRORS.md, Shared/Reasons.cs) says on the screens. One
 * text per code; the field it concerns is shown by the field itself. ReasonTableTests checks that
 * these texts and docs/ERRORS.md agree word for word.
 */
export const reasonTexts = {
  REQUIRED: 'Vul dit in.',
  CHOICE_REQUIRED: 'Maak een keuze.',
  VALUE_UNKNOWN: 'Kies een van de mogelijkheden uit de lijst.',
  AGB_FORMAT: 'Een AGB-code bestaat uit 8 cijfers.',
  UZOVI_FORMAT: 'Kies een zorgverzekeraar uit de lijst.',
  ORGANISATION_CODE_FORMAT: 'De code van de organisatie klopt niet; meld u opnieuw aan.',
  REQUEST_ID_FORMAT: 'De pagina stuurde een ongeldig verzoek; laad de pagina opnieuw.',
  ID_FORMAT: 'Dit kenmerk bestaat niet; laad de pagina opnieuw.',
  PROVIDER_UNKNOWN: 'Deze zorgaanbieder is niet geregistreerd.',
  INSURER_UNKNOWN: 'Deze zorgverzekeraar is niet geregistreerd; kies er een uit de lijst.',
  MUNICIPALITY_UNKNOWN: 'Deze gemeente kennen we niet; kies een gemeente uit de lijst.',
  FIELD_MISMATCH: 'Dit cijfer hoort bij een andere zorgaanbieder.',
  POSTCODE_FORMAT: 'Vul een postcode in als 1234 AB of 1234.',
  POSTCODE_UNKNOWN: 'Dit postcodegebied bestaat niet; controleer de cijfers.',
  AREA_NOT_SERVED: 'In dit postcodegebied werkt u niet.',
  CARE_TYPE_UNKNOWN: 'Kies een soort zorg uit de lijst.',
  DATE_INVALID: 'Vul een geldige datum in.',
  DATE_IN_PAST: 'Deze datum ligt in het verleden; kies vandaag of later.',
  DATE_TOO_FAR: 'Deze datum ligt te ver vooruit.',
  DATE_BEFORE_START: 'De einddatum ligt vóór de begindatum.',
  URGENT_START: 'Bij spoed begint de zorg binnen 24 uur: kies vandaag of morgen als startdatum.',
  AGE_RANGE: 'Vul een leeftijd in van 0 tot en met 130 jaar.',
  CHILD_CARE_AGE_REQUIRED: 'Vul de leeftijd in: medische kindzorg is voor patiënten onder 18.',
  CHILD_CARE_ADULT: 'Medische kindzorg is voor patiënten onder 18; kies wijkverpleging voor een volwassene.',
  RADIUS_RANGE: 'Kies een kleinere straal.',
  NUMBER_RANGE: 'Dit getal is te groot of te klein.',
  LIST_EMPTY: 'Kies er minstens één.',
  LIST_TOO_LONG: 'Dat zijn er te veel tegelijk; kies er minder.',
  PATIENT_REF_LENGTH: 'Vul uw eigen kenmerk voor de patiënt in (hoogstens 64 tekens).',
  PATIENT_REF_BSN: 'Dit lijkt op een BSN: gebruik uw eigen kenmerk, geen BSN.',
  TEXT_TOO_LONG: 'Deze tekst is te lang; maak hem korter.',
  TEXT_CHARACTERS: 'Deze tekst bevat een teken dat niet mag (zoals een tab of onzichtbaar teken); typ hem opnieuw.',
  TEXT_CONTAINS_BSN: 'Deze tekst bevat iets dat op een BSN lijkt; laat nummers van personen weg.',
  MONEY_AMOUNT: 'Noem hier geen bedragen: tarieven en budgetten mogen niet gedeeld worden.',
  EXPLANATION_REQUIRED: 'Geef een toelichting bij ‘anders’.',
  PHONE_FORMAT: 'Vul een Nederlands telefoonnummer in, bijv. 020 123 4567 of 06-12345678.',
  EMAIL_FORMAT: 'Vul een e-mailadres in, bijv. intake@voorbeeld.nl.',
  PAGE_TOKEN_INVALID: 'De lijst is intussen veranderd; laad de pagina opnieuw.',
  PATIENT_HAS_REFERRAL: 'Voor deze patiënt loopt al een verwijzing.',
  REFERRAL_STATE: 'Dit kan niet meer: de verwijzing is intussen veranderd.',
  OFFERS_OPEN: 'Er staan nog aanbiedingen open: wacht op de antwoorden of annuleer de verwijzing.',
  ACCEPTED_ALREADY: 'U heeft dit aanbod al aangenomen.',
  PLACED_ELSEWHERE: 'De patiënt is intussen bij een andere zorgaanbieder geplaatst.',
  OFFER_NOT_OPEN: 'Dit aanbod staat niet meer open.',
  OFFER_DEADLINE_PASSED: 'De termijn van dit aanbod is verstreken.',
  TOO_MANY_OPEN_OFFERS: 'Er staan al te veel aanbiedingen tegelijk open; wacht eerst op een antwoord.',
  SEARCH_NO_LONGER_VALID: 'De zoekvraag van deze verwijzing klopt niet meer (bijvoorbeeld de verzekeraar).',
  CLIENT_STOP_GONE: 'Deze cliëntenstop is intussen opgeheven.',
  REQUEST_REUSED: 'Dit verzoek is al eerder met andere gegevens gedaan; laad de pagina opnieuw.',
  REFERRAL_NOT_FOUND: 'Deze verwijzing bestaat niet (meer).',
  OFFER_NOT_FOUND: 'Dit aanbod bestaat niet (meer).',
  CLIENT_STOP_NOT_FOUND: 'Deze cliëntenstop bestaat niet meer; misschien is hij al opgeheven.',
  PROVIDER_NOT_FOUND: 'Deze zorgaanbieder is niet geregistreerd.',
  ORGANISATION_NOT_FOUND: 'Deze organisatie is niet geregistreerd.',
  NOT_ALLOWED: 'Dit mag u niet met uw rol of voor deze organisatie.',
  OTHER_DESK: 'Deze verwijzing hoort bij de zorgbemiddeling van een andere verzekeraar.',
  OTHER_PROVIDERS_STOP: 'Deze cliëntenstop is van een andere zorgaanbieder.',
  SIGN_IN_REQUIRED: 'Meld u aan om verder te gaan.',
  SESSION_EXPIRED: 'U bent afgemeld: meld u opnieuw aan.',
  TOO_MANY_SUBSCRIPTIONS: 'Er lopen te veel zoekvragen tegelijk; laad de pagina opnieuw.',
  CHANGED_MEANWHILE: 'Er kwam een andere wijziging tussen: probeer het opnieuw.',
  CALL_TOO_SLOW: 'Dit duurde te lang. Probeer het opnieuw; dezelfde actie nog eens is veilig.',
  STORE_UNAVAILABLE: 'De dienst is even niet bereikbaar. Probeer het over een paar seconden opnieuw; dezelfde actie nog eens is veilig.',
};

/** A code the page does not know (a newer service): a general sentence, never the English text. */
export const unknownReasonText = 'Dit is niet gelukt. Probeer het opnieuw of neem contact op met de beheerder.';

/**
 * Why the identity provider sent the user back without a sign-in (OAuth 2.0 / OpenID Connect
 * "error" codes); its error_description is the provider's own text, often English: never shown.
 */
export const signInErrorTexts = {
  access_denied: 'U heeft de aanmelding geweigerd of uw organisatie staat haar niet toe.',
  login_required: 'Meld u eerst aan bij uw organisatie.',
  interaction_required: 'Uw organisatie vraagt nog iets van u: meld u opnieuw aan.',
  consent_required: 'Uw organisatie vraagt uw toestemming: meld u opnieuw aan en geef die.',
  account_selection_required: 'Kies bij uw organisatie met welk account u zich aanmeldt.',
  invalid_request: 'De aanmelding klopte niet. Probeer het opnieuw of neem contact op met de beheerder.',
  unauthorized_client: 'Deze toepassing mag zich niet aanmelden bij uw organisatie. Neem contact op met de beheerder.',
  invalid_scope: 'Deze toepassing vraagt iets wat uw organisatie niet toestaat. Neem contact op met de beheerder.',
  invalid_grant: 'De aanmelding is verlopen of al gebruikt. Meld u opnieuw aan.',
  server_error: 'Bij uw organisatie ging iets mis. Probeer het later opnieuw.',
  temporarily_unavailable: 'De aanmelding van uw organisatie is even niet bereikbaar. Probeer het later opnieuw.',
};
export const signInFailed = why => `Aanmelden bij uw organisatie is niet gelukt. ${why}`;
export const signInUnknown = 'Probeer het opnieuw of neem contact op met de beheerder.';

/** Texts of the new referral, offer, placement and lead blocks. */
export const texts = {
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

// --- PART: safe actions and the offline state (issue 13, points 3 and 4) ---

/** "a", "a en b", "a, b en c". */
export function joinAnd(items) {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} en ${items.at(-1)}`;
}

const lowerFirst = s => s.charAt(0).toLowerCase() + s.slice(1);

/**
 * What a client stop does, in words: "U verdwijnt voor alle VGZ-patiënten in 1183 uit de
 * zoekresultaten voor wijkverpleging, vanaf vandaag tot nader order." insurers and areas: names
 * and PC4s, or null for all; careTypes: C# names, or null for all; from and until: yyyy-mm-dd
 * (until null: until further notice).
 */
export function stopEffect({ insurers, careTypes: types, areas, from, until }) {
  const who = !insurers ? 'patiënten van alle verzekeraars'
    : insurers.length === 1 ? `alle ${insurers[0]}-patiënten` : `alle patiënten van ${joinAnd(insurers)}`;
  const where = !areas ? 'in heel uw werkgebied' : `in ${joinAnd(areas)}`;
  const what = !types ? 'voor alle zorgsoorten' : `voor ${joinAnd(types.map(t => lowerFirst(careTypes[t] ?? t)))}`;
  const start = from === today() ? 'vanaf vandaag' : `vanaf ${formatDay(from)}`;
  const end = until ? `tot en met ${formatDay(until)}` : 'tot nader order';
  return `U verdwijnt voor ${who} ${where} uit de zoekresultaten ${what}, ${start} ${end}.`;
}

export const safeTexts = {
  // the client-stop form
  declareTitle: 'Cliëntenstop instellen',
  stopInsurers: 'Voor patiënten van',
  stopCareTypes: 'Zorgsoorten',
  stopAreas: 'Postcodegebieden',
  allInsurersChoice: 'alle verzekeraars',
  allCareTypesChoice: 'alle zorgsoorten',
  wholeAreaChoice: 'heel het werkgebied',
  stopFrom: 'Vanaf',
  stopUntil: 'Tot en met',
  untilFurtherNotice: 'tot nader order',
  stopReason: 'Reden',
  stopReasonText: 'Toelichting',
  stopReasonTextPlaceholder: 'bijv. verwijs naar de zorgbemiddeling van de verzekeraar',
  areasLoading: 'Werkgebied laden…',
  areasFailed: 'Uw werkgebied kon niet worden geladen; kies “heel het werkgebied” of probeer het later opnieuw.',
  pickInsurers: 'Kies voor welke verzekeraars de stop geldt, of “alle verzekeraars”.',
  pickCareTypes: 'Kies voor welke zorgsoorten de stop geldt, of “alle zorgsoorten”.',
  pickAreas: 'Kies voor welke postcodegebieden de stop geldt, of “heel het werkgebied”.',
  pickUntil: 'Kies een einddatum, of “tot nader order”.',
  untilBeforeFrom: 'De einddatum ligt voor de begindatum.',
  pickFrom: 'Kies een begindatum.',
  // the confirmations
  confirmStopTitle: 'Cliëntenstop instellen?',
  stopExempt: 'Palliatief-terminale zorg en spoedzorg vinden u wel (die gaan altijd door een cliëntenstop heen).',
  confirmStopYes: 'Ja, stop instellen',
  confirmStopNo: 'Nee, niet instellen',
  stopDeclared: 'Cliëntenstop ingesteld.',
  confirmLiftTitle: 'Cliëntenstop opheffen?',
  confirmLiftText: what => `De stop ${what} wordt opgeheven: u verschijnt weer in de zoekresultaten.`,
  confirmLiftYes: 'Ja, opheffen',
  confirmLiftNo: 'Nee, laten staan',
  stopLifted: 'Cliëntenstop opgeheven.',
  confirmCancelTitle: patientRef => `Verwijzing ${patientRef} annuleren?`,
  confirmCancelText: 'De verwijzing wordt afgesloten; een aanbod dat openstaat wordt ingetrokken. Dit kunt u niet terugdraaien.',
  confirmCancelYes: 'Ja, annuleren',
  confirmCancelNo: 'Nee, niet annuleren',
  referralCancelled: patientRef => `Verwijzing ${patientRef} is geannuleerd en staat nu onder “${listFilters.Ended}”.`,
  // the offline state
  offlineBanner: time => `Geen verbinding met de dienst sinds ${time}. Wat u ziet kan verouderd zijn; acties zijn uitgeschakeld tot de verbinding terug is.`,
};

