// Line numbers for the review copy: one number per rendered line of text
// (paragraphs, headings, list items, table rows), in the left margin, as
// the line-numbered PDFs of journal submission systems. Numbered again
// when the layout changes (window width, printing).
(function () {
  "use strict";
  var main = document.querySelector("main");
  var gutter = document.createElement("div");
  gutter.className = "line-numbers";
  gutter.setAttribute("aria-hidden", "true");
  document.body.appendChild(gutter);
  function lines() {
    var tops = [];
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        if (!node.textContent.trim() || node.parentElement.closest("svg")) {
          return NodeFilter.FILTER_REJECT;
        }
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var range = document.createRange();
    while (walker.nextNode()) {
      range.selectNodeContents(walker.currentNode);
      var rects = range.getClientRects();
      for (var i = 0; i < rects.length; i++) {
        if (rects[i].height > 0) {
          tops.push(Math.round(rects[i].top + window.scrollY));
        }
      }
    }
    tops.sort(function (a, b) { return a - b; });
    var merged = [];
    tops.forEach(function (t) {
      if (!merged.length || t - merged[merged.length - 1] > 4) {
        merged.push(t);
      }
    });
    return merged;
  }
  function number() {
    gutter.textContent = "";
    lines().forEach(function (top, i) {
      var n = document.createElement("span");
      n.className = "line-number";
      n.style.top = top + "px";
      n.textContent = String(i + 1);
      gutter.appendChild(n);
    });
  }
  number();
  window.addEventListener("resize", number);
  window.addEventListener("beforeprint", number);
})();
