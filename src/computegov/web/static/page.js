// Small page helpers (no dependencies, served by this app):
// 1. a table wider than its box scrolls inside it; such a table is made keyboard-focusable
//    (tabindex=0, named by its caption or id) so keyboard users can scroll it too (WCAG 2.1.1);
// 2. a page that takes long to compute (some pages fit and forecast on their first load)
//    shows a "Loading" note on the page being left, so a slow click never looks like nothing.
(function () {
  "use strict";
  function markScrollable() {
    document.querySelectorAll("table.data, .table-scroll, figure.chart.fixed-width").forEach(function (el) {
      var wide = el.scrollWidth > el.clientWidth + 1;
      if (wide && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scroll-focus", "1");
        if (!el.hasAttribute("aria-label")) {
          var cap = el.querySelector("caption");
          el.setAttribute("aria-label", (cap ? cap.textContent.trim() : (el.id || "table")) + " (scrolls sideways)");
        }
      } else if (!wide && el.getAttribute("data-scroll-focus") === "1") {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroll-focus");
        el.removeAttribute("aria-label");
      }
    });
  }
  function showLoading(label) {
    if (document.getElementById("loading-note")) { return; }
    var note = document.createElement("p");
    note.id = "loading-note";
    note.className = "loading-banner";
    note.setAttribute("role", "status");
    note.textContent = "Loading " + label + "… the first load of a page with forecasts can take several seconds.";
    document.body.appendChild(note);
  }
  function armLoading() {
    var timer = null;
    function later(label) { if (timer) { clearTimeout(timer); } timer = setTimeout(function () { showLoading(label); }, 400); }
    document.addEventListener("click", function (ev) {
      var a = ev.target.closest ? ev.target.closest("a[href]") : null;
      if (!a || a.hasAttribute("download") || a.target || ev.ctrlKey || ev.metaKey || ev.shiftKey) { return; }
      var url = new URL(a.href, location.href);
      if (url.origin !== location.origin || url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/static/") === 0 ||
          (url.pathname === location.pathname && url.search === location.search)) { return; }
      later(a.textContent.trim() || url.pathname);
    });
    document.addEventListener("submit", function () { later("the results"); });
    window.addEventListener("pageshow", function () {
      var n = document.getElementById("loading-note"); if (n) { n.remove(); }
      if (timer) { clearTimeout(timer); timer = null; }
    });
  }
  // vega-embed's actions menu is a <summary> holding only an icon: give it a name (axe summary-name)
  function nameChartMenus(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".vega-embed summary:not([aria-label])").forEach(function (s) {
      s.setAttribute("aria-label", "Chart actions: save the chart as SVG or PNG");
    });
  }
  function watchCharts() {
    nameChartMenus(document);
    if (!window.MutationObserver) { return; }
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      setTimeout(function () { pending = false; nameChartMenus(document); markScrollable(); }, 100);
    })
      .observe(document.body, { childList: true, subtree: true });
  }
  function start() { markScrollable(); armLoading(); watchCharts(); window.addEventListener("resize", markScrollable); setTimeout(markScrollable, 1500); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
