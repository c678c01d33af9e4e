/* regup catalog: theme toggle, copy buttons, search over Pagefind. No third-party code. */
(function () {
  "use strict";
  var KEY = "regup-theme";
  var doc = document.documentElement;
  try {
    var saved = localStorage.getItem(KEY);
    if (saved === "dark" || saved === "light") doc.dataset.theme = saved;
  } catch (e) { /* storage may be off */ }

  function isDark() {
    if (doc.dataset.theme) return doc.dataset.theme === "dark";
    return window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function setupTheme() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    /* A toggle button keeps one label; aria-pressed says whether it is on. */
    var sync = function () { button.setAttribute("aria-pressed", String(isDark())); };
    button.hidden = false;
    sync();
    button.addEventListener("click", function () {
      doc.dataset.theme = isDark() ? "light" : "dark";
      try { localStorage.setItem(KEY, doc.dataset.theme); } catch (e) { /* ignore */ }
      sync();
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function setupCopy() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.dataset.copy);
      if (!target) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(target.textContent).then(function () {
          button.textContent = "Copied";
          announce("Copied to the clipboard");
        }, function () {
          button.textContent = "Select and copy";
          announce("Could not copy: select the text and copy it");
        });
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      });
    });
  }

  /* Says `text` to screen readers through the page's live region. */
  function announce(text) {
    var region = document.getElementById("announce");
    if (!region) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; /* data is always text, never HTML */
    return node;
  }

  var FILTER_TITLES = { kind: "Kind", tier: "Tier", status: "Status", transport: "Transport",
    secrets: "Secrets", provenance: "Provenance", verified: "Verified", healthy: "Healthy",
    maintained: "Maintained", tag: "Tags" };
  var PAGE = 30;
  var LOOKAHEAD = 10;

  function setupSearch() {
    var app = document.getElementById("search-app");
    if (!app) return;
    var root = new URL(document.body.dataset.root || "./", location.href);
    var input = document.getElementById("search-q");
    var sortSelect = document.getElementById("search-sort");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var aside = document.getElementById("search-filters");
    var params = new URLSearchParams(location.search);
    var chosen = {};
    var shown = PAGE;
    var pagefind = null;
    var focusFrom = null;
    var runId = 0;
    input.value = params.get("q") || "";
    sortSelect.value = params.get("sort") || "";
    params.forEach(function (value, key) {
      if (key.indexOf("f.") === 0) (chosen[key.slice(2)] = chosen[key.slice(2)] || []).push(value);
    });

    function state() {
      var next = new URLSearchParams();
      if (input.value.trim()) next.set("q", input.value.trim());
      if (sortSelect.value) next.set("sort", sortSelect.value);
      Object.keys(chosen).sort().forEach(function (k) {
        chosen[k].forEach(function (v) { next.append("f." + k, v); });
      });
      history.replaceState(null, "", "?" + next.toString());
    }

    function options() {
      var filters = {};
      Object.keys(chosen).forEach(function (k) { if (chosen[k].length) filters[k] = { any: chosen[k] }; });
      var opts = { filters: filters };
      if (sortSelect.value) {
        var parts = sortSelect.value.split(":");
        opts.sort = {};
        opts.sort[parts[0]] = parts[1];
      }
      return opts;
    }

    var countNoun = app.dataset.noun || "server"; /* "result" when the registry has skills */
    var filtersLoaded = false;

    function renderFilters(counts) {
      /* the filters are drawn anew: keep the keyboard focus on the box it was on */
      var focused = document.activeElement;
      var keep = focused && focused.name && focused.name.indexOf("f.") === 0 && aside.contains(focused)
        ? [focused.name, focused.value] : null;
      aside.textContent = "";
      Object.keys(FILTER_TITLES).forEach(function (key) {
        var values = counts[key] || {};
        var picked = chosen[key] || [];
        var names = Object.keys(values).filter(function (n) {
          return values[n] > 0 || picked.indexOf(n) >= 0;
        }).sort(function (a, b) { return values[b] - values[a] || (a < b ? -1 : 1); });
        if (!names.length) return;
        var box = el("fieldset", "filter");
        box.appendChild(el("legend", "", FILTER_TITLES[key]));
        names.slice(0, key === "tag" ? 40 : 20).forEach(function (name) {
          var label = el("label");
          var check = el("input");
          check.type = "checkbox";
          check.name = "f." + key;
          check.value = name;
          check.checked = (chosen[key] || []).indexOf(name) >= 0;
          check.addEventListener("change", function () {
            var now = chosen[key] || [];
            chosen[key] = check.checked ? now.concat([name]) : now.filter(function (v) { return v !== name; });
            shown = PAGE;
            run();
          });
          label.appendChild(check);
          label.appendChild(document.createTextNode(" " + name + " "));
          label.appendChild(el("span", "count", String(values[name])));
          box.appendChild(label);
        });
        aside.appendChild(box);
      });
      if (keep) {
        aside.querySelectorAll("input").forEach(function (box) {
          if (box.name === keep[0] && box.value === keep[1]) box.focus();
        });
      }
    }

    /* Query words as the index has them: lower case, "_" and "-" are spaces. */
    function words(text) {
      return text.toLowerCase().split(/[\s_\-]+/).filter(function (w) { return w; });
    }

    /* The tools of a result that the query names: the whole name, or every query word as
       a whole word of the tool name (pull_request finds create_pull_request). */
    function matchedTools(data, query) {
      var asked = words(query);
      var whole = asked.join("_");
      if (!asked.length) return [];
      return (data.meta.toolnames || "").split(" ").filter(function (tool) {
        if (!tool) return false;
        var parts = words(tool);
        return parts.join("_") === whole || asked.every(function (w) { return parts.indexOf(w) >= 0; });
      });
    }

    /* 0: the query is the server's name or one of its tool names; 1: a tool name holds
       every query word; 2: anything else. */
    function tier(data, query, tools) {
      var whole = words(query).join("_");
      if (words(data.meta.name).join("_") === whole) return 0;
      if (tools.some(function (t) { return words(t).join("_") === whole; })) return 0;
      return tools.length ? 1 : 2;
    }

    function card(data, tools) {
      var deprecated = (data.filters.status || []).indexOf("Deprecated") >= 0;
      var item = el("li", deprecated ? "card deprecated" : "card");
      var h = el("h3");
      var a = el("a", "", data.meta.title);
      a.href = new URL(data.url.replace(/^\/+/, ""), root).href;
      h.appendChild(a);
      h.appendChild(document.createTextNode(" "));
      h.appendChild(el("code", "name", data.meta.name));
      item.appendChild(h);
      item.appendChild(el("p", "", data.meta.description));
      var badges = el("p", "badges");
      ["tier", "status", "transport", "kind"].forEach(function (k) {
        (data.filters[k] || []).forEach(function (v) {
          badges.appendChild(el("span", v === "Deprecated" ? "badge bad" : "badge info", v));
        });
      });
      item.appendChild(badges);
      if (tools.length) {
        var matched = el("p", "matched", "Matching tools: ");
        tools.slice(0, 8).forEach(function (tool, i) {
          if (i) matched.appendChild(document.createTextNode(", "));
          var link = el("a", "", "");
          link.appendChild(el("code", "", tool));
          link.href = a.href + "#tool-" + tool;
          matched.appendChild(link);
        });
        if (tools.length > 8) matched.appendChild(document.createTextNode(" and " + (tools.length - 8) + " more"));
        item.appendChild(matched);
      }
      var isSkill = (data.filters.kind || []).indexOf("skill") >= 0;
      item.appendChild(el("p", "figures", isSkill ? "skill · version " + data.meta.version
        : data.meta.tools + " tools · ★ " + data.meta.stars + " · updated " + data.meta.updated));
      return item;
    }

    /* Pagefind's results with deprecated servers after the others (unless a status is
       chosen): the same search again, without the deprecated ones. Until the filter index
       has loaded, one search only (a filter would wait for that index): the first results
       come sooner, deprecated ones after the others among those shown, and the search
       runs again, in full, once the index is there. */
    function find(query, opts) {
      var all = pagefind.search(query, opts);
      if (!filtersLoaded || (chosen.status || []).length || sortSelect.value) {
        return all.then(function (s) { return s && { search: s, results: s.results }; });
      }
      var live = JSON.parse(JSON.stringify(opts));
      live.filters.status = { none: ["Deprecated"] };
      return Promise.all([all, pagefind.search(query, live)]).then(function (pair) {
        if (!pair[0] || !pair[1]) return null;
        var first = {};
        pair[1].results.forEach(function (r) { first[r.id] = true; });
        return { search: pair[0], results: pair[1].results.concat(
          pair[0].results.filter(function (r) { return !first[r.id]; })) };
      });
    }

    /* Within the results loaded for display, servers named by the query come first, then
       those with a tool holding every query word; otherwise Pagefind's order stays, and
       deprecated servers stay after the others. */
    function ranked(items, query) {
      if (!query || sortSelect.value) return items.map(function (d) { return { data: d, tools: query ? matchedTools(d, query) : [] }; });
      return items.map(function (d, i) {
        var tools = matchedTools(d, query);
        var dep = (d.filters.status || []).indexOf("Deprecated") >= 0 ? 1 : 0;
        return { data: d, tools: tools, key: [dep, tier(d, query, tools), i] };
      }).sort(function (x, y) {
        for (var k = 0; k < 3; k++) if (x.key[k] !== y.key[k]) return x.key[k] - y.key[k];
        return 0;
      });
    }

    var vocabulary = null;
    function loadWords() {
      if (!vocabulary) {
        vocabulary = fetch(new URL(app.dataset.words, location.href).href).then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        });
      }
      return vocabulary;
    }

    /* Edit distance of a and b, or more than max as soon as it is sure (insertions,
       deletions, substitutions and swaps of two neighbours). */
    function distance(a, b, max) {
      if (Math.abs(a.length - b.length) > max) return max + 1;
      var prev2 = null, prev = [], i, j;
      for (j = 0; j <= b.length; j++) prev.push(j);
      for (i = 1; i <= a.length; i++) {
        var row = [i], least = i;
        for (j = 1; j <= b.length; j++) {
          var cost = a[i - 1] === b[j - 1] ? 0 : 1;
          var v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
          if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
          row.push(v);
          least = Math.min(least, v);
        }
        if (least > max) return max + 1;
        prev2 = prev;
        prev = row;
      }
      return prev[b.length];
    }

    /* The query with each unknown word replaced by a known word one edit away, or null. */
    function corrected(query, vocab) {
      var known = {};
      vocab.words.forEach(function (w) { known[w] = true; });
      var changed = false;
      var out = words(query).map(function (w) {
        if (known[w] || w.length < 3) return w;
        for (var k = 0; k < vocab.words.length; k++) {
          if (distance(w, vocab.words[k], 1) <= 1) { changed = true; return vocab.words[k]; }
        }
        return w;
      });
      return changed ? out.join(" ") : null;
    }

    /* Names and tags close to the query: within two edits of it, or starting with it. */
    function suggestions(query, vocab) {
      var q = words(query).join("-");
      var close = function (list) {
        return list.filter(function (v) {
          return v.indexOf(q) === 0 || distance(q, v.toLowerCase(), 2) <= 2;
        }).slice(0, 6);
      };
      return { names: close(vocab.names), tags: close(vocab.tags) };
    }

    function showEmpty(query) {
      loadWords().then(function (vocab) {
        var found = suggestions(query, vocab);
        if (!found.names.length && !found.tags.length) return;
        var li = el("li", "suggest");
        li.appendChild(document.createTextNode("Did you mean "));
        var links = found.names.map(function (n) {
          var a = el("a", "", n);
          a.href = new URL("servers/" + n + "/", root).href;
          return a;
        }).concat(found.tags.map(function (t) {
          var a = el("a", "", "tag: " + t);
          a.href = new URL("tag/" + encodeURIComponent(t) + "/", root).href;
          return a;
        }));
        links.forEach(function (a, i) {
          if (i) li.appendChild(document.createTextNode(", "));
          li.appendChild(a);
        });
        li.appendChild(document.createTextNode("?"));
        list.appendChild(li);
      }).catch(function () { /* suggestions are a help, never an error */ });
    }

    /* Search for what the form holds and show it; `again` (the same search once more, now
       with the filter index) leaves the status line alone until the answer is there. */
    function run(again) {
      var id = ++runId;
      state();
      var query = input.value.trim() || null;
      if (!again) status.textContent = "Searching…";
      return searchFor(id, query, query && words(query).join(" "), null);
    }

    /* Show the results of `asked` (the index's form of `query`); when nothing matches, try
       the query with typos corrected once, then suggest close names and tags. */
    function searchFor(id, query, asked, typo) {
      return find(asked, options()).then(function (found) {
        if (id !== runId || !found) return;
        var results = found.results;
        if (!results.length && query && typo === null) {
          return loadWords().then(function (vocab) {
            var fixed = corrected(query, vocab);
            if (id !== runId) return;
            if (fixed) return searchFor(id, fixed, fixed, query);
            show(id, found, query, null);
          }, function () { show(id, found, query, null); });
        }
        return show(id, found, query, typo);
      }).catch(function (err) {
        status.textContent = "Search failed: " + err.message;
      });
    }

    function show(id, found, query, typo) {
      var counts = found.search.filters || {};
      if (filtersLoaded || Object.keys(counts).length) renderFilters(counts);
      var results = found.results;
      /* load a few more than shown, so that a server named by the query can move up */
      var loaded = results.slice(0, shown + (query ? LOOKAHEAD : 0));
      return Promise.all(loaded.map(function (r) { return r.data(); })).then(function (items) {
        if (id !== runId) return;
        list.textContent = "";
        ranked(items, query).slice(0, shown).forEach(function (x) { list.appendChild(card(x.data, x.tools)); });
        if (focusFrom !== null) {
          /* after "Show more", the focus goes to the first new result */
          var next = list.querySelectorAll("li.card h3 a")[focusFrom];
          if (next) next.focus();
          focusFrom = null;
        }
        var noun = countNoun;
        var count = results.length + " " + noun + (results.length === 1 ? "" : "s");
        if (typo) status.textContent = "No " + noun + " matches “" + typo + "”; " + count + " match “" + query + "”";
        else status.textContent = count + (query ? " match “" + query + "”" : "");
        if (!results.length && query) showEmpty(query);
        if (results.length > shown) {
          var more = el("button", "more", "Show more");
          more.type = "button";
          more.addEventListener("click", function () { focusFrom = shown; shown += PAGE; run(); });
          var li = el("li");
          li.appendChild(more);
          list.appendChild(li);
        }
      });
    }

    /* On narrow screens the filters fold away behind a button, so results come first. */
    var toggle = document.getElementById("filters-toggle");
    var narrow = window.matchMedia ? matchMedia("(max-width: 40rem)") : null;
    function fold() {
      var folded = !!(narrow && narrow.matches) && toggle.getAttribute("aria-expanded") !== "true";
      toggle.hidden = !(narrow && narrow.matches);
      aside.hidden = folded;
    }
    if (toggle) {
      toggle.addEventListener("click", function () {
        toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true"));
        fold();
      });
      if (narrow && narrow.addEventListener) narrow.addEventListener("change", fold);
      fold();
    }

    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      shown = PAGE;
      timer = setTimeout(run, 120);
    });
    sortSelect.addEventListener("change", function () { shown = PAGE; run(); });
    document.getElementById("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
    import(new URL(app.dataset.pagefind, location.href).href).then(function (module) {
      pagefind = module;
      return pagefind.options({ baseUrl: "/" });
    }).then(function () {
      /* the first results do not wait for the filter index, which loads after them */
      return run().then(function () { return pagefind.filters(); }).then(function () {
        /* with the filter index loaded, searches carry counts and deprecated servers
           go after all others: search again (what the form holds now) */
        filtersLoaded = true;
        return run(true);
      });
    }).catch(function (err) {
      status.textContent = "The search index could not load: " + err.message;
    });
  }

  /* Search forms land on the page of every server without JavaScript; with it, they go
     to the search page. */
  function setupForms() {
    document.querySelectorAll("form[data-search]").forEach(function (form) {
      form.action = form.dataset.search;
    });
  }

  /* The fill-in form of a server page. The server marks where a value goes: in JSON and
     TOML each placeholder inside a string (<span data-fill="NAME">), quoted for that
     language by QUOTE; in shell text each word that holds one (<span data-sh="WORD">, the
     word unquoted), filled and quoted again as shlex.quote does; VS Code's inputs list
     (<span data-inputs>) loses the prompt of each non-secret value given. Each hint holds
     every variant the server wrote for it (<span data-about="A B"> around one
     <span data-unfilled="..."> per set of those values still empty): the one whose set is
     the current one is shown, the others hidden; a <span data-fill> in a hint takes the
     value as typed. The links get
     the non-secret values in their JSON payload. Nothing leaves the page: the inputs have
     no name and sit in no form (nothing to submit), nothing is stored, nothing is fetched.
     Secrets never go into a link. */
  var QUOTE = {
    /* JSON: the content of a JSON string, what JSON.stringify writes between its quotes
       (json.dumps with ensure_ascii=False writes the same). */
    json: function (v) { return JSON.stringify(v).slice(1, -1); },
    /* TOML: the content of a basic string: \ and " escaped, control characters as
       \b \t \n \f \r or \uXXXX (what regup.install.formats.toml_string writes). */
    toml: function (v) {
      return v.replace(/[\\"\u0000-\u001f\u007f]/g, function (c) {
        var named = { "\\": "\\\\", "\"": "\\\"", "\b": "\\b", "\t": "\\t", "\n": "\\n",
          "\f": "\\f", "\r": "\\r" }[c];
        return named || "\\u" + ("000" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
      });
    },
    /* Shell: one whole word, as shlex.quote writes it: bare when every character is safe,
       else in single quotes, each ' written as '"'"'. */
    sh: function (v) {
      if (!v) return "''";
      if (!/[^\w@%+=:,.\/-]/.test(v)) return v;
      return "'" + v.replace(/'/g, "'\"'\"'") + "'";
    }
  };

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* `text` with each key of `swaps` replaced by its value, in one pass: a value that
     happens to hold another placeholder is left as typed. */
  function swapAll(text, swaps) {
    var keys = Object.keys(swaps).sort(function (a, b) { return b.length - a.length; });
    if (!keys.length) return text;
    return text.replace(new RegExp(keys.map(escapeRegExp).join("|"), "g"), function (m) {
      return swaps[m];
    });
  }

  function toBase64(text) {
    var bytes = new TextEncoder().encode(text), out = "";
    for (var i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]);
    return btoa(out);
  }

  function fromBase64(text) {
    var raw = atob(text), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  }

  /* `href` with the `filled` values (non-secret only) in its JSON payload: VS Code's whole
     query, Cursor's base64 `config`; a VS Code input whose value is given is no longer
     prompted for. */
  function filledLink(href, filled) {
    var cut = href.indexOf("?") + 1, head = href.slice(0, cut), query = href.slice(cut);
    var config = query.indexOf("&config="), b64 = config >= 0;
    if (b64) { head += query.slice(0, config + 8); query = query.slice(config + 8); }
    var json = decodeURIComponent(query);
    var data = JSON.parse(b64 ? fromBase64(json) : json);
    var swaps = {};
    filled.forEach(function (f) {
      swaps["<" + f.name + ">"] = f.value;
      swaps["${input:" + f.input + "}"] = f.value;
    });
    var swap = function (value) {
      if (typeof value === "string") return swapAll(value, swaps);
      if (Array.isArray(value)) return value.map(swap);
      if (value && typeof value === "object") {
        var out = {};
        Object.keys(value).forEach(function (k) { out[k] = swap(value[k]); });
        return out;
      }
      return value;
    };
    var inputs = data.inputs;
    delete data.inputs;
    data = swap(data);
    if (Array.isArray(inputs)) {
      inputs = inputs.filter(function (i) {
        return !filled.some(function (f) { return f.input === i.id; });
      });
      if (inputs.length) data.inputs = inputs;
    }
    json = JSON.stringify(data);
    return head + encodeURIComponent(b64 ? toBase64(json) : json);
  }

  function setupFill() {
    var form = document.getElementById("fill");
    if (!form) return;
    var inputs = [].slice.call(form.querySelectorAll("input[data-name]"));
    var marks = [].slice.call(document.querySelectorAll("#install code [data-fill]"))
      .map(function (span) {
        var lang = (span.closest("code").className.match(/language-(\w+)/) || [])[1];
        return { span: span, text: span.textContent, quote: QUOTE[lang] };
      }).filter(function (m) { return m.quote; });
    var words = [].slice.call(document.querySelectorAll("#install code [data-sh]"));
    /* VS Code's inputs list: [[id, item text], ...]; a filled value is no longer asked. */
    var lists = [].slice.call(document.querySelectorAll("#install code [data-inputs]"))
      .map(function (span) { return { span: span, items: JSON.parse(span.dataset.inputs) }; });
    var spoken = [].slice.call(document.querySelectorAll("#install .hint [data-fill]"))
      .map(function (span) { return { span: span, text: span.textContent }; });
    var hints = [].slice.call(document.querySelectorAll("#install .hint [data-about]"))
      .map(function (span) {
        return { about: span.dataset.about.split(" "),
          variants: [].slice.call(span.querySelectorAll("[data-unfilled]")) };
      });
    var links = [].slice.call(document.querySelectorAll("#install .install-links a"))
      .map(function (a) { return { a: a, href: a.getAttribute("href") }; });
    var update = function () {
      var values = {}, placeholders = {}, plain = [];
      inputs.forEach(function (input) {
        if (!input.value) return;
        values[input.dataset.name] = input.value;
        placeholders["<" + input.dataset.name + ">"] = input.value;
        if (!input.hasAttribute("data-secret")) {
          plain.push({ name: input.dataset.name, input: input.dataset.input, value: input.value });
        }
      });
      marks.forEach(function (m) {
        var value = values[m.span.dataset.fill];
        m.span.textContent = value ? m.quote(value) : m.text;
      });
      words.forEach(function (span) {
        span.textContent = QUOTE.sh(swapAll(span.dataset.sh, placeholders));
      });
      spoken.forEach(function (m) { m.span.textContent = values[m.span.dataset.fill] || m.text; });
      hints.forEach(function (h) {
        var unfilled = h.about.filter(function (n) { return !values[n]; }).join(" ");
        h.variants.forEach(function (v) { v.hidden = v.dataset.unfilled !== unfilled; });
      });
      lists.forEach(function (l) {
        var kept = l.items.filter(function (item) {
          return !plain.some(function (f) { return f.input === item[0]; });
        }).map(function (item) { return item[1]; });
        l.span.textContent = kept.length ? "  \"inputs\": [\n" + kept.join(",\n") + "\n  ],\n" : "";
      });
      links.forEach(function (l) {
        var needs = l.a.dataset.needs;
        if (needs !== undefined) {
          l.a.hidden = !needs.split(" ").every(function (n) {
            return plain.some(function (f) { return f.name === n; });
          });
        }
        l.a.setAttribute("href", plain.length ? filledLink(l.href, plain) : l.href);
      });
    };
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    form.hidden = false;
    update(); /* values the browser restored on back/forward */
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupForms();
    setupTheme();
    setupCopy();
    setupFill();
    setupSearch();
  });
})();
