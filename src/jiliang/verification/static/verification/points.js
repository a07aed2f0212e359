/* The record form's table of test points: rows are added and removed, and each row shows its
 * verdict as it is typed, from its rule's bounds delivered with the form (#rule-bounds) and the
 * words of the page's language (#point-words). The server decides again, authoritatively, on save;
 * a row whose unit needs converting (s against a rule in min) is judged only there.
 * No library and no inline script (CSP).
 */
(function () {
  "use strict";

  var RATIOS = { "%": 1, "‰": 0.1 };  // a ratio unit in percent

  function data(id) { return JSON.parse(document.getElementById(id).textContent); }

  function value(row, field) {
    var input = row.querySelector('[name$="-' + field + '"]');
    var text = input ? input.value.trim() : "";
    return text === "" || isNaN(Number(text)) ? null : Number(text);
  }

  function text(row, field) {
    var input = row.querySelector('[name$="-' + field + '"]');
    return input ? input.value.trim() : "";
  }

  function formValue(name) {
    var input = document.querySelector('[name="' + name + '"]');
    return input ? input.value.trim() : "";
  }

  /* The row's error and U in the rule's unit, or null when only the server can tell (a unit to convert). */
  function inRuleUnit(row, rule) {
    var nominal = value(row, "nominal"), indicated = value(row, "indicated");
    var typed = value(row, "error"), u = value(row, "expanded_uncertainty");
    var unit = text(row, "unit");
    var reading = nominal !== null && indicated !== null;
    if (u === null || (!reading && typed === null)) return null;
    if (rule.basis === "relative_percent") {
      if (!(rule.unit in RATIOS)) return null;
      var ratioUnit = unit in RATIOS ? unit : rule.unit;
      if (!reading && unit && !(unit in RATIOS)) return null;
      if (reading && nominal === 0) return null;
      var error = reading ? (indicated - nominal) / nominal * 100 / RATIOS[rule.unit]
                          : typed * RATIOS[ratioUnit] / RATIOS[rule.unit];
      return { error: error, u: u * RATIOS[ratioUnit] / RATIOS[rule.unit] };
    }
    if (rule.basis === "scale_interval") {
      var e = Number(formValue("scale_interval"));
      if (reading && !(e > 0)) return null;
      return { error: reading ? (indicated - nominal) / e : typed, u: u };
    }
    if (unit && unit !== rule.unit) return null;
    return { error: reading ? indicated - nominal : typed, u: u };
  }

  function show(cell, tone, words) {
    cell.textContent = "";
    if (!words) return;
    var tag = document.createElement("span");
    tag.className = "status-tag tone-" + tone;
    tag.textContent = words;
    cell.appendChild(tag);
  }

  function judge(row, bounds, words) {
    var cell = row.querySelector("[data-verdict]");
    var key = text(row, "mpe_rule");
    var rule = bounds[key];
    if (!key) return show(cell, "blue", words.calibration);
    if (!rule) return show(cell, "grey", words.unknown_rule);
    var point = inRuleUnit(row, rule);
    if (point === null) return show(cell, "grey", words.on_save);
    var lower = Number(rule.lower), upper = Number(rule.upper);
    var guarded = formValue("decision_rule") === "guarded_acceptance";
    var error = point.error.toFixed(6).replace(/\.?0+$/, "");
    if (!guarded && 3 * point.u > (upper - lower) / 2) return show(cell, "amber", words.u_too_large);
    var slack = guarded ? point.u : 0;
    var conforms = lower + slack <= point.error + 1e-12 && point.error <= upper - slack + 1e-12;
    show(cell, conforms ? "green" : "red",
         (conforms ? words.pass : words.fail) + " (" + words.error + " " + error + " " + rule.unit + ")");
  }

  function setUp(fieldset) {
    var bounds = data("rule-bounds"), words = data("point-words");
    var rows = fieldset.querySelector("[data-rows]");
    var template = fieldset.querySelector("template[data-row-template]");
    var total = fieldset.querySelector('input[name$="-TOTAL_FORMS"]');
    var prefix = total.name.replace(/-TOTAL_FORMS$/, "");
    var numbered = new RegExp("^" + prefix + "-(\\d+|__prefix__)-");

    function renumber() {
      var all = rows.querySelectorAll("[data-row]");
      all.forEach(function (row, index) {
        row.querySelector("[data-position]").textContent = String(index + 1);
        row.querySelectorAll("[name], [id]").forEach(function (element) {
          ["name", "id"].forEach(function (attribute) {
            var old = element.getAttribute(attribute);
            if (old) element.setAttribute(attribute, old.replace(numbered, prefix + "-" + index + "-"));
          });
        });
        row.querySelector("[data-remove-row]").disabled = all.length === 1;
      });
      total.value = String(all.length);
    }

    function judgeAll() { rows.querySelectorAll("[data-row]").forEach(function (row) { judge(row, bounds, words); }); }

    fieldset.querySelector("[data-add-row]").addEventListener("click", function () {
      var row = template.content.firstElementChild.cloneNode(true);
      var previous = rows.querySelector("[data-row]:last-of-type");
      if (previous) {  // a new row starts with the previous row's rule, k and unit: points usually share them
        ["mpe_rule", "coverage_factor", "unit"].forEach(function (field) {
          row.querySelector('[name$="-' + field + '"]').value = text(previous, field);
        });
      }
      rows.appendChild(row);
      renumber();
      judge(row, bounds, words);
      row.querySelector('[name$="-nominal"]').focus();
    });
    rows.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-row]");
      if (!button || rows.querySelectorAll("[data-row]").length === 1) return;
      button.closest("[data-row]").remove();
      renumber();
    });
    rows.addEventListener("input", function (event) { judge(event.target.closest("[data-row]"), bounds, words); });
    rows.addEventListener("change", function (event) { judge(event.target.closest("[data-row]"), bounds, words); });
    ["decision_rule", "scale_interval"].forEach(function (name) {
      var input = document.querySelector('[name="' + name + '"]');
      if (input) input.addEventListener("input", judgeAll);
      if (input) input.addEventListener("change", judgeAll);
    });
    renumber();
    judgeAll();
  }

  document.querySelectorAll("[data-points]").forEach(setUp);
})();
