// Sorts a table.sortable by the column whose header button is pressed, on each cell's
// data-sort (numbers as numbers, empty last). The order survives htmx's refresh of the rows.
(function () {
  "use strict";
  var chosen = null; // {column, descending}

  function key(row, column) {
    var cell = row.cells[column];
    return cell ? cell.getAttribute("data-sort") || "" : "";
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === "") return 1;
    if (b === "") return -1;
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b);
  }

  function apply(table) {
    if (!chosen || !table.tBodies.length) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
    rows.sort(function (a, b) {
      var ka = key(a, chosen.column), kb = key(b, chosen.column);
      var order = compare(ka, kb);
      // Rows without a figure stay last whichever way the column runs.
      return chosen.descending && ka !== "" && kb !== "" ? -order : order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    for (var i = 0; i < heads.length; i++) {
      if (i === chosen.column) heads[i].setAttribute("aria-sort", chosen.descending ? "descending" : "ascending");
      else heads[i].removeAttribute("aria-sort");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("table.sortable th button.sort") : null;
    if (!button) return;
    var column = button.parentElement.cellIndex;
    var again = chosen && chosen.column === column;
    chosen = { column: column, descending: again ? !chosen.descending : false };
    apply(button.closest("table"));
  });

  document.addEventListener("htmx:afterSwap", function () {
    var tables = document.querySelectorAll("table.sortable");
    for (var i = 0; i < tables.length; i++) apply(tables[i]);
  });
})();
