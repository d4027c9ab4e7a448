// "Download chart as PNG" for the figures drawn in SVG (progressive enhancement: without
// JavaScript the button stays hidden and the SVG and CSV links work as they are). The drawing on
// the page is rasterised in the browser at twice its size; nothing leaves the page.
(function () {
  "use strict";
  if (window.__chartsPng) { return; }
  window.__chartsPng = true;
  function enhance(button) {
    var svg = document.getElementById(button.getAttribute("data-for"));
    if (!svg || !window.XMLSerializer || !window.URL || !HTMLCanvasElement.prototype.toBlob) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var box = svg.viewBox && svg.viewBox.baseVal;
      var w = (box && box.width) || svg.getBoundingClientRect().width;
      var h = (box && box.height) || svg.getBoundingClientRect().height;
      var text = new XMLSerializer().serializeToString(svg);
      var url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
      var img = new Image();
      img.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(w * 2);
        canvas.height = Math.round(h * 2);
        var ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = button.getAttribute("data-name") || "chart.png";
          document.body.appendChild(link);
          link.click();
          link.remove();
        }, "image/png");
      };
      img.src = url;
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("button.chart-png"), enhance);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
