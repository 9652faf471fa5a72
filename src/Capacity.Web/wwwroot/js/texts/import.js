// Every text of the capacity import on the provider's screen (js/capacity-import.js, docs/IMPORT.md).

// Hours with the Dutch decimal comma: 12,5.
const hoursFormat = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 2 });
const rows = n => (n === 1 ? 'rij' : 'rijen');
export const importTexts = {
  title: 'Cijfers uit een spreadsheet',
  intro: 'Download het sjabloon met uw gebieden en zorgsoorten, vul de vrije plaatsen in en upload het. U ziet eerst wat er verandert.',
  downloadXlsx: 'Sjabloon downloaden (.xlsx)',
  downloadCsv: 'Sjabloon downloaden (.csv)',
  upload: 'Bestand uploaden',
  uploadHint: '.xlsx of .csv (puntkomma of komma), hoogstens 512 kB en 10.000 rijen.',
  reading: 'Bestand wordt gecontroleerd…',
  apply: 'Wijzigingen toepassen',
  applying: 'Wordt opgeslagen…',
  downloaded: 'Sjabloon gedownload.',
  row: 'Rij', pc4: 'Postcode', careType: 'Zorgsoort', now: 'Nu', next: 'Nieuw', outcome: 'Uitkomst',
  none: '—',
  change: 'wordt gewijzigd',
  applied: 'opgeslagen',
  outdated: 'niet opgeslagen',
  refused: 'afgekeurd',
  summary: r => `${r.rows} ${rows(r.rows)} gelezen: ${r.changed} ${r.changed === 1 ? 'wijziging' : 'wijzigingen'}, ${r.unchanged} ongewijzigd, ` +
    `${r.skipped} overgeslagen (leeg), ${r.refused} afgekeurd.`,
  nothingToApply: 'Er is niets om op te slaan: verbeter de afgekeurde rijen en upload het bestand opnieuw.',
  done: (r, time) => `${r.changed + r.unchanged} ${rows(r.changed + r.unchanged)} opgeslagen om ${time} (${r.changed} gewijzigd).` +
    (r.refused ? ` ${r.refused} ${rows(r.refused)} niet opgeslagen: zie de tabel.` : ''),
  places: (n, from, hours) => `${n}${from ? ` vanaf ${from}` : ''}${hours !== undefined ? `, ${hoursFormat.format(hours)} uur/week` : ''}`,
  // the template's columns as a user reads them
  columns: { postcode_gebied: 'postcodegebied', zorgsoort: 'zorgsoort', vrije_plaatsen: 'vrije plaatsen', vanaf: 'vanaf', uren_per_week: 'uren per week', versie: 'versie' },
  expectedColumn: day => `verwacht op ${day}`,
};
