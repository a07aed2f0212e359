// Small progressive enhancements; every page works without JavaScript. No inline script anywhere (CSP).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("[data-autosubmit]")) field.form.requestSubmit();
});
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
