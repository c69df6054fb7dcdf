/* cimis: the workshop planner on /planer/.
 *
 * The page embeds the methods and formats as JSON (#cimis-planner-data) and every word this script shows
 * (#cimis-planner-texts). The plan lives in the URL query, so it can be shared, bookmarked and stepped
 * back through:  ?titel=Ideenwerkstatt&start=09:00&n=12&b=persona:60&b=~Pause:15&b=|&b=crazy-8s:15
 *   b=<slug>:<minutes>   a method card        b=~<title>:<minutes>   a free block        b=|   a new day
 * Links from other pages add to the plan in progress with ?add=<slug>, or start from a format with
 * ?format=<slug>; the last plan is kept in localStorage for that (it never leaves the device).
 * The card PDF is made in the browser with pdf-lib (vendored, loaded on the first click). */
(function () {
  "use strict";

  var STORE = "cimis-planer";
  var DEFAULT_START = "09:00";
  var MAX_MINUTES = 2880;

  // Cut by characters, not UTF-16 units: half an emoji would make encodeURIComponent throw.
  function upTo(text, length) { return Array.from(text).slice(0, length).join(""); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function clock(minutes) {
    var m = ((minutes % 1440) + 1440) % 1440;
    return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
  }

  function parseClock(text) {
    var match = /^(\d{1,2}):(\d{2})$/.exec(text || "");
    if (!match || +match[1] > 23 || +match[2] > 59) return null;
    return +match[1] * 60 + +match[2];
  }

  function setup(root) {
    var data = JSON.parse(document.getElementById("cimis-planner-data").textContent);
    var T = JSON.parse(document.getElementById("cimis-planner-texts").textContent);
    var methods = {};
    data.methods.forEach(function (m) { methods[m.slug] = m; });
    var formats = {};
    data.formats.forEach(function (f) { formats[f.slug] = f; });

    var el = {
      live: root.querySelector("[data-cimis-live]"),
      start: root.querySelector("#planer-beginn"),
      name: root.querySelector("#planer-workshop"),
      printTitle: root.querySelector("[data-cimis-print-title]"),
      replaced: root.querySelector("[data-cimis-replaced]"),
      people: root.querySelector("#planer-personen"),
      group: root.querySelector("[data-cimis-group]"),
      summary: root.querySelector("[data-cimis-summary]"),
      empty: root.querySelector("[data-cimis-empty]"),
      plan: root.querySelector("[data-cimis-plan]"),
      materials: root.querySelector("[data-cimis-materials]"),
      materialsEmpty: root.querySelector("[data-cimis-materials-empty]"),
      search: root.querySelector("#planer-suche"),
      searchCount: root.querySelector("[data-cimis-search-count]"),
      methodItems: Array.prototype.slice.call(root.querySelectorAll("[data-cimis-methods] li")),
      freeForm: root.querySelector("[data-cimis-free-form]"),
      freeTitle: root.querySelector("#planer-titel"),
      freeMinutes: root.querySelector("#planer-minuten"),
      deck: root.querySelector("[data-cimis-deck]"),
      deckStatus: root.querySelector("[data-cimis-deck-status]"),
      format: root.querySelector("#planer-format")
    };
    var nextId = 1;
    var rows = {};       // block id → its <li>, reused so that focus and typing survive a re-render
    var checked = {};    // material key → ticked (the checklist is for the day, not part of the plan)
    var state = { name: "", start: DEFAULT_START, people: null, blocks: [] };

    function block(fields) { fields.id = nextId++; return fields; }

    function clampMinutes(value, fallback) {
      var n = parseInt(value, 10);
      return isFinite(n) && n >= 1 ? Math.min(n, MAX_MINUTES) : fallback;
    }

    /* --- the plan as text: URL query and storage ------------------------------------------------- */

    function parse(query) {
      var params = new URLSearchParams(query);
      var plan = { name: upTo((params.get("titel") || "").trim(), el.name.maxLength), start: DEFAULT_START, people: null, blocks: [] };
      var notes = [];
      if (parseClock(params.get("start")) !== null) plan.start = clock(parseClock(params.get("start")));
      var people = parseInt(params.get("n"), 10);
      if (people >= 1 && people <= 500) plan.people = people;
      params.getAll("b").forEach(function (token) {
        if (token === "|") { plan.blocks.push(block({ kind: "day" })); return; }
        var cut = token.lastIndexOf(":");
        var name = cut > 0 ? token.slice(0, cut) : token;
        var minutes = cut > 0 ? parseInt(token.slice(cut + 1), 10) : NaN;
        if (name.charAt(0) === "~") {
          var title = upTo(name.slice(1).trim(), el.freeTitle.maxLength);
          if (title) plan.blocks.push(block({ kind: "free", title: title, minutes: clampMinutes(minutes, 15) }));
        } else if (methods[name]) {
          plan.blocks.push(block({ kind: "method", slug: name, minutes: clampMinutes(minutes, methods[name].duration[0]) }));
        } else if (name) {
          notes.push(fill(T.unknown, { slug: name }));
        }
      });
      return { plan: plan, notes: notes, params: params };
    }

    // Written by hand rather than with URLSearchParams, which would escape ":" and "~" and make links unreadable.
    function serialise(plan) {
      var parts = [];
      var put = function (key, value) { parts.push(key + "=" + encodeURIComponent(value).replace(/%3A/g, ":")); };
      if (plan.name) put("titel", plan.name);
      if (plan.start !== DEFAULT_START) put("start", plan.start);
      if (plan.people) put("n", String(plan.people));
      plan.blocks.forEach(function (b) {
        if (b.kind === "day") put("b", "|");
        else if (b.kind === "free") put("b", "~" + b.title + ":" + b.minutes);
        else put("b", b.slug + ":" + b.minutes);
      });
      return parts.length ? "?" + parts.join("&") : "";
    }

    function remember(query) {
      try { window.localStorage.setItem(STORE, query); } catch (e) { /* storage off: the URL still holds the plan */ }
    }

    function remembered() {
      try { return window.localStorage.getItem(STORE) || ""; } catch (e) { return ""; }
    }

    // "push" for a step a person may want to undo with the back button, "replace" while typing in a field.
    function commit(mode) {
      var query = serialise(state);
      var url = window.location.pathname + query + window.location.hash;
      if (query !== window.location.search) {
        if (mode === "push") window.history.pushState(null, "", url); else window.history.replaceState(null, "", url);
      }
      remember(query);
    }

    /* --- computing the plan ---------------------------------------------------------------------- */

    function title(b) { return b.kind === "method" ? methods[b.slug].title : b.title; }

    function duration(minutes) {
      var h = Math.floor(minutes / 60), m = minutes % 60;
      if (!h) return fill(T.minutes, { m: m });
      return m ? fill(T.hours_minutes, { h: h, m: m }) : fill(T.hours, { h: h });
    }

    // Clock time and day of every block; a new day starts again at the start time.
    function schedule() {
      var start = parseClock(state.start);
      var day = 1, at = start, total = 0, slots = {};
      state.blocks.forEach(function (b) {
        if (b.kind === "day") { day++; at = start; slots[b.id] = { day: day }; return; }
        slots[b.id] = { day: day, from: at, to: at + b.minutes };
        at += b.minutes;
        total += b.minutes;
      });
      return { slots: slots, days: day, total: total, end: at, start: start };
    }

    function summaryText(s) {
      var count = state.blocks.filter(function (b) { return b.kind !== "day"; }).length;
      if (!count) return T.restored_empty;
      if (s.days > 1) return fill(T.summary_days, { count: count, days: s.days, duration: duration(s.total) });
      return fill(count === 1 ? T.summary_one : T.summary,
                  { count: count, duration: duration(s.total), from: clock(s.start), to: clock(s.end) });
    }

    function minutesWarning(b) {
      var range = methods[b.slug].duration;
      var values = { title: title(b), min: range[0], max: range[1] };
      if (b.minutes < range[0]) return fill(T.warn_minutes_low, values);
      if (b.minutes > range[1]) return fill(T.warn_minutes_high, values);
      return "";
    }

    function groupWarning(b) {
      var size = methods[b.slug].group_size, people = state.people;
      if (!people) return "";
      var values = { min: size[0], max: size[1], people: people };
      if (people < size[0]) return fill(T.warn_group_small, values);
      if (people > size[1]) return fill(T.warn_group_large, values);
      return "";
    }

    /* --- drawing --------------------------------------------------------------------------------- */

    function button(action, text, extra) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "cimis-block__button" + (extra ? " " + extra : "");
      b.setAttribute("data-action", action);
      b.innerHTML = text;
      return b;
    }

    function newRow(b) {
      var li = document.createElement("li");
      li.setAttribute("data-id", String(b.id));
      if (b.kind === "day") {
        li.className = "cimis-day";
        li.setAttribute("data-cimis-day-start", "");
        li.innerHTML = '<span class="cimis-day__title" data-part="title"></span>';
      } else {
        li.className = "cimis-block";
        li.setAttribute("data-cimis-block", "");
        li.innerHTML = '<span class="cimis-block__time" data-cimis-time></span>' +
          '<div class="cimis-block__body"><span class="cimis-block__title" data-part="title"></span> ' +
          '<small class="cimis-block__facts" data-part="facts"></small>' +
          '<p class="cimis-block__warning" data-cimis-warning="minutes" hidden></p>' +
          '<p class="cimis-block__warning" data-cimis-warning="group" hidden></p></div>' +
          '<div class="cimis-block__minutes"><input type="number" min="1" max="' + MAX_MINUTES + '" step="5" ' +
          'inputmode="numeric" data-part="minutes"><span class="cimis-block__unit" aria-hidden="true"></span>' +
          '<span class="cimis-block__print" data-part="print"></span></div>';
        li.querySelector(".cimis-block__unit").textContent = T.unit;
        var input = li.querySelector("[data-part=minutes]");
        editing(input, function () {
          var index = blockAt(input), minutes = clampMinutes(input.value, 0);
          if (index < 0 || !minutes) return false;
          state.blocks[index].minutes = minutes;
          return true;
        });
      }
      var controls = document.createElement("div");
      controls.className = "cimis-block__controls";
      controls.append(button("up", "↑"), button("down", "↓"), button("remove", "✕", "cimis-block__button--remove"));
      li.append(controls);
      return li;
    }

    function setWarning(node, text) {
      node.hidden = !text;
      node.textContent = text ? "⚠ " + text : "";
    }

    function drawRow(li, b, slot, index, count) {
      var name = b.kind === "day" ? fill(T.day_title, { day: slot.day }) : title(b);
      var titleNode = li.querySelector("[data-part=title]");
      if (b.kind === "method") {
        var m = methods[b.slug];
        if (!titleNode.firstChild || titleNode.firstChild.textContent !== m.title) {
          titleNode.innerHTML = "";
          var link = document.createElement("a");
          link.href = m.url;
          link.textContent = m.title;
          titleNode.append(link);
        }
        li.querySelector("[data-part=facts]").textContent = fill(T.facts_method, {
          duration: m.duration[0] + "–" + m.duration[1], group: m.group_size[0] + "–" + m.group_size[1] });
      } else {
        titleNode.textContent = name;
        if (b.kind === "free") li.querySelector("[data-part=facts]").textContent = T.facts_free;
      }
      if (b.kind !== "day") {
        var time = li.querySelector("[data-cimis-time]");
        time.textContent = clock(slot.from);
        var input = li.querySelector("[data-part=minutes]");
        input.setAttribute("aria-label", fill(T.minutes_label, { title: name }));
        if (document.activeElement !== input) input.value = String(b.minutes);
        li.querySelector("[data-part=print]").textContent = fill(T.minutes_print, { minutes: b.minutes });
        var minutesNote = b.kind === "method" ? minutesWarning(b) : "";
        var groupNote = b.kind === "method" ? groupWarning(b) : "";
        setWarning(li.querySelector("[data-cimis-warning=minutes]"), minutesNote);
        setWarning(li.querySelector("[data-cimis-warning=group]"), groupNote);
        input.setAttribute("aria-invalid", minutesNote ? "true" : "false");
        li.classList.toggle("cimis-block--warning", !!(minutesNote || groupNote));
      }
      var up = li.querySelector("[data-action=up]"), down = li.querySelector("[data-action=down]");
      up.setAttribute("aria-label", fill(T.up, { title: name }));
      down.setAttribute("aria-label", fill(T.down, { title: name }));
      li.querySelector("[data-action=remove]").setAttribute("aria-label", fill(T.remove, { title: name }));
      up.disabled = index === 0;
      down.disabled = index === count - 1;
    }

    function drawMaterials() {
      var items = [], byKey = {};
      state.blocks.forEach(function (b) {
        if (b.kind !== "method") return;
        methods[b.slug].materials.forEach(function (text) {
          var key = text.trim().toLowerCase();
          if (!byKey[key]) { byKey[key] = { key: key, text: text.trim(), users: [] }; items.push(byKey[key]); }
          if (byKey[key].users.indexOf(methods[b.slug].title) === -1) byKey[key].users.push(methods[b.slug].title);
        });
      });
      el.materials.innerHTML = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.id = "planer-material-" + i;
        box.checked = !!checked[item.key];
        box.addEventListener("change", function () { checked[item.key] = box.checked; });
        var label = document.createElement("label");
        label.htmlFor = box.id;
        label.textContent = item.text;
        var users = document.createElement("small");
        users.textContent = " " + fill(T.used_by, { methods: item.users.join(", ") });
        li.append(box, " ", label, users);
        el.materials.append(li);
      });
      el.materialsEmpty.hidden = items.length > 0;
    }

    function render() {
      var s = schedule();
      var keep = {};
      var count = state.blocks.length;
      state.blocks.forEach(function (b, index) {
        var li = rows[b.id] || (rows[b.id] = newRow(b));
        keep[b.id] = true;
        drawRow(li, b, s.slots[b.id], index, count);
        if (el.plan.children[index] !== li) el.plan.insertBefore(li, el.plan.children[index] || null);
      });
      Object.keys(rows).forEach(function (id) {
        if (!keep[id]) { rows[id].remove(); delete rows[id]; }
      });
      el.empty.hidden = count > 0;
      el.summary.hidden = count === 0;
      el.summary.textContent = summaryText(s);
      if (document.activeElement !== el.start) el.start.value = state.start;
      if (document.activeElement !== el.name) el.name.value = state.name;
      el.printTitle.textContent = state.name;
      el.printTitle.hidden = !state.name;
      if (document.activeElement !== el.people) el.people.value = state.people ? String(state.people) : "";
      var misfits = state.blocks.filter(function (b) { return b.kind === "method" && groupWarning(b); }).length;
      el.group.textContent = !state.people ? "" : fill(
        misfits === 0 ? T.group_summary_none : misfits === 1 ? T.group_summary_one : T.group_summary,
        { people: state.people, misfits: misfits });
      drawMaterials();
      return s;
    }

    function say(text) {
      // A fresh text node each time, so that a screen reader announces a repeated message again.
      el.live.textContent = "";
      window.setTimeout(function () { el.live.textContent = text; }, 50);
    }

    function change(mode, message) {
      var s = render();
      commit(mode);
      if (message) say(fill(message, { summary: summaryText(s) }));
      return s;
    }

    /* --- what a person does ------------------------------------------------------------------------ */

    function add(b) {
      state.blocks.push(b);
      var s = render();
      commit("push");
      if (b.kind === "day") say(fill(T.added_day, { day: s.slots[b.id].day, summary: summaryText(s) }));
      else say(fill(T.added, { title: title(b), time: clock(s.slots[b.id].from), minutes: b.minutes, summary: summaryText(s) }));
    }

    function addMethod(slug) {
      add(block({ kind: "method", slug: slug, minutes: methods[slug].duration[0] }));
    }

    function blockAt(node) {
      var li = node.closest("[data-id]");
      var id = li ? +li.getAttribute("data-id") : 0;
      for (var i = 0; i < state.blocks.length; i++) if (state.blocks[i].id === id) return i;
      return -1;
    }

    function act(action, index) {
      var b = state.blocks[index];
      var name = b.kind === "day" ? fill(T.day_title, { day: schedule().slots[b.id].day }) : title(b);
      if (action === "remove") {
        state.blocks.splice(index, 1);
        var s = change("push", null);
        say(fill(T.removed, { title: name, summary: summaryText(s) }));
        // Focus goes to the block that took its place, else to the one before, else to the heading.
        var next = state.blocks[Math.min(index, state.blocks.length - 1)];
        var target = next ? rows[next.id].querySelector("[data-action=remove]") : document.getElementById("planer-ablauf");
        if (!next) target.setAttribute("tabindex", "-1");
        target.focus();
        return;
      }
      var to = action === "up" ? index - 1 : index + 1;
      if (to < 0 || to >= state.blocks.length) return;
      state.blocks.splice(index, 1);
      state.blocks.splice(to, 0, b);
      var moved = change("push", null);
      var control = rows[b.id].querySelector("[data-action=" + action + "]");
      (control.disabled ? rows[b.id].querySelector("[data-action=" + (action === "up" ? "down" : "up") + "]") : control).focus();
      var slot = moved.slots[b.id];
      say(fill(T.moved, { title: name, position: to + 1, count: state.blocks.length,
                          time: slot.from === undefined ? clock(moved.start) : clock(slot.from) }));
    }

    el.plan.addEventListener("click", function (event) {
      var control = event.target.closest("button[data-action]");
      if (!control) return;
      var index = blockAt(control);
      if (index >= 0) act(control.getAttribute("data-action"), index);
    });

    // One history entry per field edit: the first keystroke pushes, the following ones replace it.
    function editing(field, apply) {
      var pushed = false;
      field.addEventListener("focus", function () { pushed = false; });
      field.addEventListener("input", function () {
        if (!apply()) return;
        render();
        commit(pushed ? "replace" : "push");
        pushed = true;
      });
      field.addEventListener("change", function () { if (apply()) say(fill(T.changed, { summary: summaryText(render()) })); });
    }

    editing(el.name, function () {
      state.name = upTo(el.name.value.trim(), el.name.maxLength);
      return true;
    });
    editing(el.start, function () {
      if (parseClock(el.start.value) === null) return false;
      state.start = el.start.value;
      return true;
    });
    editing(el.people, function () {
      var n = parseInt(el.people.value, 10);
      if (el.people.value === "") { state.people = null; return true; }
      if (!(n >= 1 && n <= 500)) return false;
      state.people = n;
      return true;
    });

    root.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target || el.plan.contains(target)) return;
      if (target.hasAttribute("data-cimis-add")) addMethod(target.getAttribute("data-cimis-add"));
      else if (target.hasAttribute("data-cimis-free")) {
        add(block({ kind: "free", title: target.getAttribute("data-cimis-free"),
                    minutes: clampMinutes(target.getAttribute("data-minutes"), 15) }));
      } else if (target.hasAttribute("data-cimis-day")) add(block({ kind: "day" }));
      else if (target.hasAttribute("data-cimis-print")) window.print();
      else if (target.hasAttribute("data-cimis-clear")) {
        state.blocks = [];
        change("push", T.cleared);
      } else if (target.hasAttribute("data-cimis-format") && el.format && formats[el.format.value]) {
        say(startFrom(formats[el.format.value], { name: state.name, people: state.people, blocks: state.blocks }));
        commit("push");
      } else if (target.hasAttribute("data-cimis-deck")) makeDeck();
    });

    el.freeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = el.freeTitle.value.trim();
      if (!text) { say(T.free_missing); el.freeTitle.focus(); return; }
      add(block({ kind: "free", title: upTo(text, el.freeTitle.maxLength), minutes: clampMinutes(el.freeMinutes.value, 15) }));
      el.freeTitle.value = "";
    });

    el.search.addEventListener("input", function () {
      var words = el.search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      el.methodItems.forEach(function (li) {
        var haystack = li.getAttribute("data-search");
        var hit = words.every(function (w) { return haystack.indexOf(w) !== -1; });
        li.hidden = !hit;
        if (hit) shown++;
      });
      el.searchCount.textContent = !words.length ? "" : shown ? fill(T.search_count, { shown: shown, total: el.methodItems.length })
        : fill(T.search_none, { query: el.search.value.trim() });
    });

    // ``before`` is the plan a format replaces; a link on the page brings it back (nothing is lost silently).
    function startFrom(format, before) {
      var day = 1;
      if (before.blocks.length) {
        el.replaced.querySelector("a").href = window.location.pathname + serialise(before);
        el.replaced.hidden = false;
      }
      state.blocks = [];
      format.agenda.forEach(function (item) {
        for (; day < (item.day || 1); day++) state.blocks.push(block({ kind: "day" }));
        if (item.method && methods[item.method]) state.blocks.push(block({ kind: "method", slug: item.method, minutes: item.minutes }));
        else if (item.title) state.blocks.push(block({ kind: "free", title: item.title, minutes: item.minutes }));
      });
      if (!state.people) state.people = before.people || format.participants[0];
      if (!state.name) state.name = before.name;
      return fill(before.blocks.length ? T.format_replaced : T.format_loaded,
                  { title: format.title, summary: summaryText(render()) });
    }

    /* --- the card PDF -------------------------------------------------------------------------------- */

    function loadScript(src, ready) {
      if (ready()) return Promise.resolve();
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { ready() ? resolve() : reject(new Error(src)); };
        script.onerror = function () { reject(new Error(src)); };
        document.head.append(script);
      });
    }

    function fromBase64(text) {
      var raw = window.atob(text), bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      return bytes;
    }

    // Over http(s) the cards are fetched; from a folder (file://) the browser forbids that, so the offline
    // bundle ships them as one script that a <script> element may still load.
    function cardBytes(slug) {
      if (window.location.protocol === "file:") {
        return loadScript(root.getAttribute("data-offline-cards"), function () { return !!window.cimisCardPdfs; })
          .then(function () {
            if (!window.cimisCardPdfs[slug]) throw new Error(slug + ".pdf");
            return fromBase64(window.cimisCardPdfs[slug]);
          });
      }
      return window.fetch(methods[slug].pdf).then(function (response) {
        if (!response.ok) throw new Error(slug + ".pdf: HTTP " + response.status);
        return response.arrayBuffer();
      });
    }

    async function makeDeck() {
      var slugs = [];
      state.blocks.forEach(function (b) { if (b.kind === "method" && slugs.indexOf(b.slug) === -1) slugs.push(b.slug); });
      var status = function (text) { el.deckStatus.textContent = text; say(text); };
      if (!slugs.length) { status(T.deck_empty); return; }
      el.deck.disabled = true;
      el.deck.setAttribute("aria-busy", "true");
      status(fill(T.deck_loading, { count: slugs.length }));
      try {
        await loadScript(root.getAttribute("data-pdf-lib"), function () { return !!window.PDFLib; });
        var cards = await Promise.all(slugs.map(cardBytes));
        var deck = await window.PDFLib.PDFDocument.create();
        deck.setTitle(T.deck_title);
        deck.setLanguage("de-DE");
        for (var i = 0; i < cards.length; i++) {
          var card = await window.PDFLib.PDFDocument.load(cards[i]);
          var pages = await deck.copyPages(card, card.getPageIndices());
          pages.forEach(function (page) { deck.addPage(page); });
        }
        var bytes = await deck.save();
        var url = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
        var link = document.createElement("a");
        link.href = url;
        link.download = T.deck_file;
        document.body.append(link);
        link.click();
        link.remove();
        window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        status(fill(T.deck_done, { count: slugs.length, pages: deck.getPageCount(), file: T.deck_file }));
      } catch (error) {
        status(fill(window.location.protocol === "file:" ? T.deck_offline : T.deck_failed, { error: error.message }));
      } finally {
        el.deck.disabled = false;
        el.deck.removeAttribute("aria-busy");
      }
    }

    /* --- start ------------------------------------------------------------------------------------------ */

    function load(query, fromLink) {
      var result = parse(query);
      var loaded = null;
      state = result.plan;
      el.replaced.hidden = true;
      if (fromLink) {
        var adds = result.params.getAll("add").filter(function (slug) { return methods[slug]; });
        var format = formats[result.params.get("format")];
        if (format) loaded = startFrom(format, parse(remembered()).plan);
        else if (adds.length && !result.params.getAll("b").length) state = parse(remembered()).plan;
        adds.forEach(function (slug) { state.blocks.push(block({ kind: "method", slug: slug, minutes: methods[slug].duration[0] })); });
        result.params.getAll("add").filter(function (slug) { return !methods[slug]; }).forEach(function (slug) {
          result.notes.push(fill(T.unknown, { slug: slug }));
        });
      }
      var s = render();
      var notes = result.notes.slice();
      if (loaded) notes.unshift(loaded);
      else if (state.blocks.length) notes.unshift(fill(T.restored, { summary: summaryText(s) }));
      if (notes.length) say(notes.join(" "));
    }

    window.addEventListener("popstate", function () { load(window.location.search, false); remember(serialise(state)); });

    var first = window.location.search;
    // Opening /planer/ without a plan (from the navigation) continues the plan in progress.
    if (!first) first = remembered();
    load(first, true);
    commit("replace");
    root.hidden = false;
  }

  function start() {
    var root = document.querySelector("[data-cimis-planer]");
    if (root && !root.getAttribute("data-cimis-ready")) {
      root.setAttribute("data-cimis-ready", "1");
      setup(root);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
