// The article page's own script: the share box's buttons, then the most read beacon.

// The share box's buttons that need JavaScript: "Share…" through the Web Share API where
// the browser has it, and "Copy link". Without JavaScript they stay hidden and the plain
// share links work on their own.
(function () {
  "use strict";
  var buttons = document.querySelectorAll(".share__button[data-share-url]");
  Array.prototype.forEach.call(buttons, function (button) {
    var box = button.closest(".share");
    var status = box && box.querySelector(".share__status");
    var url = button.getAttribute("data-share-url");
    var say = function (text) {
      if (status) {
        status.textContent = text;
      }
    };
    if (button.getAttribute("data-share") === "native") {
      if (!navigator.share) {
        return;
      }
      button.addEventListener("click", function () {
        navigator
          .share({ title: button.getAttribute("data-share-title") || document.title, url: url })
          .catch(function () {});
      });
    } else {
      button.addEventListener("click", function () {
        if (!navigator.clipboard) {
          say("Copy this link: " + url);
          return;
        }
        navigator.clipboard.writeText(url).then(
          function () {
            say("Link copied.");
          },
          function () {
            say("Copy this link: " + url);
          },
        );
      });
    }
    button.hidden = false;
    button.parentNode.hidden = false;
  });
})();

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
