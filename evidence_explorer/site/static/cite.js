// Copy-citation button for paper pages (progressive enhancement: the citation is plain text
// without JavaScript). Adds a button after each .citation paragraph and announces the result.
(function () {
  "use strict";
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }
  function enhance(citation) {
    var wrap = document.createElement("p");
    wrap.className = "copy-citation";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy citation";
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    wrap.appendChild(button);
    wrap.appendChild(document.createTextNode(" "));
    wrap.appendChild(status);
    citation.insertAdjacentElement("afterend", wrap);
    button.addEventListener("click", function () {
      copyText(citation.textContent.trim()).then(function () {
        status.textContent = "Citation copied to the clipboard.";
      }, function () {
        status.textContent = "Could not copy: select the citation and copy it.";
      });
    });
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("p.citation"), enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
