/* Progressive enhancement for /what-works/: narrow the table by theory, facets, direction and
   confidence (the state kept in the URL, e.g. ?theory=R1), and download the rows shown as CSV.
   Without JavaScript the whole table is shown, unchanged. */
(function () {
  "use strict";
  var table = document.getElementById("ww-table");
  var tools = document.getElementById("ww-tools");
  if (!table || !tools || !table.tBodies.length) return;
  /* The roles of the table's parts, given explicitly: on narrow screens its rows are cards
     (what-works.css), and display: block or flex takes their semantics away in some browsers. (Not in
     the HTML, where the roles a table's parts already have are not allowed; the table itself stays
     display: table, and so a table.) */
  function role(selector, name) {
    Array.prototype.forEach.call(table.querySelectorAll(selector), function (e) { e.setAttribute("role", name); });
  }
  role("thead, tbody", "rowgroup");
  role("tr", "row");
  role("th[scope=col]", "columnheader");
  role("th[scope=row]", "rowheader");
  role("td", "cell");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var selects = Array.prototype.slice.call(tools.querySelectorAll("select[data-filter]"));
  var status = document.getElementById("ww-status");
  tools.hidden = false;
  var none = document.createElement("tr"), noneCell = document.createElement("td");
  noneCell.colSpan = table.tHead.rows[0].cells.length;
  noneCell.className = "ww-none";
  none.setAttribute("role", "row");  /* the table's roles are explicit (its rows are cards on a phone) */
  noneCell.setAttribute("role", "cell");
  noneCell.textContent = "No configuration matches these filters. Set a filter back to \u201cAll\u201d to see more.";
  none.appendChild(noneCell);
  none.hidden = true;  /* said in the table too, not only in the status line above it */
  table.tBodies[0].appendChild(none);

  function attr(key) { return "data-" + key.replace(/_/g, "-"); }

  function matches(row, select) {
    var want = select.value;
    if (want === "*") return true;
    var have = (row.getAttribute(attr(select.dataset.filter)) || "").split(" ");
    return want === "" ? have.join("") === "" : have.indexOf(want) !== -1;
  }

  function apply(pushState) {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = selects.every(function (s) { return matches(row, s); });
      row.hidden = !ok;
      if (ok) shown++;
    });
    none.hidden = shown !== 0;
    status.textContent = shown === rows.length ? rows.length + (shown === 1 ? " configuration shown" : " configurations shown")
      : shown === 0 ? "No configuration matches these filters (" + rows.length + " in all)"
      : shown + " of " + rows.length + " configurations shown";
    if (pushState) {
      var params = new URLSearchParams();
      selects.forEach(function (s) { if (s.value !== "*") params.set(s.dataset.filter, s.value); });
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    }
  }

  function csvCell(text) {
    var value = text.replace(/\s+/g, " ").trim();
    if (/^[=+\-@\t\r]/.test(value)) value = "'" + value;  // never a spreadsheet formula
    return /[",\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function download() {
    /* the first column holds the configuration's title and its theories' codes: two CSV columns */
    var head = Array.prototype.slice.call(table.tHead.rows[0].cells, 1).map(function (c) { return csvCell(c.textContent); });
    var lines = [["id", "Configuration", "Theory"].concat(head).join(",")];
    rows.forEach(function (row) {
      if (row.hidden) return;
      var link = row.cells[0].querySelector("a");
      var id = link ? link.getAttribute("href").replace(/\/$/, "").split("/").pop() : "";
      var codes = Array.prototype.map.call(row.cells[0].querySelectorAll(".meta a"), function (a) { return a.textContent.trim(); });
      lines.push([csvCell(id), csvCell(link ? link.textContent : ""), csvCell(codes.join("; "))].concat(
        Array.prototype.slice.call(row.cells, 1).map(function (c) { return csvCell(c.innerText || c.textContent); })).join(","));
    });
    var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "what-works.csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  var params = new URLSearchParams(location.search);
  selects.forEach(function (s) {
    var v = params.get(s.dataset.filter);
    if (v !== null && Array.prototype.some.call(s.options, function (o) { return o.value === v; })) s.value = v;
    s.addEventListener("change", function () { apply(true); });
  });
  document.getElementById("ww-csv").addEventListener("click", download);
  apply(false);
})();
