// Search page: Pagefind with a filter panel (OR within a group, AND across groups), browsing by
// filters with an empty query, sorting, and the whole state in the URL. No framework.
const PAGE_SIZE = 20;
const DEBOUNCE_MS = 250;

const form = document.getElementById("search-app");
const config = JSON.parse(form.dataset.config);
const input = document.getElementById("search-q");
const sortSelect = document.getElementById("search-sort");
const statusEl = document.getElementById("search-status");
const list = document.getElementById("search-results");
const moreButton = document.getElementById("search-more");
const clearButton = document.getElementById("search-clear");

const groups = new Map(config.groups.map((g) => [g.key, g]));
const sorts = new Map(config.sorts.map((s) => [s.value, s]));
const state = { q: "", sort: "", selected: new Map() }; // group key → Set of Pagefind values
let available = {}; // group key → {value: total count}
let pagefind = null;
let results = [];
let shown = 0;
let generation = 0;
let timer = 0;
let missing = []; // query words no record contains (Pagefind then matched shorter prefixes: "T," for "telehealth")
const baseTitle = document.title;

// --- URL <-> state ---------------------------------------------------------------------------
function idOf(group, value) {
  // Groups of records with ids (theory, question, review): the value is the record's label ("R1:
  // Community-based care…", "Economic factors": a slug is an address, never a label); config maps
  // it to the id, which the URL carries: theory=M2.
  const ids = groups.get(group).ids;
  return ids && Object.hasOwn(ids, value) ? ids[value] : undefined;
}

function urlValue(group, value) {
  return idOf(group, value) || value;
}

function shortValue(group, value) {
  // For status lines and chips: the short code alone when there is one ("M2"), else the label.
  const id = idOf(group, value);
  return id && value.startsWith(id + ": ") ? id : value;
}

function matchValue(group, raw) {
  const values = Object.keys(available[group] || {});
  const want = raw.trim().toLowerCase();
  return values.find((v) => v === raw)
    || values.find((v) => v.toLowerCase() === want)
    || values.find((v) => (idOf(group, v) || "").toLowerCase() === want);
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  state.q = params.get("q") || "";
  state.sort = sorts.has(params.get("sort")) ? params.get("sort") : "";
  state.selected = new Map();
  const unknown = [];
  for (const [key, raw] of params) {
    if (!groups.has(key)) continue;
    const value = matchValue(key, raw);
    if (value === undefined) { unknown.push(`${groups.get(key).label} “${raw}”`); continue; }
    if (!state.selected.has(key)) state.selected.set(key, new Set());
    state.selected.get(key).add(value);
  }
  return unknown;
}

function writeUrl() {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set("q", state.q.trim());
  for (const g of config.groups) {
    for (const v of state.selected.get(g.key) || []) params.append(g.key, urlValue(g.key, v));
  }
  if (state.sort) params.set("sort", state.sort);
  const query = params.toString();
  const url = location.pathname + (query ? "?" + query : "");
  if (url !== location.pathname + location.search) history.replaceState(null, "", url);
}

// --- searching -------------------------------------------------------------------------------
function filtersExcept(skip) {
  const filters = {};
  for (const [key, values] of state.selected) {
    if (key !== skip && values.size) filters[key] = { any: [...values] };
  }
  return filters;
}

function sortOption() {
  const chosen = sorts.get(state.sort) || (state.q.trim() ? null : sorts.get("title"));
  return chosen ? { [chosen.key]: chosen.order } : undefined;
}

// --- words that are really there ---------------------------------------------------------------
// When no indexed word starts with a query word, Pagefind 1.x falls back to words that are prefixes
// of it ("telehealth" finds the initial "T" of every author list) and reports those pages as
// results. A word counts as found only when a matched word shares a real prefix with it: at least
// half of it (three characters or more), so stems still match ("organisation" → "organisational").
const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");

function sharesPrefix(word, found) {
  let common = 0;
  while (common < word.length && common < found.length && word[common] === found[common]) common++;
  return common >= (word.length <= 3 ? word.length : Math.max(3, Math.ceil(word.length / 2)));
}

