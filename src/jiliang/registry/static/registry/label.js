// The label page's print button (no inline script: CSP).
document.addEventListener("click", (event) => {
  if (event.target.matches("[data-print]")) window.print();
});
