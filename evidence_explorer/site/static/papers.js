/* The papers table over every paper: progressive enhancement of the plain, paginated table.

   Without JavaScript each page of the list is a complete HTML table, and the numbered pages reach
   every paper. With it, this script loads the build's JSON of every paper's row (data-src on the
   form; at once for a small evidence base or a shared link with filters, else on first use) and
   then filters (text, design, type, country, theory, review), sorts (buttons in the column
   headers, aria-sort) and pages all of them here, keeping the state in the query string
   (?q=&design=&type=&country=&theory=&review=&sort=&dir=&page=) so a view can be shared. When the
   JSON cannot be loaded (a copy opened from file://), it works the same over this page's rows. */
(function () {
  "use strict";
  var form = document.getElementById("paper-tools");
  var table = document.getElementById("papers-table");
  if (!form || !table || !table.tBodies.length || !window.fetch || !window.URLSearchParams) return;
  var body = table.tBodies[0];
  var status = document.getElementById("paper-status");
  var pager = document.getElementById("paper-pager");
  var pageLabel = document.getElementById("paper-page");
  var base = form.getAttribute("data-base") || "/";
  var fixedTheory = form.getAttribute("data-theory");
  var PAGE = parseInt(form.getAttribute("data-page-size"), 10) || 100;  /* the plain pages' size */
  var EAGER = 2000;  /* papers in the base up to which the JSON is loaded with the page */
  var FIELDS = ["q", "design", "type", "country", "theory", "review"];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var LARGE = 5000;  /* papers from which typing waits for a pause before filtering */
  var collator = window.Intl ? new Intl.Collator(undefined, { sensitivity: "base", numeric: true }) : null;
  var data = null, loading = null, pageNo = 1, sortKey = "", sortDir = "asc", timer = 0;
  /* every plain page (/papers/, /papers/page/2/…) keeps its rows, note and numbered pages until the
     reader sorts or filters: the script's pages (as many papers as the plain first page) then cover every paper */
  var stated = false;
  var idle = (form.getAttribute("data-total") || "") + " papers: sorting and filtering cover all of them.";

  function control(name) { return form.elements.namedItem(name); }
  function fold(s) { return String(s).toLowerCase(); }

  /* --- the rows: from the JSON of every paper, or (fallback) from this page's table --- */
  function fromJson(json) {
    var theories = json.theories.map(function (t) {
      return { id: t[0], short: t[1], long: t[2], href: base + t[3], group: t[4] };
    });
    var reviews = json.reviews.map(function (r) { return { id: r[0], short: r[1], long: r[1], href: base + r[2] }; });
    var rows = json.papers.map(function (p) {
      return row(base + p[0], p[1], p[2], p[3], p[4], p[5], p[6],
                 p[7].map(function (i) { return theories[i]; }), p[8].map(function (i) { return reviews[i]; }));
    });
    return { rows: rows, theories: theories, reviews: reviews };
  }

  function idOf(href) {
    var parts = href.replace(/index\.html$/, "").replace(/\/$/, "").split("/");
    return decodeURIComponent(parts[parts.length - 1]);
  }

  function fromTable() {
    var known = {};
    function entities(cell) {
      return Array.prototype.map.call(cell ? cell.querySelectorAll("a") : [], function (a) {
        var href = a.getAttribute("href"), key = href;
        if (!known[key]) known[key] = { id: idOf(href), short: a.textContent, long: a.textContent, href: href, group: "" };
        return known[key];
      });
    }
    function labelled(tr, label) {
      return Array.prototype.filter.call(tr.cells, function (td) { return td.getAttribute("data-label") === label; })[0];
    }
    var typeHeading = control("type") ? form.querySelector("label[for=paper-type]").textContent : null;
    var rows = Array.prototype.map.call(body.rows, function (tr) {
      var link = tr.cells[0].querySelector("a");
      var text = function (label) { var td = labelled(tr, label); return td ? td.textContent : ""; };
      var country = text("Country");
      return row(link.getAttribute("href"), link.textContent, tr.cells[1].textContent, tr.cells[2].textContent,
                 text("Design"), typeHeading ? text(typeHeading) : "", country ? country.split("; ") : [],
                 entities(labelled(tr, "Theory")), entities(labelled(tr, "Review")));
    });
    var all = Object.keys(known).map(function (k) { return known[k]; });
    return { rows: rows, partial: true,
             theories: all.filter(function (e) { return /theories\//.test(e.href); }),
             reviews: all.filter(function (e) { return /reviews\//.test(e.href); }) };
  }

  function row(href, title, cite, year, design, type, countries, theories, reviews) {
    var labels = function (list) { return list.map(function (e) { return e.short; }).join("; "); };
    var r = { href: href, title: title, cite: cite, year: String(year), design: design, type: type,
              countries: countries, theories: theories, reviews: reviews,
              country: countries.join("; "), theory: labels(theories), review: labels(reviews) };
    r.text = fold([title, cite, year, design, type, r.country, r.theory, r.review,
                   theories.map(function (t) { return t.long; }).join(" ")].join(" "));
    return r;
  }

  /* --- filter options, from every row --- */
  function fill(select, items) {
    if (!select) return;
    var wanted = select.value;
    while (select.options.length > 1) select.remove(1);
    var groups = {};
    items.forEach(function (item) {
      var option = new Option(item.label, item.value);
      if (item.group) {
        if (!groups[item.group]) {
          groups[item.group] = document.createElement("optgroup");
          groups[item.group].label = item.group;
          select.appendChild(groups[item.group]);
        }
        groups[item.group].appendChild(option);
      } else {
        select.appendChild(option);
      }
    });
    select.value = wanted;
    if (select.value !== wanted) select.value = "";
  }

  function distinct(values) {
    var seen = {};
    values.forEach(function (v) { if (v && !seen[fold(v)]) seen[fold(v)] = v; });
    return Object.keys(seen).map(function (k) { return seen[k]; })
      .sort(function (a, b) { return a.localeCompare(b, undefined, { sensitivity: "base" }); })
      .map(function (v) { return { label: v, value: v }; });
  }

  function used(list, pick) {
    var seen = {};
    data.rows.forEach(function (r) { pick(r).forEach(function (e) { seen[e.id] = true; }); });
    return list.filter(function (e) { return seen[e.id]; })
      .map(function (e) { return { label: e.long, value: e.id, group: e.group }; });
  }

  function options() {
    var flat = function (pick) { return [].concat.apply([], data.rows.map(pick)); };
    fill(control("design"), distinct(data.rows.map(function (r) { return r.design; })));
    fill(control("type"), distinct(flat(function (r) { return r.type ? r.type.split("; ") : []; })));
    fill(control("country"), distinct(flat(function (r) { return r.countries; })));
    fill(control("theory"), used(data.theories, function (r) { return r.theories; }));
    fill(control("review"), used(data.reviews, function (r) { return r.reviews; }));
  }

  /* --- state: the form and the sort, to and from the query string --- */
  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    FIELDS.forEach(function (name) {
      var c = control(name);
      if (c && params.get(name)) {
        var known = c.tagName !== "SELECT" || Array.prototype.some.call(c.options, function (o) { return o.value === params.get(name); });
        if (!known) c.appendChild(new Option(params.get(name), params.get(name)));  /* until the options are known */
        c.value = params.get(name);
      }
    });
    sortKey = params.get("sort") || "";
    sortDir = params.get("dir") === "desc" ? "desc" : "asc";
    pageNo = Math.max(1, parseInt(params.get("page"), 10) || 1);
    return FIELDS.concat(["sort", "page"]).some(function (n) { return params.has(n); });
  }

  function writeUrl() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) { var c = control(name); if (c && c.value.trim()) params.set(name, c.value.trim()); });
    if (sortKey) { params.set("sort", sortKey); params.set("dir", sortDir); }
    if (pageNo > 1) params.set("page", String(pageNo));
    var query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }

  /* --- filter, sort, page, draw --- */
  function matches() {
    var q = fold(control("q").value.trim()), design = control("design").value;
    var type = control("type") ? control("type").value : "", country = control("country").value;
    var theory = fixedTheory || (control("theory") ? control("theory").value : ""), review = control("review").value;
    var has = function (list, id) { return list.some(function (e) { return fold(e.id) === fold(id); }); };
    var words = q ? q.split(/\s+/) : [];
    return data.rows.filter(function (r) {
      return words.every(function (w) { return r.text.indexOf(w) !== -1; }) &&
        (!design || fold(r.design) === fold(design)) &&
        (!type || r.type.split("; ").indexOf(type) !== -1) &&
        (!country || r.countries.indexOf(country) !== -1) &&
        (!theory || has(r.theories, theory)) && (!review || has(r.reviews, review));
    });
  }

  function baseCount() {
    if (!fixedTheory) return data.rows.length;
    return data.rows.filter(function (r) { return r.theories.some(function (t) { return fold(t.id) === fold(fixedTheory); }); }).length;
  }

  function compare(key) {
    if (key === "year") {
      var n = function (r) { var y = parseInt(r.year, 10); return isNaN(y) ? Infinity : y; };
      return function (a, b) { return n(a) - n(b); };
    }
    return function (a, b) {
      var x = a[key] || "", y = b[key] || "";
      if (!x !== !y) return x ? -1 : 1;  /* empty cells last */
      return collator ? collator.compare(x, y) : x.localeCompare(y);
    };
  }

  function sorted(rows) {
    if (!sortKey) return rows;
    var cmp = compare(sortKey), sign = sortDir === "desc" ? -1 : 1;
    return rows.map(function (r, i) { return [r, i]; })
      .sort(function (a, b) { return sign * cmp(a[0], b[0]) || a[1] - b[1]; })
      .map(function (pair) { return pair[0]; });
  }

  /* The roles of the table's parts, given explicitly: on narrow screens its rows are stacked blocks
     (papers.css), and display: block takes their semantics away in some browsers. (Not in the HTML,
     where the roles a table's parts already have are not allowed.) The rows drawn below get theirs
     as they are made. */
  function roles(root) {
    [["thead, tbody", "rowgroup"], ["tr", "row"], ["th", "columnheader"], ["td", "cell"]].forEach(function (pair) {
      Array.prototype.forEach.call(root.querySelectorAll(pair[0]), function (e) { e.setAttribute("role", pair[1]); });
    });
  }

  function cell(tr, label) {
    var td = document.createElement("td");
    td.setAttribute("role", "cell");
    if (label) td.setAttribute("data-label", label);
    tr.appendChild(td);
    return td;
  }

  function breakable(td, text) {  // as the page's own rows: a line-break opportunity after each slash
    text.split("/").forEach(function (part, i) {
      if (i) { td.appendChild(document.createTextNode("/")); td.appendChild(document.createElement("wbr")); }
      td.appendChild(document.createTextNode(part));
    });
  }

  function links(td, list) {
    list.forEach(function (e, i) {
      if (i) td.appendChild(document.createTextNode("; "));
      var a = document.createElement("a");
      a.href = e.href;
      a.textContent = e.short;
      td.appendChild(a);
    });
  }

  function draw(rows) {
    var fresh = document.createElement("tbody");
    fresh.setAttribute("role", "rowgroup");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("role", "row");
      var a = document.createElement("a");
      a.href = r.href;
      a.textContent = r.title;
      cell(tr).appendChild(a);
      cell(tr).textContent = r.cite;
      cell(tr).textContent = r.year;
      breakable(cell(tr, "Design"), r.design);
      if (control("type")) breakable(cell(tr, form.querySelector("label[for=paper-type]").textContent), r.type);
      cell(tr, "Country").textContent = r.country;
      links(cell(tr, "Theory"), r.theories);
      links(cell(tr, "Review"), r.reviews);
      fresh.appendChild(tr);
    });
    if (!rows.length) {  /* said in the table too, not only in the status line above it */
      var none = document.createElement("tr"), td = cell(none);
      none.setAttribute("role", "row");
      td.colSpan = headers.length;
      td.className = "papers-none";
      td.textContent = "No paper matches these filters. Clear a filter to see more.";
      fresh.appendChild(none);
    }
    table.replaceChild(fresh, body);
    body = fresh;
  }

  function headerLabel(key) {
    var th = headers.filter(function (h) { return h.getAttribute("data-key") === key; })[0];
    return th ? th.textContent.trim() : key;
  }

  function apply(keepPage) {
    if (!data) return;
    if (!data.partial) {  /* the numbered plain pages give way to the pages of the filtered list */
      Array.prototype.forEach.call(document.querySelectorAll("nav.pagination"), function (nav) {
        if (nav !== pager) nav.hidden = true;
      });
      var note = document.getElementById("paper-page-note");
      if (note) note.hidden = true;
      document.title = document.title.replace(/ \(page \d+ of \d+\)/, "");  /* the plain page's number */
    }
    if (!keepPage) pageNo = 1;
    var found = sorted(matches()), total = baseCount();
    var pages = Math.max(1, Math.ceil(found.length / PAGE));
    pageNo = Math.min(pageNo, pages);
    var first = (pageNo - 1) * PAGE;
    draw(found.slice(first, first + PAGE));
    headers.forEach(function (th) {
      if (th.getAttribute("data-key") === sortKey) th.setAttribute("aria-sort", sortDir === "desc" ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    var msg = found.length ? (found.length === total ? total : found.length + " of " + total) + (total === 1 ? " paper" : " papers")
      : "No paper matches these filters (" + total + (total === 1 ? " paper" : " papers") + " in all)";
    if (sortKey && found.length) msg += ", sorted by " + headerLabel(sortKey) + (sortDir === "desc" ? " (descending)" : " (ascending)");
    if (pages > 1) msg += "; " + (first + 1) + "–" + Math.min(found.length, first + PAGE) + " shown";
    if (data.partial) msg += " (this page only: the list of all papers could not be loaded)";
    status.textContent = msg;
    table.caption.textContent = msg;  /* the table's name; shown once, in the status line above */
    table.caption.className = "visually-hidden";
    pager.hidden = pages < 2;
    pageLabel.textContent = "Page " + pageNo + " of " + pages;
    pager.querySelector("[data-step='-1']").disabled = pageNo <= 1;
    pager.querySelector("[data-step='1']").disabled = pageNo >= pages;
    writeUrl();
  }

  function takeOver(loaded) {
    data = loaded;
    options();
    if (stated) apply(true);
    else status.textContent = idle;  /* the plain page's own rows until the reader asks for more */
  }

  function load() {
    if (!loading) {
      status.textContent = "Loading the list of all papers…";
      loading = fetch(form.getAttribute("data-src"))
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(fromJson, fromTable)
        .then(takeOver, function () { takeOver(fromTable()); });
    }
    return loading;
  }

  /* --- wiring --- */
  headers.forEach(function (th) {
    var key = th.getAttribute("data-key");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      sortDir = sortKey === key && sortDir === "asc" ? "desc" : "asc";
      sortKey = key;
      if (data) apply(); else load().then(function () { apply(); });
    });
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); load().then(function () { apply(); }); });
  form.addEventListener("input", function (e) {
    if (!data) { load().then(function () { apply(); }); return; }
    window.clearTimeout(timer);
    if (e.target.type === "search" && data.rows.length > LARGE) timer = window.setTimeout(function () { apply(); }, 150);
    else apply();
  });
  form.addEventListener("reset", function () { window.setTimeout(function () { apply(); }, 0); });
  form.addEventListener("focusin", function () { load(); });
  pager.addEventListener("click", function (e) {
    var step = e.target.closest && e.target.closest("button[data-step]");
    if (!step || !data) return;
    pageNo += parseInt(step.getAttribute("data-step"), 10);
    apply(true);
    table.scrollIntoView();
  });
  form.hidden = false;
  var nojs = document.getElementById("paper-nojs-note");  /* the no-JS advice; the status line says it here */
  if (nojs) nojs.hidden = true;
  table.classList.add("sortable");
  roles(table);
  stated = readUrl();
  var more = document.getElementById("paper-more");  /* the selects: open on wide screens or when in use */
  if (more && (window.matchMedia("(min-width: 60.01rem)").matches ||
               FIELDS.slice(1).some(function (n) { return control(n) && control(n).value; }))) more.open = true;
  if (stated || parseInt(form.getAttribute("data-all"), 10) <= EAGER) load();
  else status.textContent = idle;
})();
