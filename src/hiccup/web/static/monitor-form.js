// The monitor form shows only the options of the chosen kind. Without this script every
// kind's options show, and the server reads the chosen kind's alone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const kind = document.getElementById("f-kind");
  if (!kind) return;
  const show = () => {
    for (const set of document.querySelectorAll("fieldset.kind-options")) {
      set.hidden = set.dataset.kind !== kind.value;
    }
  };
  kind.addEventListener("change", show);
  show();
});
