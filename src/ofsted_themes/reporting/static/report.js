// The report's behaviour:
// - a theme toggle sets the class "hide-" + the theme's class on the body (the per-theme CSS does
//   the hiding);
// - a click on a heading of a sortable table sorts it by that column's data-v values, as numbers
//   when both are numbers;
// - the cross-letter view (#findings) shows the tagged sentences matching its theme, its text
//   filter and the scope a link set: a link "#findings?theme=cse&council=Leeds" opens it so
//   filtered; "Export CSV" downloads the rows shown.
(function () {
  // When the page was written: the file's own date (the page's bytes carry none).
  var written = document.getElementById("written");
  if (written && document.lastModified) {
    var when = new Date(document.lastModified);
    var pad = function (n) { return String(n).padStart(2, "0"); };
    written.textContent = " · written " + when.getFullYear() + "-" + pad(when.getMonth() + 1) +
      "-" + pad(when.getDate()) + " " + pad(when.getHours()) + ":" + pad(when.getMinutes());
  }
  document.querySelectorAll(".toggles input").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.dataset.theme, !box.checked);
    });
  });

  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.addEventListener("click", function () {
        var asc = th.dataset.dir !== "asc";
        Array.prototype.forEach.call(heads, function (h) { delete h.dataset.dir; });
        th.dataset.dir = asc ? "asc" : "desc";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[i].dataset.v || "", y = b.cells[i].dataset.v || "";
          var d = (x !== "" && y !== "" && !isNaN(x) && !isNaN(y)) ? x - y : x.localeCompare(y);
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  var table = document.getElementById("findings-table");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var theme = document.getElementById("f-theme");
  var text = document.getElementById("f-text");
  var concern = document.getElementById("f-concern");  // absent: the tagger does not say
  var scopeBox = document.getElementById("f-scope");
  var scopeText = document.getElementById("f-scope-text");
  var count = document.getElementById("f-count");
  var scope = {};
  var SCOPES = ["letter", "council", "year"];

  function letterName(anchor) {
    var row = rows.find(function (r) { return r.dataset.letter === anchor; });
    return row ? row.cells[0].textContent : anchor;
  }

  // What the text filter reads: every cell but the themes' (their names and marks are chosen
  // with the selects; a search for "concern" finds the word, not every marked sentence).
  function searched(row) {
    return Array.prototype.filter.call(row.cells, function (c) {
      return !c.classList.contains("c-themes");
    })
      .map(function (c) { return c.textContent; }).join(" ").toLowerCase();
  }

  function apply() {
    var words = text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!theme.value || (" " + row.dataset.themes + " ").indexOf(" " + theme.value + " ") >= 0)
        && SCOPES.every(function (k) { return !scope[k] || row.dataset[k] === scope[k]; })
        && (!concern || !concern.value || row.dataset.concern === concern.value)
        && (!words || searched(row).indexOf(words) >= 0);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    var parts = SCOPES.filter(function (k) { return scope[k]; }).map(function (k) {
      return k + ": " + (k === "letter" ? letterName(scope[k]) : scope[k]);
    });
    if (concern && concern.value) parts.push(concern.value === "1" ? "concerns" : "not concerns");
    scopeBox.hidden = parts.length === 0;
    scopeText.textContent = parts.join(" · ");
    count.textContent = shown + (shown === 1 ? " sentence" : " sentences");
  }

  function route() {
    var hash = decodeURIComponent(location.hash.split("?")[0]);
    if (hash !== "#findings") return;
    var query = new URLSearchParams(location.hash.split("?")[1] || "");
    scope = {};
    SCOPES.forEach(function (k) { if (query.get(k)) scope[k] = query.get(k); });
    theme.value = query.get("theme") || "";
    if (concern) concern.value = query.get("concern") || "";
    apply();
    document.getElementById("findings").scrollIntoView();
  }

  theme.addEventListener("change", apply);
  if (concern) concern.addEventListener("change", apply);
  text.addEventListener("input", apply);
  document.getElementById("f-clear").addEventListener("click", function () {
    scope = {};
    if (concern) concern.value = "";
    apply();
  });
  window.addEventListener("hashchange", route);
  route();

  // Spreadsheet-safe like the product's CSV files: a cell that a spreadsheet would run as a
  // formula gets a leading apostrophe; every cell is quoted.
  function cell(value) {
    var v = String(value);
    if (/^[=+\-@\t]/.test(v)) v = "'" + v;
    return '"' + v.replace(/"/g, '""') + '"';
  }

  document.getElementById("f-export").addEventListener("click", function () {
    var lines = [["letter", "council", "year", "page", "sentence_no", "themes", "concern", "text",
      "evidence"]];
    rows.forEach(function (row) {
      if (row.hidden) return;
      var hits = Array.prototype.map.call(row.querySelectorAll(".hit"), function (h) {
        return h.dataset.theme + " " + h.dataset.score;
      });
      lines.push([row.cells[0].querySelector("a").title, row.dataset.council, row.dataset.year,
        row.dataset.page, row.dataset.no, hits.join("; "), row.dataset.concern, row.cells[4].textContent,
        row.cells[5].textContent]);
    });
    var csv = lines.map(function (l) { return l.map(cell).join(","); }).join("\r\n") + "\r\n";
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
    link.download = "sentences.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
})();
