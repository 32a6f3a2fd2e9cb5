// Keeps "2 hours ago" true on cached pages: recomputes every <time data-age> from its
// datetime attribute. Mirrors the `age` filter in articles/templating.py.
(function () {
  "use strict";
  var units = [
    [365 * 86400, "year"],
    [30 * 86400, "month"],
    [7 * 86400, "week"],
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];

  function age(seconds) {
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][0]) {
        var count = Math.floor(seconds / units[i][0]);
        return count + " " + units[i][1] + (count === 1 ? "" : "s") + " ago";
      }
    }
    return "just now";
  }

  function refresh() {
    var now = Date.now();
    document.querySelectorAll("time[data-age]").forEach(function (el) {
      var then = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(then)) {
        el.textContent = age((now - then) / 1000);
      }
    });
  }

  refresh();
  setInterval(refresh, 60 * 1000);
})();
