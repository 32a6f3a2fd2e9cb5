// Takes the breaking-news alert off an open page when it expires: the server stops showing
// it at that moment too (no cache keeps a page past it), this covers a page left open.
(function () {
  "use strict";
  var alerts = document.querySelectorAll(".site-alert[data-expires]");
  Array.prototype.forEach.call(alerts, function (alert) {
    var left = Date.parse(alert.getAttribute("data-expires")) - Date.now();
    if (isNaN(left)) {
      return;
    }
    var remove = function () {
      alert.remove();
    };
    if (left <= 0) {
      remove();
    } else {
      setTimeout(remove, Math.min(left, 2147483647));
    }
  });
})();
