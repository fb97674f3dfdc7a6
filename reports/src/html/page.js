"use strict";
(function () {
  var filter = document.getElementById("filter");
  var toggles = Array.prototype.slice.call(document.querySelectorAll("input[data-outcome]"));
  var cases = Array.prototype.slice.call(document.querySelectorAll("details.case"));
  var shown = document.getElementById("shown");

  function visible() {
    return cases.filter(function (c) { return !c.hidden; });
  }

  function apply() {
    var terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var enabled = {};
    toggles.forEach(function (t) { enabled[t.getAttribute("data-outcome")] = t.checked; });
    var count = 0;
    cases.forEach(function (c) {
      var text = c.getAttribute("data-search") || "";
      var match = enabled[c.getAttribute("data-outcome")] === true &&
        terms.every(function (term) { return text.indexOf(term) !== -1; });
      c.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = count + " of " + cases.length + " cases shown";
  }

  filter.addEventListener("input", apply);
  toggles.forEach(function (t) { t.addEventListener("change", apply); });
  document.getElementById("expand-all").addEventListener("click", function () {
    visible().forEach(function (c) { c.open = true; });
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    cases.forEach(function (c) { c.open = false; });
  });
  apply();

  function openFromHash() {
    var target = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.classList.contains("case")) {
      target.hidden = false;
      target.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();

  if (location.hash === "#selftest") { selftest(); }

  // In-page test for the Chromium check: exercises the filter, a toggle and a details
  // element, then writes one line per check into the selftest block.
  function selftest() {
    var lines = [];
    function check(name, ok, detail) {
      lines.push((ok ? "ok   " : "FAIL ") + name + (detail === undefined ? "" : " (" + detail + ")"));
    }
    function type(text) {
      filter.value = text;
      filter.dispatchEvent(new Event("input"));
    }
    var total = cases.length;
    check("every case shown at first", visible().length === total, visible().length + "/" + total);
    check("only the page's own script exists", document.scripts.length === 1, document.scripts.length);

    var term = total > 0 ? cases[0].getAttribute("data-requirement") : "";
    type(term);
    var hits = visible();
    check("filter keeps only matching cases", hits.length >= 1 && hits.every(function (c) {
      return c.getAttribute("data-search").indexOf(term.toLowerCase()) !== -1;
    }), term + ": " + hits.length);
    type("no-such-case-anywhere");
    check("filter hides everything on no match", visible().length === 0, visible().length);
    type("");
    check("clearing the filter shows every case", visible().length === total, visible().length);

    var passToggle = toggles.filter(function (t) { return t.getAttribute("data-outcome") === "pass"; })[0];
    var passing = cases.filter(function (c) { return c.getAttribute("data-outcome") === "pass"; }).length;
    passToggle.click();
    check("pass toggle hides passing cases", visible().length === total - passing &&
      visible().every(function (c) { return c.getAttribute("data-outcome") !== "pass"; }),
      visible().length + " shown, " + passing + " passing");
    passToggle.click();
    check("pass toggle brings them back", visible().length === total, visible().length);

    var target = document.querySelector("details.case[data-outcome=\"fail\"]") || cases[0];
    var summary = target ? target.querySelector("summary") : null;
    if (summary) {
      summary.click();
      check("clicking a case opens its details", target.open === true, target.id);
      check("open details show the transcript", target.querySelector(".exchange") !== null);
      summary.click();
      check("clicking again closes them", target.open === false);
    } else {
      check("a case to open exists", false);
    }

    var failed = lines.filter(function (l) { return l.indexOf("FAIL") === 0; }).length;
    lines.push(failed === 0 ? "selftest: passed" : "selftest: failed " + failed);
    var out = document.getElementById("selftest");
    out.textContent = lines.join("\n");
    out.hidden = false;
  }
})();
