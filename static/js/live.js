// Live coverage: while the coverage is open and the tab is visible, asks the page's
// /live/<id>/ endpoint for the live block every data-poll-seconds and puts in what changed.
// Stops for good when the server says the coverage has ended; pauses while the tab is
// hidden (Page Visibility API) and asks at once when it is shown again. Without this
// script a reload shows everything.
(function () {
  "use strict";
  var block = document.querySelector(".live[data-live-url][data-open]");
  if (!block || !window.fetch) {
    return;
  }
  var url = block.getAttribute("data-live-url");
  var seconds = Math.max(1, parseInt(block.getAttribute("data-poll-seconds"), 10) || 15);
  var timer = null;
  var ended = false;
  var busy = false;
  var shown = block.innerHTML;

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!ended && document.visibilityState === "visible") {
      timer = setTimeout(poll, seconds * 1000);
    }
  }

  function poll() {
    timer = null;
    busy = true;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("live: " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data.html !== shown) {
          block.innerHTML = data.html;
          shown = data.html;
        }
        if (!data.open) {
          ended = true;
          block.removeAttribute("data-open");
        }
        busy = false;
        schedule();
      })
      .catch(function () {
        busy = false;
        schedule(); // a network failure: try again at the next tick
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      if (!ended && !busy && timer === null) {
        poll();
      }
    } else {
      clearTimeout(timer);
      timer = null;
    }
  });
  schedule();
})();
