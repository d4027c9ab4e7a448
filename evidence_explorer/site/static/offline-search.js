// Search for the offline copy (opened from file://, where Pagefind cannot load): every word of the
// query must appear in a record's title, metadata or text; title matches rank first. The index is
// window.EE_OFFLINE_INDEX, written by the offline copy as a classic script (no fetch needed).
(function () {
  "use strict";
  const form = document.getElementById("search-app");
  if (!form) return;
  const index = window.EE_OFFLINE_INDEX || [];
  const input = document.getElementById("search-q");
  const list = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const help = document.getElementById("search-help");
  for (const el of form.querySelectorAll(".search-filters, .search-sort, #search-more")) el.hidden = true;
  const layout = form.querySelector(".search-layout");
  if (layout) layout.style.display = "block"; // no filter column: results take the width
  if (help) help.textContent = "Offline copy: every word you type must appear in a record. Filters and sorting need the online site.";
  if (help && help.closest("details")) help.closest("details").open = true;  // said at once, at every width
  const fold = (s) => s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  const records = index.map((r) => ({ r, title: fold(r.title), all: fold([r.title, r.kind, r.year, r.about, r.text].join(" ")) }));

  function excerpt(text, words) {
    const lower = fold(text);
    let at = -1;
    for (const w of words) { const i = lower.indexOf(w); if (i >= 0 && (at < 0 || i < at)) at = i; }
    const start = Math.max(0, at - 80);
    return (start > 0 ? "…" : "") + text.slice(start, start + 220) + (start + 220 < text.length ? "…" : "");
  }

  function show(query) {
    const words = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = `${index.length} records in this offline copy. Type words to search.`; return; }
    const hits = records
      .filter((x) => words.every((w) => x.all.includes(w)))
      .map((x) => ({ x, score: words.reduce((s, w) => s + (x.title.includes(w) ? 10 : 0) + (x.all.split(w).length - 1), 0) }))
      .sort((a, b) => b.score - a.score || a.x.r.title.localeCompare(b.x.r.title));
    for (const { x } of hits.slice(0, 100)) {
      const li = document.createElement("li");
      li.className = "search-result";
      const h = document.createElement("h3");
      const a = document.createElement("a");
      a.href = "../" + x.r.url + (x.r.url === "" || x.r.url.endsWith("/") ? "index.html" : "");
      a.textContent = x.r.title;
      h.append(a);
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = [x.r.kind, x.r.year, x.r.about].filter(Boolean).join(" · ");
      const text = document.createElement("p");
      text.textContent = excerpt(x.r.text, words);
      li.append(h, meta, text);
      list.append(li);
    }
    status.textContent = hits.length === 1 ? "1 result" : `${hits.length} results` + (hits.length > 100 ? " (the first 100 shown)" : "");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(input.value);
  });
  const q = new URLSearchParams(location.search).get("q") || "";
  input.value = q;
  show(q);
})();
