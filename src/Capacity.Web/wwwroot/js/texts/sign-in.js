// Why signing in at the organisation's identity provider failed, in Dutch (js/oidc.js).

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
