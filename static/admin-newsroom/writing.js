// The article form as a writer's tool: the headline has the focus first, the body editor
// checks spelling (its package turns that off), counts words and characters as you type,
// and Ctrl+S (Cmd+S on a Mac) saves and keeps the form open ("Save and continue editing").
"use strict";
(function () {
  function count(text) {
    var trimmed = text.trim();
    return {
      words: trimmed ? trimmed.split(/\s+/u).length : 0,
      characters: text.replace(/\s+/gu, " ").trim().length,
    };
  }

  function watchBody(area) {
    if (area.dataset.newsroomWriting) {
      return;
    }
    area.dataset.newsroomWriting = "1";
    area.setAttribute("spellcheck", "true");
    var counter = document.createElement("p");
    counter.className = "help body-counts";
    counter.setAttribute("aria-live", "polite");
    var holder = area.closest(".prose-editor") || area.parentElement;
    holder.insertAdjacentElement("afterend", counter);
    function update() {
      var found = count(area.innerText || "");
      counter.textContent =
        found.words + (found.words === 1 ? " word, " : " words, ") +
        found.characters + (found.characters === 1 ? " character" : " characters");
    }
    area.addEventListener("input", update);
    new MutationObserver(update).observe(area, { childList: true, subtree: true, characterData: true });
    update();
  }

  function setUp() {
    var title = document.getElementById("id_title");
    var form = title && title.form;
    if (!form) {
      return;
    }
    if (!location.hash) {
      title.focus();
    }
    form.querySelectorAll(".ProseMirror[contenteditable]").forEach(watchBody);
    new MutationObserver(function () {
      form.querySelectorAll(".ProseMirror[contenteditable]").forEach(watchBody);
    }).observe(form, { childList: true, subtree: true });

    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
        event.preventDefault();
        var save = form.querySelector("input[name=_continue]") || form.querySelector("input[name=_save]");
        if (save) {
          save.click();
        }
      }
    });
  }

  if (document.readyState === "complete") {
    setUp();
  } else {
    window.addEventListener("load", setUp);
  }
})();
