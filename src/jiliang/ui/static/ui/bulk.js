// The "select all" box of a list with bulk actions ticks or clears every row on the page (no inline script: CSP).
document.addEventListener("change", (event) => {
  const name = event.target.dataset.selectAll;
  if (!name) return;
  for (const box of document.querySelectorAll(`input[type=checkbox][name="${name}"]`)) box.checked = event.target.checked;
});
