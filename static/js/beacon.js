// Counts a read for "most read" without the page being rendered for it: one tiny POST of
// the article's id, sent when the reader has had the page in view for a moment. No cookie,
// no identifier; the server keeps only a per-article count (articles/most_read.py).
(function () {
  "use strict";
  var article = document.querySelector("[data-beacon][data-article-id]");
  if (!article || !navigator.sendBeacon) {
    return;
  }
  var sent = false;
  var send = function () {
    if (sent || document.visibilityState !== "visible") {
      return;
    }
    sent = true;
    navigator.sendBeacon(
      article.getAttribute("data-beacon"),
      new Blob([article.getAttribute("data-article-id")], { type: "text/plain" }),
    );
  };
  if (document.visibilityState === "visible") {
    setTimeout(send, 1000);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      setTimeout(send, 1000);
    }
  });
})();
