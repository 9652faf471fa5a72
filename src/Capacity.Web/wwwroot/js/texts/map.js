// Every text of the municipality's map (issue 13, point 5): js/municipality.js and js/municipality-map.js.

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
  // the 7-day outlook: a coming day instead of today (docs/INSIGHT-outlook.md)
  day: 'Dag',
  dayToday: 'Vandaag',
  dayOption: day => `Verwacht ${day}`,
  updatedDay: (time, careType, day) => `Bijgewerkt om ${time} · ${careType} · verwachting voor ${day}: vrije plaatsen en aanbieders met ruimte zoals aanbieders ze verwachten (zonder verwachting: hun huidige cijfer)`,
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
