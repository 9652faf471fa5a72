// Why a provider is or is not a candidate, what an offer call did, the desk's lead groups and why
// a referral went to the desk: the service's reasons (enums, or English for logs) in Dutch.
import { key, formatDay, toDate, ago, texts } from '../labels.js';

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
