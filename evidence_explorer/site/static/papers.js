/* Progressive enhancement for the paper index: sort by any column, filter by text and type.
   Without JavaScript the full table is shown, unchanged. */
(function () {
  "use strict";
  var table = document.getElementById("papers-table");
  var tools = document.getElementById("paper-tools");
  if (!table || !tools || !table.tBodies.length) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("paper-filter");
  var type = document.getElementById("paper-type");
  var status = document.getElementById("paper-status");
  var caption = table.caption;
  tools.hidden = false;

  function cell(row, i) { return row.cells[i].textContent.trim(); }

  function filter() {
    var q = text.value.trim().toLowerCase();
    var t = type.value;
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!q || row.textContent.toLowerCase().indexOf(q) !== -1) &&
               (!t || cell(row, 3).split("; ").indexOf(t) !== -1);
      row.hidden = !ok;
      if (ok) shown++;
    });
    var msg = shown === rows.length ? rows.length + " papers" : shown + " of " + rows.length + " papers";
    caption.textContent = msg;
    status.textContent = msg + " shown";
  }

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, i) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = i === 1;
      rows.sort(function (a, b) {
        var x = cell(a, i), y = cell(b, i);
        var r = numeric ? (parseInt(x, 10) || 0) - (parseInt(y, 10) || 0)
                        : x.localeCompare(y, undefined, { sensitivity: "base" });
        return ascending ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      status.textContent = "Sorted by " + button.textContent + (ascending ? ", ascending" : ", descending");
    });
  });
  text.addEventListener("input", filter);
  type.addEventListener("change", filter);
})();
