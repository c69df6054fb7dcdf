/* cimis: filters on the overview pages /faelle/ and /methoden/.
 *
 * The page lists every entry as <li class="cimis-entry" data-f-NAME="value value …">; the form holds one
 * group of checkboxes per filter NAME. An entry shows when it matches every filter that has a choice
 * (AND across filters) and, within one filter, any chosen value (OR). Each choice shows how many entries
 * it would leave given the other filters. The choices live in the URL query (?region=dresden&jahr=2025),
 * so a filtered list can be shared and the back button steps through earlier choices.
 * Without JavaScript the form stays hidden and the full list shows. No dependencies. */
(function () {
  "use strict";

  function groupsOf(form) {
    var groups = [];
    form.querySelectorAll("[data-facet]").forEach(function (el) {
      var boxes = Array.prototype.slice.call(el.querySelectorAll("input[type=checkbox]"));
      groups.push({ name: el.getAttribute("data-facet"), el: el, boxes: boxes });
    });
    return groups;
  }

  function valuesOf(item, name) {
    var raw = item.getAttribute("data-f-" + name);
    return raw ? raw.split(" ") : [];
  }

  function matches(item, group, chosen) {
    if (!chosen.length) return true;
    var values = valuesOf(item, group.name);
    for (var i = 0; i < chosen.length; i++) if (values.indexOf(chosen[i]) !== -1) return true;
    return false;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function setup(root) {
    if (root.getAttribute("data-cimis-ready")) return;
    root.setAttribute("data-cimis-ready", "1");
    var form = root.querySelector("form");
    var finder = root.parentElement;
    var items = Array.prototype.slice.call(finder.querySelectorAll("li.cimis-entry"));
    var status = finder.querySelector("[data-cimis-status]");
    var reset = finder.querySelector("[data-cimis-reset]");
    var panel = root.querySelector(".cimis-facets__panel");
    var groups = groupsOf(form);

    function chosen(group) {
      return group.boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    }

    function render() {
      var selection = groups.map(chosen);
      var shown = 0;
      // Per item: which filters it fails. Visible when none; counts for a filter ignore that filter itself.
      var misses = items.map(function (item) {
        var failed = groups.map(function (g, i) { return !matches(item, g, selection[i]); });
        var count = failed.filter(Boolean).length;
        item.hidden = count > 0;
        if (!count) shown++;
        return { item: item, failed: failed, count: count };
      });
      groups.forEach(function (group, i) {
        group.boxes.forEach(function (box) {
          var n = 0;
          misses.forEach(function (m) {
            var othersPass = m.count === 0 || (m.count === 1 && m.failed[i]);
            if (othersPass && valuesOf(m.item, group.name).indexOf(box.value) !== -1) n++;
          });
          var label = box.closest("label");
          label.querySelector("[data-cimis-count]").textContent = String(n);
          label.classList.toggle("cimis-facet__choice--empty", n === 0 && !box.checked);
        });
        var mark = group.el.querySelector("[data-cimis-active]");
        if (mark) mark.textContent = selection[i].length ? "(" + selection[i].length + ")" : "";
      });
      var active = selection.reduce(function (sum, s) { return sum + s.length; }, 0);
      var key = !active ? "all" : shown ? "some" : "none";
      status.textContent = format(root.getAttribute("data-text-" + key), { shown: shown, total: items.length });
      root.querySelector("[data-cimis-active-total]").textContent = active ? "(" + active + ")" : "";
      reset.hidden = !active;
    }

    function readUrl() {
      var params = new URLSearchParams(window.location.search);
      groups.forEach(function (group) {
        var wanted = params.getAll(group.name);
        group.boxes.forEach(function (box) { box.checked = wanted.indexOf(box.value) !== -1; });
        if (wanted.length) group.el.open = true;
      });
    }

    function writeUrl() {
      var params = new URLSearchParams(window.location.search);
      groups.forEach(function (group) {
        params.delete(group.name);
        chosen(group).forEach(function (value) { params.append(group.name, value); });
      });
      var query = params.toString();
      var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
      if (url !== window.location.pathname + window.location.search + window.location.hash) {
        window.history.pushState({ cimisFacets: true }, "", url);
      }
    }

    form.addEventListener("change", function () { writeUrl(); render(); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    reset.addEventListener("click", function () {
      groups.forEach(function (group) { group.boxes.forEach(function (box) { box.checked = false; }); });
      writeUrl();
      render();
      // The button hides itself; keep keyboard focus where the filters start.
      panel.open = true;
      panel.querySelector("summary").focus();
    });
    window.addEventListener("popstate", function () {
      if (!root.isConnected) return;
      readUrl();
      render();
    });

    readUrl();
    // On a phone the filters start folded (the summary shows how many are chosen): the list comes first.
    if (window.matchMedia && window.matchMedia("(max-width: 44.9375em)").matches) panel.open = false;
    finder.classList.add("cimis-finder--active");
    root.hidden = false;
    render();
  }

  function start() {
    document.querySelectorAll("[data-cimis-facets]").forEach(setup);
  }

  // Material's instant navigation (if ever switched on) announces each new page on document$.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
