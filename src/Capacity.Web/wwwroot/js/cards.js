// Tables become cards on a phone (site.css, "Responsive layout"): each cell then shows the name of
// its column before it, read from data-label. This keeps data-label on the cells of every table on
// the page, also on the rows the screens add and redraw later (pushes, "Meer laden").

/** Labels the cells of one table from its first header row; a cell spanning columns, or a row's own header, gets none. */
function label(table) {
  const head = table.tHead?.rows[0];
  if (!head) return;
  const names = [];
  for (const cell of head.cells) for (let i = 0; i < cell.colSpan; i++) names.push(cell.textContent.trim());
  for (const section of [table.tHead, ...table.tBodies]) {
    for (const row of section.rows) {
      if (row === head) continue;
      let column = 0;
      for (const cell of row.cells) {
        const name = cell.colSpan > 1 || cell.getAttribute('scope') === 'row' ? '' : names[column] ?? '';
        if (cell.dataset.label !== name) cell.dataset.label = name;
        column += cell.colSpan;
      }
    }
  }
}

let queued = false;
function labelAll() {
  queued = false;
  for (const table of document.querySelectorAll('main table')) label(table);
}

// Only added and removed nodes are watched, so setting the labels (attributes) never wakes it again;
// a burst of changes (a redrawn list) is labelled once, before the browser paints.
new MutationObserver(() => {
  if (queued) return;
  queued = true;
  queueMicrotask(labelAll);
}).observe(document.getElementById('main'), { childList: true, subtree: true });
labelAll();
