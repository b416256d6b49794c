// The link chart (Cytoscape.js): draw the chart the server rendered, show why a link exists,
// expand a node by fetching its neighbourhood from the JSON twin and merging it in.
(function () {
  "use strict";
  var el = document.getElementById("link-chart");
  var block = document.getElementById("chart-data");
  if (!el || !block || typeof cytoscape === "undefined") return;
  var selection = document.getElementById("chart-selection");
  var expandButton = document.getElementById("chart-expand");
  var SHAPES = { offender: "ellipse", incident: "rectangle", vehicle: "round-rectangle", store: "diamond", group: "hexagon" };
  var COLOURS = { offender: "#1d6fb8", incident: "#8fa3b8", vehicle: "#1e7b4a", store: "#7d3c98", group: "#f2b705" };

  function elements(chart) {
    return chart.nodes.map(function (n) {
      return { group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, href: n.href, when: n.when,
                                      detail: n.detail, root: n.id === chart.root } };
    }).concat(chart.edges.map(function (e) {
      return { group: "edges", data: { id: e.id, source: e.source, target: e.target, kind: e.kind, why: e.why } };
    }));
  }

  var chart = JSON.parse(block.textContent);
  var cy = cytoscape({
    container: el, elements: elements(chart), wheelSensitivity: 0.3,
    layout: { name: "cose", animate: false, padding: 24, nodeRepulsion: 9000, idealEdgeLength: 60 },
    style: [
      { selector: "node", style: { "label": "data(label)", "font-size": 9, "text-valign": "bottom",
        "text-margin-y": 3, "min-zoomed-font-size": 7, "width": 18, "height": 18, "color": "#1b2631" } }
    ].concat(Object.keys(SHAPES).map(function (k) {
      return { selector: "node[kind = '" + k + "']", style: { "shape": SHAPES[k], "background-color": COLOURS[k] } };
    })).concat([
      { selector: "node[kind = 'incident']", style: { "width": 10, "height": 10, "font-size": 7 } },
      { selector: "node[kind = 'group']", style: { "width": 30, "height": 30 } },
      { selector: "node[?root]", style: { "border-width": 3, "border-color": "#b00020" } },
      { selector: "edge", style: { "width": 1.2, "line-color": "#b7c4d3", "curve-style": "haystack" } },
      { selector: "edge[kind = 'series link']", style: { "line-color": "#b35c00", "line-style": "dashed" } },
      { selector: "edge[kind = 'member of']", style: { "line-color": "#f2b705", "width": 2 } },
      { selector: ":selected", style: { "border-width": 3, "border-color": "#b00020", "line-color": "#b00020" } }
    ])
  });

  function text(tag, value) { var n = document.createElement(tag); n.textContent = value; return n; }

  function show(parts) {
    selection.replaceChildren.apply(selection, parts);
  }

  var selected = null;
  cy.on("tap", "node", function (evt) {
    var d = evt.target.data();
    selected = d.id;
    var parts = [text("p", d.kind + ": " + d.label)];
    if (d.when) parts.push(text("p", new Date(d.when).toLocaleString("en-GB", { timeZone: "UTC" }) + " UTC"));
    if (d.detail && d.detail.description) parts.push(text("p", d.detail.description));
    if (/^\/[^\/\\]/.test(d.href || "")) { var a = text("a", "Open"); a.href = d.href; parts.push(a); }  // a path here only
    show(parts);
    expandButton.hidden = false;
  });
  cy.on("tap", "edge", function (evt) {
    var d = evt.target.data();
    var why = text("p", d.why);
    why.setAttribute("data-testid", "edge-why");
    show([text("p", "Link: " + d.kind), why]);
    expandButton.hidden = true;
  });

  expandButton.addEventListener("click", function () {
    if (!selected) return;
    var q = "node=" + encodeURIComponent(selected) + "&expand=true";
    if (el.dataset.from) q += "&from=" + el.dataset.from;
    if (el.dataset.to) q += "&to=" + el.dataset.to;
    fetch("/api/v1/chart?" + q, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (more) {
        var fresh = elements(more).filter(function (x) { return cy.getElementById(x.data.id).empty(); });
        fresh.forEach(function (x) { x.data.root = false; });
        cy.add(fresh.filter(function (x) { return x.group === "nodes"; }));
        cy.add(fresh.filter(function (x) { return x.group === "edges"; }));
        cy.layout({ name: "cose", animate: false, padding: 24, nodeRepulsion: 9000, idealEdgeLength: 60 }).run();
        el.dataset.nodes = String(cy.nodes().length);
        el.dataset.expanded = String(Number(el.dataset.expanded || 0) + 1);
      });
  });

  el.dataset.nodes = String(cy.nodes().length);
  el.dataset.edges = String(cy.edges().length);
  el.dataset.rendered = "true";
  window.crimelinkChart = cy;
})();
