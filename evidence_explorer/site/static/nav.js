// On a narrow screen the second row of the navigation is one line that scrolls sideways inside
// its own box (style.css). Bring the current section into view there, so a reader on a phone
// sees where they are, and bring each section into view as it takes the keyboard's focus (WCAG
// 2.4.11: Chromium left "Theory graph" half outside the row when tabbed to). Without JavaScript
// the row still scrolls, and a shadow shows there is more.
(function () {
  "use strict";
  var list = document.querySelector(".sub-nav ul");
  if (!list) return;
  var PAD = 8, EDGE = 24;  // room for a focus ring (the row's padding); clear of the shadow on the right
  function show(item) {
    if (list.scrollWidth <= list.clientWidth) return;
    var r = item.getBoundingClientRect(), box = list.getBoundingClientRect();
    if (r.right > box.right - PAD) list.scrollLeft += r.right - box.right + EDGE;
    else if (r.left < box.left + PAD) list.scrollLeft -= box.left + PAD - r.left;
  }
  var current = list.querySelector("[aria-current]");
  if (current) show(current);
  list.addEventListener("focusin", function (event) { show(event.target); });
})();