async function wordsNotFound(term) {
  // one word at a time: Pagefind's searches share state, and concurrent ones mixed their results
  const missingWords = [];
  for (const word of new Set(term.split(/\s+/).map(fold).filter(Boolean))) {
    const found = await pagefind.search(word);
    if (found === null) return null; // superseded by a newer search
    const top = found.results.length ? await found.results[0].data() : null;
    const tokens = top ? top.content.split(/\s+/) : [];
    // a location is a whitespace-separated token; Pagefind indexes its parts ("window.__pwned=1")
    const parts = (i) => (tokens[i] || "").split(/[^\p{L}\p{N}]+/u).map(fold).concat(fold(tokens[i] || ""));
    if (!top || !top.locations.some((i) => parts(i).some((part) => sharesPrefix(word, part)))) missingWords.push(word);
  }
  return missingWords;
}

async function run() {
  const mine = ++generation;
  list.setAttribute("aria-busy", "true");
  const term = state.q.trim() || null;
  const options = { filters: filtersExcept(null) };
  const sort = sortOption();
  if (sort) options.sort = sort;
  const main = await pagefind.search(term, options);
  if (main === null || mine !== generation) return;
  const notFound = term ? await wordsNotFound(term) : [];
  if (notFound === null || mine !== generation) return;
  missing = notFound;
  if (missing.length) { main.results = []; main.filters = {}; } // every word must be there
  // Counts: for a group with a selection, count against every *other* group's selection, so
  // each value says how many results ticking it would give (OR within the group).
  const counts = { ...main.filters };
  const chosen = [...state.selected.keys()].filter((key) => state.selected.get(key).size);
  const others = await Promise.all(chosen.map((key) => pagefind.search(term, { filters: filtersExcept(key) })));
  if (mine !== generation || others.includes(null)) return;
  chosen.forEach((key, i) => { counts[key] = missing.length ? {} : (others[i].filters[key] || {}); });
  results = main.results;
  shown = 0;
  list.replaceChildren();
  renderFilters(counts);
  renderChips();
  await showMore(false);
  if (mine !== generation) return;
  announce();
  writeUrl();
  document.title = (state.q.trim() ? `${quoted(state.q)} · ` : "") + baseTitle;
  list.setAttribute("aria-busy", "false");
  form.dataset.searches = String(mine); // how many searches have completed (tests wait on it)
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(() => { run().catch(fail); }, delay);
}

function fail(error) {
  statusEl.textContent = "Search is not available: " + (error && error.message ? error.message : error);
}

// --- rendering -------------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== "") node.append(c);
  return node;
}

function orderValues(key, values) {
  if (key === "kind") {
    return values.sort((a, b) => rank(config.kinds, a) - rank(config.kinds, b));
  }
  if (key === "year") {
    return values.sort((a, b) => (Number(b) || -1) - (Number(a) || -1) || a.localeCompare(b));
  }
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  return values.sort(collator.compare);
}

function rank(order, v) {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}

function renderFilters(counts) {
  for (const details of form.querySelectorAll(".filter-group")) {
    const key = details.dataset.group;
    const selected = state.selected.get(key) || new Set();
    const values = orderValues(key, Object.keys(available[key] || {}));
    details.hidden = values.length === 0;
    const ul = details.querySelector(".filter-values");
    const focused = document.activeElement && ul.contains(document.activeElement)
      ? document.activeElement.value : null;
    ul.replaceChildren(...values.map((value, i) => {
      const n = (counts[key] || {})[value] || 0;
      const id = `f-${key}-${i}`;
      const box = el("input", { type: "checkbox", id, name: key, value: urlValue(key, value) });
      box.checked = selected.has(value);
      box.dataset.value = value;
      const label = el("label", { for: id }, value + " ",
        el("span", { class: "filter-count" }, `(${n}`, el("span", { class: "visually-hidden" },
          n === 1 ? " result" : " results"), ")"));
      return el("li", { class: n === 0 && !box.checked ? "filter-value zero" : "filter-value" }, box, label);
    }));
    if (focused !== null) {
      const again = [...ul.querySelectorAll("input")].find((b) => b.value === focused);
      if (again) again.focus();
    }
    const summary = details.querySelector(".filter-selected");
    summary.textContent = selected.size ? `(${selected.size} selected)` : "";
    if (selected.size || key === "kind") details.open = true;
  }
}

