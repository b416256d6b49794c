// Casework pages. The impact page's chart: what the partnership did, month by month. Data comes in
// <script type="application/json"> blocks (no inline code: the Content-Security-Policy forbids it).
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var COLOURS = {
    referrals: "#1d6fb8", operations_adopted: "#0b2545", arrests: "#f2b705",
    positive_outcomes: "#1e7b4a", court_results: "#b00020"
  };

  function monthLabel(ym) {
    var parts = ym.split("-");
    return new Date(Date.UTC(+parts[0], +parts[1] - 1, 1))
      .toLocaleDateString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
  }

  function impactChart() {
    var canvas = document.getElementById("impact-chart");
    var months = data("impact-months");
    var series = data("impact-series");
    if (!canvas || !months || !series || typeof Chart === "undefined") return;
    var datasets = Object.keys(series).map(function (key) {
      return {
        label: series[key], data: months.map(function (m) { return m.counts[key] || 0; }),
        backgroundColor: COLOURS[key] || "#5d6d7e", borderColor: COLOURS[key] || "#5d6d7e",
        type: key === "referrals" ? "line" : "bar", tension: 0.25, order: key === "referrals" ? 0 : 1
      };
    });
    if (Chart.getChart(canvas)) Chart.getChart(canvas).destroy();  // a page restored from history draws again
    new Chart(canvas, {
      data: { labels: months.map(function (m) { return monthLabel(m.month); }), datasets: datasets },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Records" } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
    canvas.dataset.rendered = "true";
  }

  document.addEventListener("DOMContentLoaded", impactChart);

  // The referral form's subject search: Enter searches (htmx) instead of sending the form.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.matches || !box.matches("[data-subject-search]")) return;
    event.preventDefault();
    if (typeof htmx !== "undefined") htmx.trigger(box, "search");
  });
})();
