// Small progressive enhancements; every page works without JavaScript. No inline script anywhere (CSP).
// The drawer (sidebar below 992 px) is Bootstrap's offcanvas from the vendored Tabler bundle.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("[data-autosubmit]")) field.form.requestSubmit();
});
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// A filter bar is served open; on a phone it folds behind its summary unless a filter is in use.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("details[data-fold-below]").forEach((bar) => {
    const narrow = window.innerWidth < Number(bar.dataset.foldBelow);
    if (narrow && !bar.hasAttribute("data-keep-open")) bar.open = false;
  });
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