// Removable chips: each active filter value as a button above the results; pressing it unticks it.
function renderChips() {
  let bar = document.getElementById("search-chips");
  if (!bar) {
    bar = el("div", { id: "search-chips", class: "search-chips", role: "group", "aria-label": "Active filters" });
    statusEl.before(bar);
  }
  const chips = [];
  for (const g of config.groups) {
    for (const v of state.selected.get(g.key) || []) {
      const chip = el("button", { type: "button", class: "chip", "data-group": g.key, "data-value": v },
        `${g.label}: ${shortValue(g.key, v)}`, el("span", { class: "visually-hidden" }, shortValue(g.key, v) !== v ? ` (${v.slice(v.indexOf(": ") + 2)})` : ""),
        el("span", { "aria-hidden": "true" }, " ×"), el("span", { class: "visually-hidden" }, " (remove this filter)"));
      chip.addEventListener("click", () => {
        state.selected.get(g.key).delete(v);
        const box = [...form.querySelectorAll(`input[name="${g.key}"]`)].find((b) => b.dataset.value === v);
        if (box) box.checked = false;
        schedule(0);
        input.focus();
      });
      chips.push(chip);
    }
  }
  bar.replaceChildren(...chips);
  bar.hidden = chips.length === 0;
}

async function showMore(moveFocus) {
  const mine = generation;
  const slice = results.slice(shown, shown + PAGE_SIZE);
  const data = await Promise.all(slice.map((r) => r.data()));
  if (mine !== generation) return;
  const items = data.map(renderResult);
  list.append(...items);
  shown += slice.length;
  moreButton.hidden = shown >= results.length;
  moreButton.textContent = `Show more results (${results.length - shown} more)`;
  list.dataset.shown = String(shown);
  if (moveFocus && items.length) items[0].querySelector("a").focus();
}

function renderResult(d) {
  const meta = d.meta || {};
  const kind = meta.kind || "Page";
  const line = el("p", { class: "result-kind" },
    el("span", { class: "kind-tag kind-" + kind.toLowerCase().replace(/[^a-z]+/g, "-") }, kind),
    meta.year ? el("span", { class: "result-year" }, meta.year) : null);
  const title = el("h3", { class: "result-title" }, el("a", { href: d.url }, meta.title || d.url));
  const detail = meta.authors || meta.summary;
  const parts = [line, title];
  if (meta.authors && meta.summary) {
    const joint = meta.authors.endsWith(".") ? " " : ". ";
    parts.push(el("p", { class: "result-meta" }, meta.authors + joint + meta.summary));
  }
  else if (detail) parts.push(el("p", { class: "result-meta" }, detail));
  if (state.q.trim() && d.excerpt) parts.push(el("p", { class: "result-excerpt" }, ...safeExcerpt(d.excerpt)));
  return el("li", { class: "search-result" }, ...parts);
}

// Pagefind's excerpt is HTML with <mark>; keep only its text and the <mark> elements.
function safeExcerpt(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const out = [];
  for (const node of template.content.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) out.push(node.textContent);
    else if (node.nodeName === "MARK") out.push(el("mark", {}, node.textContent));
    else out.push(node.textContent);
  }
  return out;
}

