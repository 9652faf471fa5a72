// The nurse's search kept in the address bar (?postcode=1183&verzekeraar=3311&…): a reload, a
// bookmark or a link to a colleague opens the same search again. Only what a search needs goes
// there, as little of the patient as the service itself keeps (docs/SECURITY.md): the postcode
// area (PC4, never the full postcode), the age only for medical child care, which needs it; no
// patient reference or care summary. Signing out takes it out of the address (session.js).
const keys = {
  patientPostcode: 'postcode', insurerUzovi: 'verzekeraar', careType: 'zorg', startDate: 'start',
  urgent: 'spoed', patientAge: 'leeftijd', radiusKm: 'straal',
};

/** Writes the search into the address (replacing the entry: Back leaves the page, as before). */
export function keepSearch(search) {
  const url = new URL(location.href);
  const kept = {
    ...search,
    patientPostcode: /^\s*(\d{4})/.exec(search.patientPostcode ?? '')?.[1] ?? null,
    patientAge: search.careType === 'MedicalChildCare' ? search.patientAge : null,
  };
  for (const [field, name] of Object.entries(keys)) {
    const value = kept[field];
    if (value === null || value === undefined || value === '' || value === false) url.searchParams.delete(name);
    else url.searchParams.set(name, value === true ? '1' : String(value));
  }
  history.replaceState(history.state, '', url);
}

/** The search the address holds (strings, as the form's inputs take them), or null when it holds none. */
export function keptSearch() {
  const params = new URLSearchParams(location.search);
  if (!params.has(keys.patientPostcode) || !params.has(keys.insurerUzovi)) return null;
  const kept = {};
  for (const [field, name] of Object.entries(keys)) kept[field] = params.get(name);
  kept.urgent = kept.urgent === '1';
  return kept;
}
