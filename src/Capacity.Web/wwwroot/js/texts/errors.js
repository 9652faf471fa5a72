// What went wrong, in Dutch: by reason code (reasonTexts, one text per code of docs/ERRORS.md) and,
// for answers without one, by HTTP status and gRPC code. js/errors.js shows them.

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
  OUTLOOK_DAY_RANGE: 'Een verwachting geldt voor morgen tot en met over 7 dagen.',
  OUTLOOK_DAY_DUPLICATE: 'Deze dag staat al eerder in de verwachting.',
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
  URL_FORMAT: 'Vul een volledig https-adres in van een server op internet, zonder gebruikersnaam of wachtwoord, bijv. https://zorg.voorbeeld.nl/capacity.json.',
  PAGE_TOKEN_INVALID: 'De lijst is intussen veranderd; laad de pagina opnieuw.',
  FILE_TOO_LARGE: 'Dit bestand is te groot (hoogstens 512 kB); splits het in kleinere bestanden.',
  FILE_UNREADABLE: 'Dit bestand kunnen we niet lezen; sla het op als .xlsx of als CSV (UTF-8).',
  FILE_COLUMNS: 'De eerste rij moet de kolomnamen van het sjabloon bevatten; download het sjabloon opnieuw.',
  NUMBER_FORMAT: 'Vul hier een getal in.',
  ROW_DUPLICATE: 'Dit gebied met deze zorgsoort staat al in een eerdere rij.',
  VERSION_OUTDATED: 'Er staat al een nieuwer cijfer; deze rij is niet opgeslagen.',
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
  ENDPOINT_NOT_FOUND: 'Er is geen adres voor automatisch ophalen ingesteld.',
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
