// The image library's focal point: a click on the picture sets the two percentages
// that every crop keeps in view (images/renditions.py), and a mark shows where it is.
"use strict";
(function () {
  function setUp(picture) {
    var across = document.getElementById("id_focal_x");
    var down = document.getElementById("id_focal_y");
    var mark = picture.parentNode.querySelector(".focal-picker__mark");
    if (!across || !down) {
      return;
    }
    function show() {
      if (across.value === "" && down.value === "") {
        mark.hidden = true;
        return;
      }
      mark.hidden = false;
      mark.style.insetInlineStart = (across.value || 50) + "%";
      mark.style.insetBlockStart = (down.value || 50) + "%";
    }
    picture.addEventListener("click", function (event) {
      var box = picture.getBoundingClientRect();
      across.value = Math.round(((event.clientX - box.left) / box.width) * 100);
      down.value = Math.round(((event.clientY - box.top) / box.height) * 100);
      show();
    });
    across.addEventListener("input", show);
    down.addEventListener("input", show);
    show();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("img[data-focal-picker]").forEach(setUp);
  });
})();
