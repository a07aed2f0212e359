/* Searchable selects (jiliang.ui.widgets.AutocompleteSelect) on Tom Select.
   A <select data-autocomplete="URL"> asks URL?q=...&limit=20 for {items: [{value, text}], has_more};
   data-depends-on names another field of the form whose value is sent as data-depends-param and
   whose change empties this select. The strings come from the page (translated server-side). */
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function dependency(select) {
    var name = select.dataset.dependsOn;
    return name && select.form ? select.form.elements.namedItem(name) : null;
  }

  function address(select, query) {
    var url = new URL(select.dataset.autocomplete, window.location.href);
    url.searchParams.set("q", query);
    url.searchParams.set("limit", "20");
    var other = dependency(select);
    if (other && other.value) {
      url.searchParams.set(select.dataset.dependsParam, other.value);
    }
    return url;
  }

  function enhance(select) {
    if (select.tomselect) {
      return;
    }
    var control = new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],  // the server matches; Tom Select would filter again on the label only
      placeholder: select.dataset.placeholder,
      preload: "focus",
      loadThrottle: 250,
      shouldLoad: function () { return true; },
      load: function (query, callback) {
        fetch(address(select, query), {credentials: "same-origin", headers: {Accept: "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {items: [], has_more: false}; })
          .then(function (page) { callback(page.items); })
          .catch(function () { callback(); });
      },
      render: {
        no_results: function () {
          return '<div class="no-results">' + escapeHtml(select.dataset.noResults) + "</div>";
        },
        loading: function () {
          return '<div class="spinner">' + escapeHtml(select.dataset.loading) + "</div>";
        }
      }
    });
    var other = dependency(select);
    if (other) {
      var chosen = other.value;
      other.addEventListener("change", function () {
        if (other.value === chosen) {
          return;  // Tom Select also reports a change when the control loses focus
        }
        chosen = other.value;
        control.clear(true);
        control.clearOptions();
        control.wrapper.classList.remove("preloaded");  // the next focus loads the new owner's matches
      });
    }
  }

  function start() {
    if (typeof TomSelect === "undefined") {
      return;  // the plain select still shows and posts the current value
    }
    document.querySelectorAll("select[data-autocomplete]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
