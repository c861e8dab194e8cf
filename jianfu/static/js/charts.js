/* Charts: every <div data-chart="ID"> is drawn with Apache ECharts from the option object in the
   <script type="application/json" id="ID"> the server rendered (json_script), so no script is
   inline and the Content-Security-Policy stays strict. */
(function () {
  "use strict";
  var charts = [];

  function draw(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-chart-drawn")) {
        return;
      }
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || !window.echarts) {
        return;
      }
      el.style.height = (el.getAttribute("data-height") || "300") + "px";
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(source.textContent));
      el.setAttribute("data-chart-drawn", "1");
      charts.push(chart);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
