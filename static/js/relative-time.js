// Keeps "2 hours ago" true on cached pages: recomputes every <time data-age> from its
// datetime attribute. Mirrors the `age` filter of ifp/jinja2.py: English in
// articles/templating.py, Persian ("۲ ساعت پیش", on pages whose <html lang> is fa) in
// articles/persian_dates.py.
(function () {
  "use strict";
  var units = [
    [365 * 86400, "year", "سال"],
    [30 * 86400, "month", "ماه"],
    [7 * 86400, "week", "هفته"],
    [86400, "day", "روز"],
    [3600, "hour", "ساعت"],
    [60, "minute", "دقیقه"],
  ];
  var persian = document.documentElement.lang === "fa";

  function persianDigits(text) {
    return String(text).replace(/[0-9]/g, function (d) {
      return String.fromCharCode(0x06f0 + Number(d));
    });
  }

  function age(seconds) {
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][0]) {
        var count = Math.floor(seconds / units[i][0]);
        if (persian) {
          return persianDigits(count) + " " + units[i][2] + " پیش";
        }
        return count + " " + units[i][1] + (count === 1 ? "" : "s") + " ago";
      }
    }
    return persian ? "همین حالا" : "just now";
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
