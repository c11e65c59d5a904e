// The HTML report's script: hover values, scenario toggles, sortable tables.
// The page is complete without it: tables carry every number and each chart mark has a <title>.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var tip = document.getElementById("tip");

  // Hover: a tooltip with the mark's value; the marks' <title>s would show a second one.
  document.querySelectorAll("[data-tip]").forEach(function (mark) {
    var title = mark.querySelector("title");
    if (title) { mark.removeChild(title); }
    mark.addEventListener("mouseenter", function () {
      tip.textContent = mark.getAttribute("data-tip");
      tip.hidden = false;
      mark.classList.add("hot");
    });
    mark.addEventListener("mousemove", function (event) {
      var x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
      tip.style.left = x + "px";
      tip.style.top = (event.clientY + 14) + "px";
    });
    mark.addEventListener("mouseleave", function () {
      tip.hidden = true;
      mark.classList.remove("hot");
    });
  });

  // Toggles: a legend button hides or shows its series in every chart and table row.
  document.querySelectorAll("button[data-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-toggle");
      var shown = button.getAttribute("aria-pressed") !== "true";
      document.querySelectorAll("button[data-toggle='" + key + "']").forEach(function (other) {
        other.setAttribute("aria-pressed", shown ? "true" : "false");
      });
      document.querySelectorAll("svg [data-series='" + key + "'], #compare-table tr[data-series='" + key + "']")
        .forEach(function (element) { element.classList.toggle("off", !shown); });
    });
  });

  // Sorting: a click on a heading sorts by that column (numbers by value), again to reverse.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headings = table.querySelectorAll("thead th");
    headings.forEach(function (heading, column) {
      var type = heading.getAttribute("data-type");
      if (!type) { return; }
      heading.setAttribute("tabindex", "0");
      var sort = function () {
        var up = heading.getAttribute("aria-sort") !== "ascending";
        headings.forEach(function (h) { h.removeAttribute("aria-sort"); });
        heading.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (row) {
          var cell = row.cells[column];
          var text = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
          if (type === "number") { var n = parseFloat(text); return isNaN(n) ? -Infinity : n; }
          return text.toLowerCase();
        };
        rows.sort(function (a, b) {
          var ka = key(a), kb = key(b);
          return (ka < kb ? -1 : ka > kb ? 1 : 0) * (up ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      };
      heading.addEventListener("click", sort);
      heading.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  });
})();
