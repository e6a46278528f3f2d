// The territory on a map (/carte/): the commune layers as a choropleth and the structures as
// clustered points, from the GeoJSON URLs the page names. No inline script (strict CSP); the
// same figures are in the tables of the page.
(function () {
  "use strict";
  var SCALE = ["#dbe8f5", "#a9c8e8", "#6b96d3", "#2f6db5", "#0b3d7a"]; // core/charts.py
  var HIDDEN_FILL = "#c8c8c8";
  var NO_DATA = "#ffffff";
  var STATUS = { received: "#2e8b57", ordered: "#d9a441", offers: "#0b5cad", other: "#5b6475" };

  function start() {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") return;
    var lang = document.documentElement.lang || "fr";
    var fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 18 }); // markercluster needs a maxZoom
    map.setView([48.85, 2.25], 10);
    var tiles = el.dataset.tileUrl;
    if (tiles) {
      L.tileLayer(tiles, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    var legendBox = document.getElementById("map-legend");
    var radios = document.querySelectorAll('#map-layers input[name="layer"]');
    var communes = null;
    var legend = {};
    var hidden = "—";
    var current = "";

    function checked() {
      var found = document.querySelector('#map-layers input[name="layer"]:checked');
      return found ? found.value : "";
    }

    function fill(value, bounds) {
      if (typeof value === "string") return HIDDEN_FILL;
      if (value === null || value === undefined || value === 0 || !bounds.length) return NO_DATA;
      for (var i = 0; i < bounds.length; i++) if (value <= bounds[i]) return SCALE[i];
      return SCALE[bounds.length - 1];
    }

    function style(feature) {
      var info = legend[current];
      var shade = info ? fill(feature.properties[current], info.bounds) : "#f4f4f4";
      return { color: "#444", weight: 1, fillColor: shade, fillOpacity: tiles ? 0.7 : 1 };
    }

    function swatch(colour, text) {
      var item = document.createElement("li");
      var box = document.createElement("span");
      box.className = "swatch";
      box.style.background = colour; // CSSOM, allowed by the CSP (no style attribute)
      item.appendChild(box);
      item.appendChild(document.createTextNode(" " + text));
      return item;
    }

    function drawLegend() {
      legendBox.textContent = "";
      var info = legend[current];
      var title = document.createElement("p");
      title.className = "legend-title";
      title.textContent = info ? info.label : el.dataset.outlinesLabel;
      legendBox.appendChild(title);
      var list = document.createElement("ul");
      if (info) {
        info.bounds.forEach(function (b, i) {
          list.appendChild(swatch(SCALE[i], "≤ " + fmt.format(b) + (info.unit || "")));
        });
        list.appendChild(swatch(HIDDEN_FILL, el.dataset.hiddenLabel));
        list.appendChild(swatch(NO_DATA, el.dataset.noDataLabel));
      }
      if (structureLegend && structures && map.hasLayer(structures)) {
        Object.keys(structureLegend).forEach(function (key) {
          list.appendChild(swatch(STATUS[key], structureLegend[key]));
        });
      }
      legendBox.appendChild(list);
    }

    function tooltip(feature) {
      var p = feature.properties;
      var value = p[current];
      var text = p.name;
      if (legend[current]) {
        var shown = typeof value === "number" ? fmt.format(value) : value === null || value === undefined ? "" : value;
        text += " — " + legend[current].label + " : " + shown;
      }
      return text;
    }

    function switchLayer() {
      current = checked();
      if (communes) {
        communes.setStyle(style);
        communes.eachLayer(function (layer) { layer.setTooltipContent(tooltip(layer.feature)); });
      }
      el.dataset.layer = current;
      drawLegend();
    }

    fetch(el.dataset.communesUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        legend = data.legend || {};
        hidden = data.hidden || hidden;
        current = checked();
        communes = L.geoJSON(data, {
          style: style,
          onEachFeature: function (feature, layer) { layer.bindTooltip(tooltip(feature), { sticky: true }); },
        }).addTo(map);
        if (data.features.length) map.fitBounds(communes.getBounds());
        el.dataset.ready = "communes";
        switchLayer();
        loadStructures(); // one request after the other: the server answers one at a time
      });

    var structures = null;
    var structureLegend = null;
    var box = document.getElementById("layer-structures");
    function loadStructures() {
      if (!el.dataset.structuresUrl) return;
      fetch(el.dataset.structuresUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          structureLegend = data.statuses || {};
          structures = L.markerClusterGroup({
            showCoverageOnHover: false,
            iconCreateFunction: function (cluster) {
              return L.divIcon({
                html: "<span>" + cluster.getChildCount() + "</span>",
                className: "map-cluster",
                iconSize: L.point(34, 34),
              });
            },
          });
          data.features.forEach(function (f) {
            var c = f.geometry.coordinates;
            var marker = L.circleMarker([c[1], c[0]], {
              radius: 7, color: "#fff", weight: 2, fillColor: STATUS[f.properties.status] || STATUS.other, fillOpacity: 1,
            });
            var popup = document.createElement("div");
            var name = document.createElement("strong");
            name.textContent = f.properties.name;
            popup.appendChild(name);
            popup.appendChild(document.createElement("br"));
            popup.appendChild(document.createTextNode((f.properties.address || "") + " " + (f.properties.commune || "")));
            popup.appendChild(document.createElement("br"));
            popup.appendChild(document.createTextNode(structureLegend[f.properties.status] || ""));
            marker.bindPopup(popup);
            structures.addLayer(marker);
          });
          if (!box || box.checked) map.addLayer(structures);
          el.dataset.structures = String(data.features.length);
          drawLegend();
        });
    }
    if (box) {
      box.addEventListener("change", function () {
        if (!structures) return;
        if (box.checked) map.addLayer(structures); else map.removeLayer(structures);
        el.dataset.structuresShown = box.checked ? "1" : "0";
        drawLegend();
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", switchLayer); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
