// The article form's controls that Django's widgets leave without an accessible name get
// the name of their field: the body editor's editable area, the autocomplete boxes (select2)
// and the empty headers of a table of inline rows. Runs again when the body editor or a
// new byline row appears.
"use strict";
(function () {
  function labelOf(id) {
    var label = id && document.querySelector('label[for="' + id + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }

  function name(form) {
    form.querySelectorAll(".ProseMirror[contenteditable]").forEach(function (area) {
      if (!area.hasAttribute("aria-label")) {
        var textarea = area.closest(".form-row") || area.parentElement;
        var field = textarea && textarea.querySelector("textarea[id]");
        area.setAttribute("aria-label", labelOf(field && field.id) || "Text");
      }
    });
    form.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) {
        return;
      }
      var text = select.getAttribute("aria-label") || labelOf(select.id);
      container.querySelectorAll("[role=combobox], [role=textbox]").forEach(function (box) {
        if (text && box.getAttribute("aria-label") !== text) {
          box.setAttribute("aria-label", text);
        }
      });
    });
    // Inputs with no label of their own (the date and time of a split field, which Django
    // heads with a legend; a row's delete box) are named from their field.
    form.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (el) {
      if ((el.labels && el.labels.length) || el.hasAttribute("aria-label")) {
        return;
      }
      if (el.hasAttribute("aria-labelledby") || el.closest(".select2")) {
        return;
      }
      var row = el.closest(".form-row");
      var heading = row && row.querySelector("label, legend");
      var base = heading ? heading.textContent.replace(/:\s*$/, "").trim() : "";
      var part = /-DELETE$/.test(el.name) ? "delete this row" : "";
      var split = /_([01])$/.exec(el.id || "");
      if (split) {
        part = split[1] === "0" ? "date" : "time";
      }
      var text = [base, part].filter(Boolean).join(", ");
      el.setAttribute("aria-label", text || el.name);
    });
    form.querySelectorAll("thead th:empty").forEach(function (header) {
      var hidden = document.createElement("span");
      hidden.className = "newsroom-hidden-text";
      hidden.textContent = header.classList.contains("original") ? "Row" : "Actions";
      header.appendChild(hidden);
    });
  }

  function setUp() {
    var form = document.querySelector("#content-main form[id]");
    if (!form) {
      return;
    }
    name(form);
    var pending = false;
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        requestAnimationFrame(function () {
          pending = false;
          name(form);
        });
      }
    }).observe(form, { childList: true, subtree: true });
  }

  if (document.readyState === "complete") {
    setUp();
  } else {
    window.addEventListener("load", setUp);
  }
})();
