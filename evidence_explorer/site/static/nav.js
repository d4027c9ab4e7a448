// On a narrow screen the second row of the navigation is one line that scrolls sideways inside
// its own box (style.css). Bring the current section into view there, so a reader on a phone
// sees where they are (without JavaScript the row still scrolls, and a shadow shows there is more).
(function () {
  "use strict";
  var current = document.querySelector('.sub-nav [aria-current]');
  var list = current && current.closest("ul");
  if (!list || list.scrollWidth <= list.clientWidth) return;
  var item = current.getBoundingClientRect(), box = list.getBoundingClientRect();
  if (item.right > box.right) list.scrollLeft += item.right - box.right + 24;
})();
