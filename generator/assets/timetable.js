/* cimis: the start-time control of a format's timetable (/formate/<slug>/).
 *
 * The page lists each day's blocks as rows <tr data-cimis-block data-minutes="N"> with their clock time in
 * [data-cimis-time], worked out for the printed start (09:00). The control lets the reader pick another start;
 * every day then begins at that time and each row's time follows from the minutes of the rows above it.
 * Without JavaScript the control stays hidden and the times for 09:00 show. No dependencies. */
(function () {
  "use strict";

  function clock(minutes) {
    var day = ((minutes % 1440) + 1440) % 1440;
    var h = Math.floor(day / 60), m = day % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function parse(value) {
    var match = /^(\d{1,2}):(\d{2})/.exec(value || "");
    return match ? Number(match[1]) * 60 + Number(match[2]) : null;
  }

  function setup(root) {
    if (root.getAttribute("data-cimis-ready")) return;
    root.setAttribute("data-cimis-ready", "1");
    var input = root.querySelector("[data-cimis-start]");
    var status = root.querySelector("[data-cimis-start-status]");
    var days = Array.prototype.slice.call(root.querySelectorAll("[data-cimis-day]"));

    function render(announce) {
      var start = parse(input.value);
      if (start === null) return;
      var ends = [];
      days.forEach(function (day) {
        var at = start;
        day.querySelectorAll("[data-cimis-block]").forEach(function (row) {
          var time = row.querySelector("[data-cimis-time]");
          time.textContent = clock(at);
          time.setAttribute("datetime", clock(at));
          at += Number(row.getAttribute("data-minutes")) || 0;
        });
        var end = day.querySelector("[data-cimis-end]");
        if (end) { end.textContent = clock(at); end.setAttribute("datetime", clock(at)); }
        var span = day.querySelector("[data-cimis-day-span]");
        if (span) span.textContent = clock(start) + " bis " + clock(at) + " Uhr";
        ends.push(clock(at));
      });
      if (announce) {
        status.textContent = "Beginn " + clock(start) + " Uhr, Ende " +
          (ends.length > 1 ? "der Tage " + ends.join(", ") : ends[0]) + " Uhr";
      }
    }

    input.addEventListener("change", function () { render(true); });
    input.addEventListener("input", function () { render(false); });
    root.querySelector("[data-cimis-start-control]").hidden = false;
    render(false);
  }

  function start() {
    document.querySelectorAll("[data-cimis-timetable]").forEach(setup);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
