// The article and page forms: while the language field says Persian, the text an editor
// types (headline, kicker, standfirst, captions, the body editor) runs right to left; in
// English, left to right. Runs on load too, so an existing Persian article opens RTL.
"use strict";
(function () {
  var TEXT = "input[type=text], textarea, [contenteditable=true], .ProseMirror";
  var RTL = { fa: true };

  function apply(select) {
    var form = select.form;
    var direction = RTL[select.value] ? "rtl" : "ltr";
    form.querySelectorAll(TEXT).forEach(function (field) {
      if (field.closest(".inline-group")) {
        return; // bylines and corrections are not the article's own text
      }
      field.setAttribute("dir", direction);
    });
    form.setAttribute("data-text-direction", direction);
  }

  function setUp() {
    var select = document.getElementById("id_language");
    if (!select || !select.form) {
      return;
    }
    select.addEventListener("change", function () {
      apply(select);
    });
    apply(select);
    // The body editor builds its editable area after load: apply again when it appears.
    new MutationObserver(function () {
      apply(select);
    }).observe(select.form, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
