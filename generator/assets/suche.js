/* cimis: the search page. Pagefind's UI, started with the query from ?q= (the header form sends it). */
(function () {
  "use strict";
  function start() {
    var element = document.getElementById("cimis-suche");
    if (!element || typeof PagefindUI === "undefined") return;
    // A paragraph, not <noscript>: Zensical does not rewrite links inside <noscript>.
    element.querySelectorAll("[data-cimis-ohne-js]").forEach(function (note) { note.remove(); });
    // Pagefind (1.5) lifts every page whose title matches by a lot (title weight 5). Index pages are titled
    // with one word (a topic, a region) and index little text, so that lift put them above the one entry the
    // word belongs to ("Tickets": the topic page before the case). Entries keep their h1 weight in the text.
    var ui = new PagefindUI({ element: "#cimis-suche", showSubResults: true, showImages: false, resetStyles: false,
                              ranking: { metaWeights: { title: 1.0 } } });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) ui.triggerSearch(query);
    var input = element.querySelector("input");
    if (input) {
      input.addEventListener("input", function () {
        var url = new URL(window.location.href);
        if (input.value) url.searchParams.set("q", input.value); else url.searchParams.delete("q");
        window.history.replaceState(null, "", url);
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
