// CSV for the tables and charts of the insight screens, as Dutch spreadsheets open it: ';' between
// fields, decimal comma, UTF-8 with a byte-order mark (Excel otherwise reads it as Windows-1252),
// CR LF line ends, and a field quoted when it holds ';', '"' or a line break.

/** One field: numbers with a decimal comma, text quoted when needed, nothing for null. */
export function csvField(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).replace('.', ',') : '';
  const text = String(value);
  // A leading = + - @ makes a spreadsheet read a formula: a text field never starts one.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d+([.,]\d+)?$/.test(text) ? `'${text}` : text;
  return /[;"\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows (the first the header) as the text of a CSV file, byte-order mark included. */
export function toCsv(rows) {
  return '\uFEFF' + rows.map(row => row.map(csvField).join(';')).join('\r\n') + '\r\n';
}

/** Offers the rows to the browser as a download named fileName (".csv" added when missing). */
export function downloadCsv(fileName, rows) {
  const blob = new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName.endsWith('.csv') ? fileName : `${fileName}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
