// Safe actions and the offline state (issue 13, points 3 and 4): the client-stop form and its
// confirmations, cancelling a referral, and the offline banner.
import { careTypes, listFilters, today, formatDay } from '../labels.js';

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
  // Palliative-terminal care passes every stop (CareTypes.PassesClientStops): a stop for it alone hides nothing.
  if (types && types.every(t => t === 'PalliativeTerminal'))
    return 'Een cliëntenstop voor alleen palliatief-terminale zorg heeft geen effect: die zorg gaat altijd door een cliëntenstop heen, u blijft in de zoekresultaten.';
  types = types?.filter(t => t !== 'PalliativeTerminal');
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
