// The article form, kept safe (articles/admin_editing.py): what is typed is sent to the
// server 10 seconds after a change at the latest and when the page is left; leaving with
// changes not saved to the article asks first; while the form is open a heartbeat keeps its
// soft lock and says when someone else took over. Configured by #newsroom-editing.
"use strict";
(function () {
  var AUTOSAVE_AFTER_MS = 10000;
  var HEARTBEAT_MS = 30000;

  function setUp() {
    var config = document.getElementById("newsroom-editing");
    var form = config && config.closest("form");
    if (!form) {
      return;
    }
    var status = document.getElementById("newsroom-editing-status");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    // Changes not yet saved to the article (a restored text is one), and not yet sent.
    var dirty = config.hasAttribute("data-restored");
    var unsent = false;
    var submitting = false;
    var timer = null;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function post(url, body, keepalive) {
      return fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        keepalive: !!keepalive,
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      });
    }

    function autosave(leaving) {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (!unsent || submitting) {
        return;
      }
      unsent = false;
      var body = new FormData(form);
      if (leaving && navigator.sendBeacon) {
        navigator.sendBeacon(config.dataset.autosaveUrl, body);
        return;
      }
      post(config.dataset.autosaveUrl, body)
        .then(function (response) {
          return response.json().then(function (answer) {
            if (!response.ok) {
              throw new Error(answer.error || response.statusText);
            }
            say("Your text was kept at " + answer.saved_at + " (not yet saved to the article).");
          });
        })
        .catch(function (error) {
          unsent = true;
          say("Your text could not be kept on the server (" + error.message + "); keep this page open.");
        });
    }

    function changed(event) {
      if (event && event.target && event.target.closest && event.target.closest(".inline-group")) {
        dirty = true; // bylines and corrections are saved with the article, not kept
        return;
      }
      dirty = true;
      unsent = true;
      if (!timer) {
        timer = setTimeout(autosave, AUTOSAVE_AFTER_MS);
      }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // The body editor writes its text into its textarea; its own typing is an input event
    // of the editable area inside the form, so the listener above sees it.
    form.addEventListener("submit", function () {
      submitting = true;
    });

    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) {
        autosave(true);
        event.preventDefault();
        event.returnValue = "";
      }
    });
    window.addEventListener("pagehide", function () {
      autosave(true);
      if (config.dataset.releaseUrl && !submitting) {
        var body = new FormData();
        body.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
        navigator.sendBeacon(config.dataset.releaseUrl, body);
      }
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        autosave(true);
      }
    });

    if (config.dataset.lockUrl) {
      var beat = setInterval(function () {
        post(config.dataset.lockUrl, new FormData())
          .then(function (response) {
            return response.json();
          })
          .then(function (answer) {
            if (answer.mine === false) {
              clearInterval(beat);
              var notice = document.createElement("p");
              notice.className = "errornote edit-lock-lost";
              notice.setAttribute("role", "alert");
              notice.textContent = answer.message;
              form.insertBefore(notice, form.firstChild);
            }
          })
          .catch(function () {});
      }, HEARTBEAT_MS);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
