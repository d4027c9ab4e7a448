/* Tables whose rows are cards on a phone (class "card-rows": the evidence-map tables, map-table.css;
   the advisory index's theories and the review packets' paper links, review.css; a question's theory
   nodes, findings.css): the roles of their parts, given explicitly, because
   display: block, flex or grid takes their semantics away in some browsers. (Not in the HTML, where
   the roles a table's parts already have are not allowed; the tables themselves stay display:
   table, and so tables.) Without JavaScript the cards are the same, without the roles. */
(function () {
  "use strict";
  var roles = [["thead, tbody, tfoot", "rowgroup"], ["tr", "row"], ["th[scope=col]", "columnheader"],
               ["th[scope=row], th[scope=rowgroup]", "rowheader"], ["td", "cell"]];
  Array.prototype.forEach.call(document.querySelectorAll("table.card-rows"), function (table) {
    roles.forEach(function (pair) {
      Array.prototype.forEach.call(table.querySelectorAll(pair[0]), function (e) { e.setAttribute("role", pair[1]); });
    });
  });
})();
