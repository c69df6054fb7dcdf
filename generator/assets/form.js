/* cimis contribution form: the fields → the entry file, checked against the published JSON Schema and the
   body rules, with a draft kept in this browser only (localStorage; no cookies, nothing sent anywhere).
   Everything it knows about fields, limits and allowed values comes from the page's JSON (the schema). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-cimis-form]");
  var vendor = window.cimisVendor;
  if (!form || !vendor) return;
  var data = JSON.parse(document.getElementById("cimis-form-data").textContent);
  var words = JSON.parse(document.getElementById("cimis-form-messages").textContent);
  var ajv = new vendor.Ajv({ allErrors: true, strict: false, verbose: true });
  vendor.addFormats(ajv, ["date"]);
  var checkSchema = ajv.compile(data.schema);
  var rules = data.rules;
  var slugPattern = new RegExp(rules.slug);
  var storageKey = "cimis-entwurf-" + data.kind;
  // GitHub answers longer new-file links with an error; mail programs (Outlook first) cut mailto: links
  // of more than about 2,000 characters.
  var GITHUB_LIMIT = 8000;
  var MAIL_LIMIT = 2000;
  var ways = document.querySelector("[data-cimis-ways]");
  var output = document.querySelector("[data-cimis-output]");
  var github = document.querySelector("a[data-cimis-github]");
  var mail = document.querySelector("a[data-cimis-mail]");
  var slugInput = form.querySelector("[data-cimis-slug]");
  var consent = form.querySelector("[data-cimis-consent]");
  var summary = form.querySelector("[data-cimis-summary]");
  var touched = new Set();
  var showAll = false;
  var slugEdited = false;
  var current = null;

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? String(values[key]) : all; });
  }
  function byName(name) { return form.querySelector('[name="' + CSS.escape(name) + '"]'); }
  function oneLine(text) { return String(text || "").replace(/\s+/g, " ").trim(); }
  function length(text) { return Array.from(text).length; } // code points, as the schema and Python count
  function transliterate(text) {
    return text.toLowerCase().replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss");
  }
  // A long title gives a file name cut between two words, never inside one (as slug_for in Python).
  function suggestSlug(title) {
    var slug = transliterate(title).normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    if (slug.length <= rules.slugLength) return slug;
    var cut = slug.lastIndexOf("-", rules.slugLength);
    return slug.slice(0, cut > 0 ? cut : rules.slugLength).replace(/-+$/, "");
  }
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  // --- repeated rows (creatives, materials, links, steps) -------------------------------------------
  function listOf(name) { return form.querySelector('[data-cimis-list="' + CSS.escape(name) + '"]'); }
  function rowsOf(name) {
    var list = listOf(name);
    return list ? Array.from(list.querySelector("[data-cimis-rows]").children) : [];
  }
  function refreshList(list) {
    var rows = Array.from(list.querySelector("[data-cimis-rows]").children);
    var min = Number(list.dataset.min), max = Number(list.dataset.max);
    rows.forEach(function (row, r) {
      row.querySelectorAll("[data-cimis-number]").forEach(function (el) { el.textContent = format(words.number, { n: r + 1 }); });
      row.querySelectorAll("[data-cimis-remove]").forEach(function (button) { button.hidden = rows.length <= Math.max(min, 1); });
    });
    list.querySelector("[data-cimis-add]").disabled = rows.length >= max;
  }
  function addRow(list) {
    var container = list.querySelector("[data-cimis-rows]");
    var html = list.querySelector("template[data-cimis-row-template]").innerHTML;
    container.insertAdjacentHTML("beforeend", html.split("__i__").join(String(container.children.length)));
    refreshList(list);
    return container.lastElementChild;
  }
  function readValues(root) {
    var values = {};
    root.querySelectorAll("[name]").forEach(function (el) {
      if (el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) values[el.name].push(el.value);
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }
  function writeValues(root, values) {
    root.querySelectorAll("[name]").forEach(function (el) {
      var value = values[el.name];
      if (value === undefined) return;
      if (el.type === "checkbox") el.checked = Array.isArray(value) && value.indexOf(el.value) >= 0;
      else el.value = value;
    });
  }
  function setRowCount(list, count) {
    var container = list.querySelector("[data-cimis-rows]");
    while (container.children.length > count) container.lastElementChild.remove();
    while (container.children.length < count) addRow(list);
    refreshList(list);
  }
  function removeRow(list, row) {
    var name = list.dataset.cimisList;
    var rows = Array.from(list.querySelector("[data-cimis-rows]").children);
    var index = rows.indexOf(row);
    var snapshots = rows.map(function (each, r) {
      var values = readValues(each), relative = {};
      Object.keys(values).forEach(function (key) { relative[key.replace(name + "." + r, name + ".__i__")] = values[key]; });
      return relative;
    });
    snapshots.splice(index, 1);
    setRowCount(list, snapshots.length);
    snapshots.forEach(function (values, r) {
      var absolute = {};
      Object.keys(values).forEach(function (key) { absolute[key.replace(name + ".__i__", name + "." + r)] = values[key]; });
      writeValues(list, absolute);
    });
  }
  function resetRows() {
    form.querySelectorAll("[data-cimis-list]").forEach(function (list) {
      setRowCount(list, Math.max(Number(list.dataset.min), 1));
    });
  }

  // --- the form as data -------------------------------------------------------------------------------
  // ``names`` maps each JSON pointer in the data to the control (or group) it came from, for messages.
  function collect(rule, name, pointer, required, names) {
    if (rule["x-form"] === false) return undefined;
    names[pointer] = name;
    if (rule.type === "object" && rule.properties) {
      var result = {}, needed = rule.required || [];
      Object.keys(rule.properties).forEach(function (key) {
        var value = collect(rule.properties[key], name ? name + "." + key : key, pointer + "/" + key,
                            needed.indexOf(key) >= 0, names);
        if (value !== undefined) result[key] = value;
      });
      return required || Object.keys(result).length ? result : undefined;
    }
    if (rule.type === "array") {
      var items = rule.items || {}, values = [];
      if (items.type === "object") {
        var filled = rowsOf(name).map(function (row, r) {
          var rowNames = {};
          var value = collect(items, name + "." + r, "", true, rowNames);
          return { value: value, names: rowNames, filled: Object.keys(value).length > 0 };
        });
        // Empty rows are left out, unless the list would then be too short: their fields get the messages.
        var needRows = (rule.minItems || 0) - filled.filter(function (row) { return row.filled; }).length;
        filled.forEach(function (row) {
          if (!row.filled && needRows-- <= 0) return;
          var at = pointer + "/" + values.length;
          Object.keys(row.names).forEach(function (key) { names[at + key] = row.names[key]; });
          values.push(row.value);
        });
      } else if (items.enum) {
        form.querySelectorAll('[name="' + CSS.escape(name) + '"]:checked').forEach(function (box) { values.push(box.value); });
      } else {
        rowsOf(name).forEach(function (row, r) {
          var text = oneLine((byName(name + "." + r) || {}).value);
          if (!text) return;
          names[pointer + "/" + values.length] = name + "." + r;
          values.push(text);
        });
      }
      return required || values.length ? values : undefined;
    }
    var el = byName(name);
    if (!el) return undefined;
    if (el.type === "checkbox") return el.checked ? true : undefined;
    var raw = oneLine(el.value);
    if (raw === "") return undefined;
    if (rule.type === "integer") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
    return raw;
  }

  function stepTexts(name) {
    return rowsOf(name).map(function (row, r) {
      return { name: name + "." + r, text: oneLine((byName(name + "." + r) || {}).value).replace(/^\d{1,3}[.)]\s+/, "") };
    }).filter(function (step) { return step.text; });
  }

  function sectionTexts() {
    return (data.body.sections || []).map(function (section) {
      var name = "section." + section.title;
      if (section.steps) {
        var steps = stepTexts(name);
        return { section: section, name: name, steps: steps,
                 text: steps.map(function (step, i) { return (i + 1) + ". " + step.text; }).join("\n") };
      }
      var text = String((byName(name) || {}).value || "").replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "")
        .replace(/\n{3,}/g, "\n\n").replace(/^\n+|\s+$/g, "");
      return { section: section, name: name, text: text };
    });
  }

  function fileText(front, sections) {
    // Quoted text values, one line each: the way the project's own template writes them, and safe from
    // YAML's readings of words like "no" or "1:20".
    var yaml = vendor.dumpYaml(front, { forceQuotes: true, quotingType: '"', lineWidth: -1, noRefs: true });
    var body = sections.filter(function (s) { return s.text; })
      .map(function (s) { return "## " + s.section.title + "\n\n" + s.text + "\n"; }).join("\n");
    return "---\n" + yaml + "---\n" + (body ? "\n" + body : "");
  }

  // --- checking ---------------------------------------------------------------------------------------
  function nameAt(pointer, names) {
    while (pointer && !(pointer in names)) pointer = pointer.slice(0, pointer.lastIndexOf("/"));
    return names[pointer] || "";
  }
  function errorTarget(name) {
    while (name && !form.querySelector('[data-cimis-error-for="' + CSS.escape(name) + '"]')) {
      name = name.indexOf(".") >= 0 ? name.slice(0, name.lastIndexOf(".")) : "";
    }
    return name;
  }
  function isChoice(name) {
    var el = byName(name);
    return el ? el.tagName === "SELECT" || el.type === "checkbox" : false;
  }
  function schemaMessage(error) {
    var rule = error.parentSchema || {}, params = error.params || {};
    var example = (rule.examples || [""])[0];
    switch (error.keyword) {
      case "required": return null;
      case "minLength": return format(words.minLength, { length: length(error.data), limit: params.limit });
      case "maxLength": return format(words.maxLength, { length: length(error.data), limit: params.limit,
                                                         over: length(error.data) - params.limit });
      case "minimum": return format(words.minimum, { limit: params.limit });
      case "maximum": return format(words.maximum, { limit: params.limit });
      case "type": return format(words.integer, { example: typeof example === "number" ? example : 12 });
      case "enum": return words.enum;
      case "pattern": return format(words.pattern, { example: example });
      case "format": return words.format;
      case "minItems": return format(words.minItems, { limit: params.limit });
      case "maxItems": return format(words.maxItems, { limit: params.limit, over: error.data.length - params.limit });
      case "uniqueItems": return words.uniqueItems;
      default: return words.other;
    }
  }
  function checkRanges(rule, value, name, add) {
    if (!rule || !value || typeof value !== "object") return;
    var props = rule.properties || {};
    if (props.min && props.max && typeof value.min === "number" && typeof value.max === "number" && value.min > value.max) {
      add(name + ".min", words.range);
    }
    Object.keys(props).forEach(function (key) { checkRanges(props[key], value[key], name ? name + "." + key : key, add); });
  }
  function unsafeUrl(url) {
    var plain = url.replace(/&#x?[0-9a-f]+;?|&colon;/gi, ":").replace(/[\s\u0000-\u001f]/g, "").toLowerCase();
    return rules.unsafeSchemes.some(function (scheme) { return plain.indexOf(scheme) === 0; });
  }
  function textProblem(text, steps) {
    var m;
    if ((m = new RegExp(rules.placeholder).exec(text))) return format(words.placeholder, { found: m[0] });
    if ((m = /<[A-Za-z!\/?][^\s>]*/.exec(text))) return format(words.html, { found: m[0] + (m[0].endsWith(">") ? "" : "…") });
    if (/!\[/.test(text)) return words.image;
    var links = new RegExp(rules.link, "g");
    while ((m = links.exec(text))) if (unsafeUrl(m[3])) return format(words.unsafeLink, { found: m[3].slice(0, 40) });
    var refs = new RegExp(rules.reference, "gm");
    while ((m = refs.exec(text))) if (unsafeUrl(m[1])) return format(words.unsafeLink, { found: m[1].slice(0, 40) });
    if ((m = new RegExp(rules.attribute).exec(text))) return format(words.attribute, { found: m[0] });
    if (!steps && new RegExp(rules.heading, "m").test(text)) return words.heading;
    return null;
  }
  // A format's agenda, as the check sees it (validate.check_agenda, check_format_duration): each block a
  // method or a titled block, minutes within the method's range, days in order, the sum within duration.
  function checkAgenda(front, names, add) {
    var props = data.schema.properties || {};
    if (!props.agenda || !Array.isArray(front.agenda)) return null;
    var days = Number.isInteger(front.days) ? front.days : (props.days || {}).default;
    var daysText = days === 1 ? "1 Tag" : days + " Tage";
    var day = 1, minutes = [];
    front.agenda.forEach(function (block, i) {
      var row = nameAt("/agenda/" + i, names);
      if (("method" in block) === ("title" in block)) {
        add(row + ".method", "method" in block ? words.blockBoth : words.blockNeither);
      }
      var range = data.durations[block.method];
      if (range && Number.isInteger(block.minutes) && (block.minutes < range[0] || block.minutes > range[1])) {
        var select = byName(row + ".method");
        var title = select && select.selectedOptions[0] ? select.selectedOptions[0].textContent : block.method;
        add(row + ".minutes", format(words.blockMinutes, { method: title, low: range[0], high: range[1], minutes: block.minutes }));
      }
      minutes.push(block.minutes);
      if (!Number.isInteger(block.day)) return;
      if (Number.isInteger(days) && block.day > days) add(row + ".day", format(words.blockDayOver, { daysText: daysText, day: block.day }));
      else if (block.day < day) add(row + ".day", format(words.blockDayOrder, { day: block.day, before: day }));
      day = Math.max(day, block.day);
    });
    // The sum is shown as soon as every block has its minutes, compared with the duration once that is given.
    var total = minutes.length && minutes.every(Number.isInteger)
      ? minutes.reduce(function (sum, m) { return sum + m; }, 0) : null;
    var span = front.duration || {};
    if (!Number.isInteger(span.min) || !Number.isInteger(span.max)) return total;
    var perDay = ((props.duration.properties || {}).max || {})["x-maximum-per-day"];
    if (perDay && Number.isInteger(days) && span.max > perDay * days) {
      add("duration.max", format(words.perDay, { daysText: daysText, limit: perDay * days }));
    }
    if (total === null || span.min > span.max) return total;
    var values = { total: total, low: span.min, high: span.max, missing: span.min - total, extra: total - span.max };
    if (total < span.min) add("agenda", format(words.agendaShort, values));
    else if (total > span.max) add("agenda", format(words.agendaLong, values));
    return total;
  }
  function showAgendaTotal(total) {
    var list = listOf("agenda");
    if (!list) return;
    var note = list.querySelector("[data-cimis-agenda-total]");
    if (!note) {
      note = document.createElement("p");
      note.className = "cimis-counter";
      note.setAttribute("data-cimis-agenda-total", "");
      list.querySelector("[data-cimis-add]").before(note);
    }
    note.textContent = total === null ? "" : format(words.agendaTotal, { total: total });
  }

  function frontStrings(value, pointer, visit) {
    if (typeof value === "string") visit(pointer, value);
    else if (value && typeof value === "object") Object.keys(value).forEach(function (key) { frontStrings(value[key], pointer + "/" + key, visit); });
  }

  function evaluate() {
    var names = {};
    var front = collect(data.schema, "", "", true, names);
    var sections = sectionTexts();
    var found = new Map();
    function add(name, message) {
      var target = errorTarget(name);
      if (!found.has(target)) found.set(target, message);
    }
    if (!checkSchema(front)) {
      checkSchema.errors.forEach(function (error) {
        var name = nameAt(error.instancePath, names);
        if (error.keyword === "required") {
          name = name ? name + "." + error.params.missingProperty : error.params.missingProperty;
          add(name, isChoice(name) ? words.requiredChoice : words.required);
        } else {
          add(name, schemaMessage(error));
        }
      });
    }
    checkRanges(data.schema, front, "", add);
    var agendaTotal = checkAgenda(front, names, add);
    frontStrings(front, "", function (pointer, text) {
      var m = new RegExp(rules.placeholder).exec(text);
      if (m) add(nameAt(pointer, names), format(words.placeholder, { found: m[0] }));
    });
    sections.forEach(function (s) {
      var limits = s.section.steps;
      if (limits) {
        s.steps.forEach(function (step) {
          if (length(step.text) > limits.maxLength) {
            add(step.name, format(words.maxLength, { length: length(step.text), limit: limits.maxLength,
                                                     over: length(step.text) - limits.maxLength }));
          }
          var problem = textProblem(step.text, true);
          if (problem) add(step.name, problem);
        });
        if (s.steps.length < limits.minItems || s.steps.length > limits.maxItems) {
          add(s.name, format(words.steps, { min: limits.minItems, max: limits.maxItems, count: s.steps.length }));
        }
      } else if (s.text) {
        var problem = textProblem(s.text, false);
        if (problem) add(s.name, problem);
      } else if (s.section.required) {
        add(s.name, words.section);
      }
    });
    var slug = slugInput.value.trim();
    if (!slug) add("slug", words.slugRequired);
    else if (!slugPattern.test(slug)) add("slug", format(words.slugPattern, { example: suggestSlug(slug) || "mein-beitrag" }));
    else if (data.existing.indexOf(slug) >= 0) add("slug", format(words.slugExists, { slug: slug, suggestion: freeSlug(slug) }));
    if (consent && !consent.checked) add("consent", words.consent);
    return { front: front, file: fileText(front, sections), found: found, slug: slug, agendaTotal: agendaTotal };
  }
  function freeSlug(slug) {
    for (var n = 2; ; n++) if (data.existing.indexOf(slug + "-" + n) < 0) return slug + "-" + n;
  }

  // --- showing ----------------------------------------------------------------------------------------
  function isTouched(name) {
    if (showAll || touched.has(name)) return true;
    for (var each of touched) if (each.indexOf(name + ".") === 0) return true;
    return false;
  }
  function controlsFor(name) {
    var named = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    if (named.length) return Array.from(named);
    if (name === "slug") return [slugInput];
    if (name === "consent") return consent ? [consent] : [];
    var group = form.querySelector('[data-cimis-list="' + CSS.escape(name) + '"]') ||
      form.querySelector('[data-cimis-control="' + CSS.escape(name) + '"]');
    return group ? Array.from(group.querySelectorAll("input, select, textarea")).slice(0, 1) : [];
  }
  function textWithoutMarks(el) {
    var copy = el.cloneNode(true);
    copy.querySelectorAll(".cimis-mark").forEach(function (mark) { mark.remove(); });
    return oneLine(copy.textContent);
  }
  function labelOf(name) {
    var list = listOf(name);
    if (list) return textWithoutMarks(list.querySelector("legend"));
    var control = controlsFor(name)[0];
    if (!control) return name;
    var named = control.closest("[data-cimis-label]");
    if (named) return named.dataset.cimisLabel;
    var label = control.type === "checkbox" && control.closest("fieldset.cimis-choices")
      ? control.closest("fieldset").querySelector("legend") : control.labels && control.labels[0];
    var text = label ? textWithoutMarks(label) : name;
    var row = control.closest("[data-cimis-row]");
    if (row && row.querySelector("legend")) text = textWithoutMarks(row.querySelector("legend")) + ", " + text;
    return text;
  }
  function showErrors(found) {
    form.querySelectorAll("[data-cimis-error-for]").forEach(function (el) {
      var name = el.dataset.cimisErrorFor;
      var message = isTouched(name) ? found.get(name) || "" : "";
      el.textContent = message;
      // Only a field itself is marked invalid; a list's message (too few steps) is not about its first field.
      var fields = name === "slug" || name === "consent" ? controlsFor(name)
        : Array.from(form.querySelectorAll('[name="' + CSS.escape(name) + '"]'));
      fields.forEach(function (control) {
        if (message) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      });
    });
  }
  function ordered(found) {
    var items = [];
    found.forEach(function (message, name) {
      var el = form.querySelector('[data-cimis-error-for="' + CSS.escape(name) + '"]');
      items.push({ name: name, message: message, el: el });
    });
    return items.sort(function (a, b) {
      if (!a.el || !b.el) return a.el ? -1 : 1;
      return a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
  }
  function showSummary(found) {
    var items = ordered(found);
    summary.hidden = items.length === 0;
    summary.textContent = "";
    if (!items.length) return items;
    var title = document.createElement("p");
    title.className = "cimis-summary__title";
    title.textContent = items.length === 1 ? words.summaryOne : format(words.summaryMany, { count: items.length });
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var control = controlsFor(item.name)[0];
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = "#" + (control ? control.id : "");
      link.textContent = labelOf(item.name) + ": " + item.message;
      link.addEventListener("click", function (event) { event.preventDefault(); focusControl(control); });
      li.append(link);
      list.append(li);
    });
    summary.append(title, list);
    return items;
  }
  function focusControl(control) {
    if (!control) return;
    var details = control.closest("details");
    if (details) details.open = true;
    control.focus();
    control.scrollIntoView({ block: "center" });
  }
  function counters() {
    form.querySelectorAll("[data-cimis-counter]").forEach(function (el) {
      var control = byName(el.dataset.cimisCounter);
      if (!control) return;
      var text = oneLine(control.value);
      if (control.name.indexOf("section.") === 0) text = text.replace(/^\d{1,3}[.)]\s+/, "");
      var values = { length: length(text), max: el.dataset.max, min: el.dataset.min };
      el.textContent = format(el.dataset.min ? words.counterMin : words.counter, values);
      el.classList.toggle("cimis-counter--over", values.length > Number(el.dataset.max));
    });
    form.querySelectorAll("[data-cimis-search]").forEach(function (search) {
      var group = search.closest("fieldset");
      var options = Array.from(group.querySelectorAll("[data-cimis-option]"));
      var query = search.querySelector("input").value.trim().toLowerCase();
      var shown = 0;
      options.forEach(function (option) {
        var box = option.querySelector("input");
        option.hidden = !(box.checked || option.dataset.cimisOption.indexOf(query) >= 0);
        if (!option.hidden) shown++;
      });
      search.querySelector("[data-cimis-matches]").textContent = format(words.matches, {
        shown: shown, total: options.length,
        chosen: options.filter(function (o) { return o.querySelector("input").checked; }).length });
    });
  }
  function githubUrl(state) {
    return data.github + "?filename=" + encodeURIComponent(state.slug + ".md") + "&value=" + encodeURIComponent(state.file);
  }
  function bytes(text) { return new TextEncoder().encode(text).length; }
  function mailUrl(state) {
    var title = state.front.title || state.slug;
    var values = { title: title, folder: data.folder, filename: state.slug + ".md", file: state.file };
    var head = "mailto:" + data.contact + "?subject=" + encodeURIComponent(format(words.mailSubject, values)) + "&body=";
    var full = head + encodeURIComponent(format(words.mailBody, values));
    return bytes(full) <= MAIL_LIMIT ? { url: full, long: false }
      : { url: head + encodeURIComponent(format(words.mailAttach, values)), long: true };
  }
  function update() {
    var state = evaluate();
    current = state;
    counters();
    showErrors(state.found);
    if (!summary.hidden) showSummary(state.found);
    output.textContent = state.file;
    showAgendaTotal(state.agendaTotal);
    var status = ways.querySelector("[data-cimis-status]");
    status.textContent = state.found.size ? format(words.notReady, { count: state.found.size })
      : format(words.ready, { folder: data.folder, filename: state.slug + ".md" });
    if (github) {
      var url = githubUrl(state), note = ways.querySelector("[data-cimis-github-note]");
      if (bytes(url) > GITHUB_LIMIT) {
        github.removeAttribute("href");
        github.setAttribute("aria-disabled", "true");
        note.textContent = format(words.tooLong, { limit: GITHUB_LIMIT.toLocaleString("de-DE") });
      } else {
        github.href = url;
        github.removeAttribute("aria-disabled");
        note.textContent = "";
      }
    }
    if (mail) {
      var message = mailUrl(state);
      mail.href = message.url;
      ways.querySelector("[data-cimis-mail-note]").textContent = message.long ? words.mailLong : "";
    }
    return state;
  }
  function attempt() {
    showAll = true;
    var state = update();
    var items = showSummary(state.found);
    if (items.length) {
      focusControl(controlsFor(items[0].name)[0] || summary);
      return false;
    }
    return true;
  }
  function announce(text) { ways.querySelector("[data-cimis-announce]").textContent = text; }

  // --- drafts -----------------------------------------------------------------------------------------
  function save() {
    var rows = {};
    form.querySelectorAll("[data-cimis-list]").forEach(function (list) {
      rows[list.dataset.cimisList] = list.querySelector("[data-cimis-rows]").children.length;
    });
    var draft = { values: readValues(form), rows: rows, slug: slugInput.value, slugEdited: slugEdited,
                  consent: consent ? consent.checked : false };
    try { localStorage.setItem(storageKey, JSON.stringify(draft)); } catch (e) { /* private mode: no draft */ }
  }
  function restore() {
    var draft;
    try { draft = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { draft = null; }
    if (!draft || typeof draft !== "object" || !draft.values) return false;
    Object.keys(draft.rows || {}).forEach(function (name) {
      var list = listOf(name);
      if (list) setRowCount(list, Math.min(Math.max(Number(draft.rows[name]) || 1, Number(list.dataset.min), 1), Number(list.dataset.max)));
    });
    writeValues(form, draft.values);
    slugInput.value = draft.slug || "";
    slugEdited = Boolean(draft.slugEdited);
    if (consent) consent.checked = Boolean(draft.consent);
    return true;
  }
  function defaults() {
    form.querySelectorAll('input[type="date"]').forEach(function (el) { if (!el.value) el.value = today(); });
  }

  // --- wiring -----------------------------------------------------------------------------------------
  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target === slugInput) slugEdited = slugInput.value.trim() !== "";
    if (target.name === "title" && !slugEdited) slugInput.value = suggestSlug(target.value);
    update();
    save();
  });
  form.addEventListener("change", function (event) {
    var target = event.target;
    touched.add(target === slugInput ? "slug" : target === consent ? "consent" : target.name);
    update();
    save();
  });
  form.addEventListener("focusout", function (event) {
    var target = event.target;
    if (target.name || target === slugInput) {
      touched.add(target === slugInput ? "slug" : target.name);
      if (target.name === "title") touched.add("slug");
      update();
    }
  });
  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-cimis-add]"), remove = event.target.closest("[data-cimis-remove]");
    if (add) {
      var row = addRow(add.closest("[data-cimis-list]"));
      var first = row.querySelector("input, select, textarea");
      if (first) first.focus();
    } else if (remove) {
      var list = remove.closest("[data-cimis-list]");
      removeRow(list, remove.closest("[data-cimis-row]"));
      list.querySelector("[data-cimis-add]").focus();
    } else {
      return;
    }
    update();
    save();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (attempt()) {
      output.scrollIntoView({ block: "start" });
      ways.querySelector("[data-cimis-status]").focus();
    }
  });
  form.querySelector("[data-cimis-discard]").addEventListener("click", function () {
    if (!window.confirm(words.discardConfirm)) return;
    try { localStorage.removeItem(storageKey); } catch (e) { /* nothing stored */ }
    form.reset();
    resetRows();
    slugInput.value = "";
    slugEdited = false;
    touched.clear();
    showAll = false;
    summary.hidden = true;
    defaults();
    update();
    form.querySelector("[data-cimis-draft-status]").textContent = words.discarded;
  });
  if (github) {
    github.addEventListener("click", function (event) {
      if (!attempt() || !github.hasAttribute("href")) event.preventDefault();
    });
  }
  if (mail) mail.addEventListener("click", function (event) { if (!attempt()) event.preventDefault(); });
  ways.querySelector("[data-cimis-download]").addEventListener("click", function () {
    if (!attempt()) return;
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([current.file], { type: "text/markdown;charset=utf-8" }));
    link.download = current.slug + ".md";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    announce(format(words.downloaded, { filename: current.slug + ".md" }));
  });
  ways.querySelector("[data-cimis-copy]").addEventListener("click", function () {
    if (!attempt()) return;
    function byHand() {
      var range = document.createRange();
      range.selectNodeContents(output);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      announce(ok ? words.copied : words.copyFailed);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(current.file).then(function () { announce(words.copied); }, byHand);
    } else {
      byHand();
    }
  });

  resetRows();
  var restored = restore();
  defaults();
  form.hidden = false;
  ways.hidden = false;
  update();
  if (restored) form.querySelector("[data-cimis-draft-status]").textContent = words.restored;
})();
