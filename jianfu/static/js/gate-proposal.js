/* jianfu — the proposal form (gate_proposal_create, gate_proposal_edit).

   Progressive enhancement: without this file every category's fields show, each group headed.
   With it, only the group of the chosen category shows, and the plan items offered are those
   of that category (the others are hidden, never removed: the server checks the choice).
*/
(function () {
  "use strict";
  var form = document.getElementById("gate-proposal-form");
  if (!form) return;
  var radios = form.querySelectorAll('input[name="category"]');
  var groups = form.querySelectorAll(".jf-gate-group");
  var planSelect = form.querySelector('select[name="plan_item"]');

  function chosen() {
    for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i].value;
    return "";
  }

  function show() {
    var category = chosen();
    for (var i = 0; i < groups.length; i++) {
      groups[i].hidden = !!category && groups[i].getAttribute("data-category") !== category;
    }
    if (!planSelect) return;
    for (var j = 0; j < planSelect.options.length; j++) {
      var option = planSelect.options[j];
      var of = option.getAttribute("data-category");
      option.hidden = !!(of && category && of !== category);
      if (option.hidden && option.selected) planSelect.value = "";
    }
  }

  for (var k = 0; k < radios.length; k++) radios[k].addEventListener("change", show);
  show();
})();