// The query in quotation marks; a phrase search ("care navigation") keeps its own, made curly,
// rather than gaining a second pair (“"care navigation"”).
function quoted(q) {
  const m = q.trim().match(/^["“]([^"“”]*)["”]$/);
  return `“${m ? m[1] : q.trim()}”`;
}

function announce() {
  const n = results.length;
  const chosen = [];
  for (const g of config.groups) {
    const values = [...(state.selected.get(g.key) || [])].map((v) => shortValue(g.key, v));
    if (values.length) chosen.push(`${g.label}: ${values.join(" or ")}`);
  }
  let text = `${n} ${n === 1 ? "result" : "results"}`;
  if (state.q.trim()) text += ` for ${quoted(state.q)}`;
  if (chosen.length) text += ` with ${chosen.join("; ")}`;
  if (n === 0 && missing.length) text += `: no record contains ${missing.map((w) => `“${w}”`).join(" or ")}. Try other words.`;
  else if (n === 0) text += ". Remove a filter or try other words.";
  else if (n > shown) text += `, showing ${shown}`;
  statusEl.textContent = text + (n === 0 ? "" : ".");
}

// --- events ----------------------------------------------------------------------------------
function onFilterChange(event) {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
  const key = box.name;
  if (!state.selected.has(key)) state.selected.set(key, new Set());
  if (box.checked) state.selected.get(key).add(box.dataset.value);
  else state.selected.get(key).delete(box.dataset.value);
  if (!state.selected.get(key).size) state.selected.delete(key);
  schedule(0);
}

// On a phone the filter panel starts folded behind "Show filters", so results come first.
function foldFiltersOnSmallScreens() {
  const panel = form.querySelector(".search-filters");
  const small = window.matchMedia("(max-width: 50rem)");
  const toggle = el("button", { type: "button", class: "filters-toggle search-secondary", "aria-expanded": "true",
    "aria-controls": "filter-panel-body" });
  const body = el("div", { id: "filter-panel-body" });
  body.append(...[...panel.children].filter((c) => c.tagName !== "H2"));
  panel.append(toggle, body);
  const set = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
    const n = [...state.selected.values()].reduce((sum, values) => sum + values.size, 0);
    toggle.textContent = (open ? "Hide filters" : "Show filters") + (n ? ` (${n} selected)` : "");
  };
  toggle.addEventListener("click", () => set(body.hidden));
  const apply = () => { toggle.hidden = !small.matches; set(!small.matches); };
  small.addEventListener("change", apply);
  apply();
}

// The help under the box: folded on a phone (the results come first), open on wider screens.
function openHelpOnWideScreens() {
  const help = form.querySelector(".search-help");
  if (help && !window.matchMedia("(max-width: 50rem)").matches) help.open = true;
}

async function start() {
  openHelpOnWideScreens();
  const bundle = form.dataset.bundle;
  statusEl.textContent = "Loading the search index…";
  pagefind = await import(bundle + "pagefind.js");
  // Ranking: long pages (a theory with its narrative) are hardly penalised for their length, so a finding
  // that uses a word outranks a short paper page that merely has it in a publisher's name.
  await pagefind.options({ baseUrl: form.dataset.base, excerptLength: 24, ranking: { pageLength: 0.1 } });
  await pagefind.init();
  available = await pagefind.filters();
  const unknown = readUrl();
  input.value = state.q;
  sortSelect.value = state.sort;
  form.querySelector(".search-js-only").hidden = false;
  foldFiltersOnSmallScreens();
  form.addEventListener("submit", (event) => { event.preventDefault(); state.q = input.value; schedule(0); });
  input.addEventListener("input", () => { state.q = input.value; schedule(DEBOUNCE_MS); });
  sortSelect.addEventListener("change", () => { state.sort = sortSelect.value; schedule(0); });
  form.addEventListener("change", (event) => { if (event.target !== sortSelect) onFilterChange(event); });
  clearButton.addEventListener("click", () => { state.selected = new Map(); schedule(0); });
  moreButton.addEventListener("click", () => { showMore(true).then(announce).catch(fail); });
  await run();
  if (unknown.length) statusEl.textContent += ` Not found in this evidence base: ${unknown.join(", ")}.`;
}

start().catch(fail);
