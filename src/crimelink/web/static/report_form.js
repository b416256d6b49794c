// The report form: "Remove" on each repeatable row (items, persons, vehicles). Without
// JavaScript the buttons stay hidden and a row left blank is simply left out.
(function () {
  "use strict";
  function reveal(root) {
    root.querySelectorAll(".row-remove").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (event) { reveal(event.detail.elt); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".row-remove");
    if (button) { button.closest(".form-row").remove(); }
  });
})();
