// The patterns map (Leaflet): force boundaries, hotspot cells, incidents and the route in time
// order. No tile server unless one is configured: the platform works offline and the force
// areas are the base map. The boundaries' OGL attribution is shown in full. Reports' words (an
// incident's reference, a store's name) go into tooltips as text, never as HTML.
(function () {
  "use strict";
  function text(value) { var n = document.createElement("span"); n.textContent = value; return n; }

  var el = document.getElementById("pattern-map");
  var block = document.getElementById("map-data");
  if (!el || !block || typeof L === "undefined") return;
  var data = JSON.parse(block.textContent);
  var map = L.map(el, { zoomSnap: 0.25, scrollWheelZoom: true, attributionControl: true }).setView([52.8, -1.8], 6);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(data.attribution);
  if (data.tiles) {
    L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 18 }).addTo(map);
  }
  var involved = {};
  data.forces.forEach(function (f) { involved[f] = true; });
  var layers = {};

  function done(boundaries) {
    var cells = L.layerGroup(data.cells.map(function (c) {
      return L.polygon(c.boundary, { color: c.hot ? "#b00020" : "#b35c00", weight: 1,
                                     fillOpacity: c.hot ? 0.45 : 0.15 })
        .bindTooltip(text(c.incidents + " incidents · Gi* z " + c.gi_z.toFixed(2)));
    })).addTo(map);
    var points = L.layerGroup(data.points.map(function (p, k) {
      return L.circleMarker([p.lat, p.lon], { radius: 5, color: "#0b2545", weight: 1, fillColor: "#1d6fb8",
                                              fillOpacity: 0.85 }).bindTooltip(text((k + 1) + ". " + p.label));
    })).addTo(map);
    var route = L.polyline(data.route, { color: "#b00020", weight: 2.5, opacity: 0.8, dashArray: "6 4" }).addTo(map);
    layers = { "Hotspot cells": cells, "Incidents": points, "Route in time order": route };
    if (boundaries) layers["Force areas"] = boundaries;
    L.control.layers(null, layers, { collapsed: false }).addTo(map);
    var target = data.points.length ? L.latLngBounds(data.points.map(function (p) { return [p.lat, p.lon]; }))
      : (data.cells.length ? L.latLngBounds([].concat.apply([], data.cells.map(function (c) { return c.boundary; })))
        : (boundaries ? boundaries.getBounds() : null));
    if (target && target.isValid()) map.fitBounds(target.pad(0.15), { maxZoom: 12, animate: false });
    el.dataset.points = String(data.points.length);
    el.dataset.route = String(data.route.length);
    el.dataset.cells = String(data.cells.length);
    el.dataset.rendered = "true";
  }

  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (geo) {
      var boundaries = L.geoJSON(geo, {
        style: function (feature) {
          var mine = involved[feature.properties.force_id];
          return { color: mine ? "#0b2545" : "#8fa3b8", weight: mine ? 1.6 : 0.6,
                   fillColor: mine ? "#f2b705" : "#ffffff", fillOpacity: mine ? 0.18 : 0.5 };
        },
        onEachFeature: function (feature, layer) { layer.bindTooltip(text(feature.properties.PFA23NM)); }
      }).addTo(map);
      boundaries.bringToBack();
      el.dataset.boundaries = String(geo.features.length);
      done(boundaries);
    })
    .catch(function () { done(null); });
})();
