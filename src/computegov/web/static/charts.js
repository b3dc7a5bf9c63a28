// Render every chart on the page with the bundled vega-embed (served by this app, no CDN).
// Each chart is a <div class="vega-chart" id=...> followed by
// <script type="application/json" data-chart-for="id"> holding its Vega-Lite spec.
(function () {
  "use strict";
  function renderAll() {
    if (typeof window.vegaEmbed !== "function") { return; }
    document.querySelectorAll("script[data-chart-for]").forEach(function (node) {
      var target = document.getElementById(node.getAttribute("data-chart-for"));
      if (!target) { return; }
      var spec;
      try { spec = JSON.parse(node.textContent); } catch (err) {
        target.textContent = "chart data could not be read";
        return;
      }
      window.vegaEmbed(target, spec, { actions: { export: true, source: false, compiled: false, editor: false }, renderer: "svg" })
        .catch(function (err) { target.textContent = "chart could not be drawn: " + err; });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", renderAll); } else { renderAll(); }
})();
