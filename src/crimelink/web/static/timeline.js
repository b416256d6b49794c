// Timelines (incidents per week or month) and the recorded-crime comparison, with Chart.js.
// Data arrives in <script type="application/json"> blocks beside each canvas (no inline code).
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  function timelines() {
    document.querySelectorAll("canvas.timeline").forEach(function (canvas) {
      var box = canvas.closest(".chart-box");
      var block = box && box.nextElementSibling;
      if (!block || !block.classList.contains("timeline-data")) return;
      var periods = JSON.parse(block.textContent);
      if (Chart.getChart(canvas)) Chart.getChart(canvas).destroy();  // a page restored from history draws again
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: periods.map(function (p) { return p.start; }),
          datasets: [{ label: "Incidents", data: periods.map(function (p) { return p.incidents; }),
                       backgroundColor: "rgba(29,111,184,0.75)" }]
        },
        options: { maintainAspectRatio: false, plugins: { legend: { display: false } },
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
      canvas.dataset.rendered = "true";
    });
  }

  function context() {
    var canvas = document.getElementById("context-chart");
    var block = document.getElementById("context-data");
    if (!canvas || !block) return;
    var months = JSON.parse(block.textContent);
    if (Chart.getChart(canvas)) Chart.getChart(canvas).destroy();  // a page restored from history draws again
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: months.map(function (m) { return m.month; }),
        datasets: [
          { label: "Police-recorded shoplifting", data: months.map(function (m) { return m.recorded_shoplifting; }),
            backgroundColor: "rgba(11,37,69,0.8)" },
          { label: "Retailer reports (theft from shop)", data: months.map(function (m) { return m.retailer_reports; }),
            backgroundColor: "rgba(242,183,5,0.85)" }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    canvas.dataset.rendered = "true";
  }

  function start() { timelines(); context(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  document.addEventListener("htmx:afterSwap", timelines);
})();
