// The link chart (Cytoscape.js): draw the chart the server rendered, laid out so clusters stand
// apart (fcose), nodes sized by activity and links drawn as thick as their evidence; labels a
// constant size on screen, the most important first, none drawn over another (zoom in and more
// fit); show why a link exists; open a gathering of unidentified sightings on a click and expand
// a node, both fetched from the JSON twin and merged in; export what is on screen as PNG or SVG.
(function () {
  "use strict";
  var el = document.getElementById("link-chart");
  var block = document.getElementById("chart-data");
  if (!el || !block || typeof cytoscape === "undefined") return;
  var selection = document.getElementById("chart-selection");
  var expandButton = document.getElementById("chart-expand");
  var note = document.getElementById("chart-left-out");
  var SHAPES = { offender: "ellipse", incident: "rectangle", vehicle: "round-rectangle", store: "diamond",
                 group: "hexagon", unidentified: "ellipse" };
  var COLOURS = { offender: "#1d6fb8", incident: "#8fa3b8", vehicle: "#1e7b4a", store: "#7d3c98", group: "#f2b705",
                  unidentified: "#c9d3de" };
  var RANK = { group: 0, offender: 1, unidentified: 2, vehicle: 3, store: 4, incident: 5 };  // whose label wins
  var LABEL_PX = { group: 13, offender: 12, unidentified: 12, vehicle: 11, store: 10, incident: 9 };  // on screen
  var FCOSE = typeof cytoscape("layout", "fcose") === "function";
  var LAYOUT = { name: FCOSE ? "fcose" : "cose", animate: false, padding: 30, quality: "default", randomize: true,
                 packComponents: false, nodeRepulsion: 30000, idealEdgeLength: 110, edgeElasticity: 0.2,
                 nodeSeparation: 120, numIter: 4000, gravity: 0.1, gravityRange: 5, nodeDimensionsIncludeLabels: true };

  function elements(chart, expand) {
    var origin = { node: chart.root, expand: expand };
    return chart.nodes.map(function (n) {
      return { group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, href: n.href, when: n.when,
                                      detail: n.detail, activity: (n.detail && n.detail.activity) || 0,
                                      root: n.id === chart.root, origin: origin } };
    }).concat(chart.edges.map(function (e) {
      return { group: "edges", data: { id: e.id, source: e.source, target: e.target, kind: e.kind, why: e.why,
                                      weight: e.weight === undefined ? 1 : e.weight } };
    }));
  }

  var chart = JSON.parse(block.textContent);
  var cy = cytoscape({
    container: el, elements: elements(chart, false), wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { "label": "data(label)", "text-valign": "bottom", "color": "#1b2631",
        "min-zoomed-font-size": 6, "text-wrap": "ellipsis", "text-background-color": "#fbfcfd",
        "text-background-opacity": 0.8, "text-background-padding": 1,
        "width": "mapData(activity, 0, 25, 16, 46)", "height": "mapData(activity, 0, 25, 16, 46)" } }
    ].concat(Object.keys(SHAPES).map(function (k) {  // the more important drawn on top, labels too
      return { selector: "node[kind = '" + k + "']", style: { "shape": SHAPES[k], "background-color": COLOURS[k],
                                                              "z-index": 10 - RANK[k] } };
    })).concat([
      { selector: "node[kind = 'incident']", style: { "width": "mapData(activity, 0, 8, 9, 18)",
                                                      "height": "mapData(activity, 0, 8, 9, 18)" } },
      { selector: "node[kind = 'unidentified']", style: { "border-width": 2, "border-style": "dashed",
                                                          "border-color": "#5d6d7e" } },
      { selector: "node[?root]", style: { "border-width": 3, "border-color": "#b00020" } },
      { selector: "node.quiet", style: { "text-opacity": 0, "text-background-opacity": 0 } },
      { selector: "edge", style: { "width": "mapData(weight, 0, 5, 0.8, 6)", "line-color": "#b7c4d3",
                                   "curve-style": "haystack", "opacity": 0.85 } },
      { selector: "edge[kind = 'series link']", style: { "line-color": "#b35c00", "line-style": "dashed",
                                                         "curve-style": "straight" } },
      { selector: "edge[kind = 'member of']", style: { "line-color": "#f2b705", "width": "mapData(weight, 0, 1, 1, 4)" } },
      { selector: "edge[kind = 'attributed to']", style: { "line-color": "#8e9aa6", "line-style": "dotted",
                                                           "curve-style": "straight" } },
      { selector: ":selected", style: { "border-width": 3, "border-color": "#b00020", "line-color": "#b00020" } }
    ])
  });

  // Labels: a constant size on screen; placed most important first, each only where it covers
  // no label already placed (the rest wait for the analyst to zoom in, or to select the node).
  function priority(n) {
    return [n.data("root") ? -1 : (RANK[n.data("kind")] === undefined ? 9 : RANK[n.data("kind")]),
            -(n.data("activity") || 0), n.id()];
  }
  function before(a, b) {
    var x = priority(a), y = priority(b);
    for (var k = 0; k < x.length; k++) { if (x[k] < y[k]) return -1; if (x[k] > y[k]) return 1; }
    return 0;
  }
  function overlaps(a, b) { return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2; }
  function placeLabels() {
    var zoom = cy.zoom();
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        var px = LABEL_PX[n.data("kind")] || 10;
        n.style({ "font-size": px / zoom, "text-margin-y": 2 / zoom, "text-max-width": 150 / zoom });
      });
      cy.nodes().removeClass("quiet");
    });
    var placed = [], quiet = cy.collection();
    cy.nodes().filter(function (n) { return n.data("root") || core(n); }).forEach(function (n) {  // nor over the core
      placed.push({ id: n.id(), box: n.boundingBox({ includeLabels: false, includeOverlays: false }) });
    });
    cy.nodes().sort(before).forEach(function (n) {
      var box = n.boundingBox({ includeLabels: true, includeNodes: false, includeOverlays: false });
      if (!n.data("label") || box.w === 0) return;
      var covers = placed.some(function (p) { return p.id !== n.id() && overlaps(p.box, box); });
      if (covers && !n.selected()) { quiet = quiet.union(n); return; }
      placed.push({ id: n.id(), box: box });
    });
    quiet.addClass("quiet");
    el.dataset.labels = String(cy.nodes().length - quiet.length);
  }
  var pending = null;
  cy.on("viewport", function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(function () { pending = null; placeLabels(); }, 60);
  });

  function text(tag, value) { var n = document.createElement(tag); n.textContent = value; return n; }
  function show(parts) { selection.replaceChildren.apply(selection, parts); }

  function query(origin, extra) {
    var q = "node=" + encodeURIComponent(origin.node) + (origin.expand ? "&expand=true" : "") + (extra || "");
    if (el.dataset.from) q += "&from=" + el.dataset.from;
    if (el.dataset.to) q += "&to=" + el.dataset.to;
    return fetch("/api/v1/chart?" + q, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }

  // Merge a fetched chart in: new nodes start around ``at`` and the layout moves them from there.
  function merge(more, expand, at) {
    var fresh = elements(more, expand).filter(function (x) { return cy.getElementById(x.data.id).empty(); });
    fresh.forEach(function (x, k) {
      x.data.root = false;
      if (x.group === "nodes") x.position = { x: at.x + 40 * Math.cos(k), y: at.y + 40 * Math.sin(k) };
    });
    cy.add(fresh.filter(function (x) { return x.group === "nodes"; }));
    cy.add(fresh.filter(function (x) {
      return x.group === "edges" && !cy.getElementById(x.data.source).empty() && !cy.getElementById(x.data.target).empty();
    }));
    var layout = cy.layout(Object.assign({}, LAYOUT, { randomize: false }));
    layout.one("layoutstop", function () { placeLabels(); });
    layout.run();
    el.dataset.nodes = String(cy.nodes().length);
    el.dataset.edges = String(cy.edges().length);
    if (note) note.textContent = "Showing " + cy.nodes().length + " nodes after your changes. First view: " + chart.note;
  }

  // A gathering of unidentified sightings: draw each of them instead (fetched from the server).
  function openGathering(node) {
    var at = node.position(), origin = node.data("origin");
    if (node.data("opening")) return Promise.resolve();  // a second click while it loads
    node.data("opening", true);
    return query(origin, "&open=" + encodeURIComponent(node.id())).then(function (more) {
      cy.remove(node);
      merge(more, origin.expand, at);
      el.dataset.opened = String(Number(el.dataset.opened || 0) + 1);
    });
  }

  var selected = null;
  cy.on("tap", "node", function (evt) {
    var node = evt.target, d = node.data();
    selected = d.id;
    var parts = [text("p", (d.kind === "unidentified" ? "unidentified sightings" : d.kind) + ": " + d.label)];
    if (d.when) parts.push(text("p", new Date(d.when).toLocaleString("en-GB", { timeZone: "UTC" }) + " UTC"));
    if (d.detail && d.detail.description) parts.push(text("p", d.detail.description));
    if (/^\/[^\/\\]/.test(d.href || "")) { var a = text("a", "Open"); a.href = d.href; parts.push(a); }  // a path here only
    show(parts);
    node.removeClass("quiet");  // the selected node's label is always drawn
    if (d.kind === "unidentified") {
      expandButton.hidden = true;
      openGathering(node);
      return;
    }
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
    if (!selected || cy.getElementById(selected).empty()) return;
    var at = cy.getElementById(selected).position();
    query({ node: selected, expand: true }).then(function (more) {
      merge(more, true, at);
      el.dataset.expanded = String(Number(el.dataset.expanded || 0) + 1);
    });
  });

  // What is on screen, as a file, marked as the page is (a chart names people).
  function marking() {
    var m = document.querySelector("[data-testid='marking']");
    return (m && m.textContent.trim()) || "OFFICIAL-SENSITIVE";
  }
  function download(blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 2000);
  }
  var fileName = "crimelink-chart-" + chart.root.replace(":", "-");
  function exportPng() {
    return cy.png({ output: "blob-promise", bg: "#ffffff", full: false, scale: 2 }).then(function (blob) {
      return createImageBitmap(blob);
    }).then(function (image) {
      var band = 40, canvas = document.createElement("canvas");
      canvas.width = image.width;
      canvas.height = image.height + band;
      var g = canvas.getContext("2d");
      g.fillStyle = "#ffffff";
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.fillStyle = "#b00020";
      g.font = "bold 22px sans-serif";
      g.textAlign = "center";
      g.fillText(marking(), canvas.width / 2, 28);
      g.drawImage(image, 0, band);
      canvas.toBlob(function (png) { download(png, fileName + ".png"); }, "image/png");
    });
  }
  function exportSvg() {
    var svg = new DOMParser().parseFromString(cy.svg({ full: false, bg: "#ffffff" }), "image/svg+xml").documentElement;
    var ns = "http://www.w3.org/2000/svg", band = 24, width = Number(svg.getAttribute("width")) || 0;
    var moved = document.createElementNS(ns, "g");
    moved.setAttribute("transform", "translate(0," + band + ")");
    while (svg.firstChild) moved.appendChild(svg.firstChild);
    var label = document.createElementNS(ns, "text");
    label.setAttribute("x", String(width / 2));
    label.setAttribute("y", "17");
    label.setAttribute("text-anchor", "middle");
    label.setAttribute("font-family", "sans-serif");
    label.setAttribute("font-weight", "bold");
    label.setAttribute("fill", "#b00020");
    label.textContent = marking();
    svg.appendChild(label);
    svg.appendChild(moved);
    svg.setAttribute("height", String((Number(svg.getAttribute("height")) || 0) + band));
    download(new Blob([new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" }), fileName + ".svg");
  }
  var png = document.getElementById("chart-png"), svg = document.getElementById("chart-svg");
  if (png) png.addEventListener("click", function () { exportPng(); });
  if (svg && typeof cy.svg === "function") svg.addEventListener("click", exportSvg);
  else if (svg) svg.hidden = true;

  // The chart's core (the root, groups, identified people, gatherings, vehicles seen more than
  // once) held on a ring, the root in its middle: every incident ties to them, and a force layout
  // alone piles them in the centre. The incidents then settle between the people they tie.
  function core(n) {
    var kind = n.data("kind");
    return !n.data("root") && (kind === "group" || kind === "unidentified" ||
      (kind === "offender" && n.data("detail") && n.data("detail").named) || (kind === "vehicle" && n.data("activity") > 1));
  }
  function first() {
    var ring = cy.nodes().filter(core).sort(before), options = Object.assign({}, LAYOUT);
    if (FCOSE && ring.length > 2) {
      var radius = Math.max(220, ring.length * 70 / Math.PI), fixed = [];
      cy.nodes("[?root]").forEach(function (n) { fixed.push({ nodeId: n.id(), position: { x: 0, y: 0 } }); });
      ring.forEach(function (n, k) {
        var angle = 2 * Math.PI * k / ring.length - Math.PI / 2;
        fixed.push({ nodeId: n.id(), position: { x: radius * Math.cos(angle), y: radius * Math.sin(angle) } });
      });
      options.fixedNodeConstraint = fixed;
    }
    cy.layout(options).run();
  }
  first();
  placeLabels();
  el.dataset.nodes = String(cy.nodes().length);
  el.dataset.edges = String(cy.edges().length);
  el.dataset.layout = LAYOUT.name;
  el.dataset.rendered = "true";
  window.crimelinkChart = cy;
})();
