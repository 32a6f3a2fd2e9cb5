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
