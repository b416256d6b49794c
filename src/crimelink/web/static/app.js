// crimelink's page behaviour. Data arrives in <script type="application/json"> blocks rendered
// by the server (no inline code, so the Content-Security-Policy can forbid it); each widget
// starts only where its element is on the page, and only if its library was loaded.
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function text(value) { var n = document.createElement("span"); n.textContent = value; return n; }  // never HTML

  var gbp = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP", maximumFractionDigits: 0 });
  var count = new Intl.NumberFormat("en-GB");

  function monthLabel(ym) {
    var parts = ym.split("-");
    return new Date(Date.UTC(+parts[0], +parts[1] - 1, 1))
      .toLocaleDateString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
  }

  function trendChart() {
    var canvas = document.getElementById("trend-chart");
    var months = data("trend-data");
    if (!canvas || !months || typeof Chart === "undefined") return;
    if (Chart.getChart(canvas)) Chart.getChart(canvas).destroy();  // a page restored from history draws again
    new Chart(canvas, {
      data: {
        labels: months.map(function (m) { return monthLabel(m.month); }),
        datasets: [
          { type: "bar", label: "Incidents", data: months.map(function (m) { return m.incidents; }),
            backgroundColor: "rgba(29,111,184,0.75)", yAxisID: "y", order: 2 },
          { type: "line", label: "Value lost (£)", data: months.map(function (m) { return m.value_gbp; }),
            borderColor: "#f2b705", backgroundColor: "#f2b705", yAxisID: "value", tension: 0.25, order: 1 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "Incidents" }, ticks: { precision: 0 } },
          value: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
                   title: { display: true, text: "Value lost" },
                   ticks: { callback: function (v) { return gbp.format(v); } } }
        },
        plugins: {
          tooltip: { callbacks: { label: function (c) {
            return c.dataset.yAxisID === "value" ? "Value lost: " + gbp.format(c.parsed.y)
                                                 : "Incidents: " + count.format(c.parsed.y);
          } } }
        }
      }
    });
    canvas.dataset.rendered = "true";
  }

  function forceMap() {
    var el = document.getElementById("force-map");
    var forces = data("force-data");
    if (!el || !forces || typeof L === "undefined") return;
    var byForce = {};
    var most = 1;
    forces.forEach(function (f) { byForce[f.force] = f; most = Math.max(most, f.incidents); });
    // No tile layer: the platform works offline, and force areas are the map.
    var map = L.map(el, { zoomControl: true, attributionControl: true, scrollWheelZoom: false, zoomSnap: 0.25 })
      .setView([52.8, -1.8], 6);
    map.attributionControl.setPrefix(false);
    // The boundary file's licence requires this attribution in full on any map (PROVENANCE.md).
    map.attributionControl.addAttribution(
      "Source: Office for National Statistics licensed under the Open Government Licence v3.0. " +
      "Contains OS data © Crown copyright and database right 2023.");
    fetch(el.dataset.geojson, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geo) {
        var layer = L.geoJSON(geo, {
          style: function (feature) {
            var f = byForce[feature.properties.force_id];
            var share = f ? Math.sqrt(f.incidents / most) : 0;
            return { color: "#5d6d7e", weight: 0.6, fillColor: f ? "#b00020" : "#ffffff",
                     fillOpacity: f ? 0.15 + 0.7 * share : 0.6 };
          },
          onEachFeature: function (feature, lyr) {
            var f = byForce[feature.properties.force_id];
            lyr.bindTooltip(text(feature.properties.PFA23NM + ": " +
              (f ? count.format(f.incidents) + " incidents, " + gbp.format(f.value_gbp) : "none")));
            lyr.on("click", function () { window.location = "/incidents?force=" + feature.properties.force_id; });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds());
        el.dataset.rendered = "true";
      });
  }

  function groupGraph() {
    var el = document.getElementById("group-graph");
    var graph = data("graph-data");
    if (!el || !graph || typeof cytoscape === "undefined") return;
    var maxIncidents = Math.max.apply(null, graph.nodes.map(function (n) { return n.incidents; }).concat([1]));
    var elements = graph.nodes.map(function (n) {
      return { data: { id: "o" + n.offender_id, label: n.display_name, href: "/offenders/" + n.offender_id,
                       size: 14 + 22 * Math.sqrt(n.incidents / maxIncidents), named: n.named } };
    }).concat(graph.edges.map(function (e) {
      return { data: { source: "o" + e.source, target: "o" + e.target, weight: e.incidents } };
    }));
    var cy = cytoscape({
      container: el, elements: elements, layout: { name: "cose", animate: false, padding: 20 },
      style: [
        { selector: "node", style: { "label": "data(label)", "width": "data(size)", "height": "data(size)",
          "background-color": "#1d6fb8", "font-size": 10, "color": "#1b2631", "text-valign": "bottom",
          "text-margin-y": 4, "min-zoomed-font-size": 8 } },
        { selector: "node[!named]", style: { "background-color": "#8fa3b8" } },
        { selector: "edge", style: { "width": "mapData(weight, 1, 10, 1, 6)", "line-color": "#b7c4d3",
          "curve-style": "haystack" } }
      ]
    });
    cy.on("tap", "node", function (evt) { window.location = evt.target.data("href"); });
    el.dataset.rendered = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    trendChart();
    forceMap();
    groupGraph();
  });
})();
