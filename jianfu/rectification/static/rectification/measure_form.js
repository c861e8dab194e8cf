/* The measure form: show the deadline inputs of the chosen way of counting, and the long-term
   fields only for a long-term measure. Without this script every field shows and the radio
   buttons still decide (the form works without JavaScript). */
(function () {
  "use strict";

  function checked(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function sync(form) {
    var mode = checked(form, "deadline_mode");
    form.querySelectorAll("[data-deadline-group]").forEach(function (group) {
      group.classList.toggle("d-none", group.getAttribute("data-deadline-group") !== mode);
    });
    var longTerm = checked(form, "kind") === "long_term";
    form.querySelectorAll("[data-long-term-only]").forEach(function (group) {
      group.classList.toggle("d-none", !longTerm);
    });
    form.querySelectorAll(".jf-no-js-hint").forEach(function (hint) {
      hint.classList.add("d-none");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("measure-form");
    if (!form) {
      return;
    }
    sync(form);
    form.addEventListener("change", function (event) {
      var name = event.target && event.target.name;
      if (name === "deadline_mode" || name === "kind") {
        sync(form);
      }
    });
  });
})();
