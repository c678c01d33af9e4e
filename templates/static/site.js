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
    var sync = function () {
      var dark = isDark();
      button.setAttribute("aria-pressed", String(dark));
      button.textContent = dark ? "Light theme" : "Dark theme";
    };
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
        }, function () {
          button.textContent = "Select and copy";
        });
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; /* data is always text, never HTML */
    return node;
  }

  var FILTER_TITLES = { kind: "Kind", tier: "Tier", status: "Status", transport: "Transport",
    secrets: "Secrets", provenance: "Provenance", tag: "Tags" };
  var PAGE = 30;

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

    function renderFilters(counts) {
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
    }

    function card(data) {
      var item = el("li", "card");
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
        (data.filters[k] || []).forEach(function (v) { badges.appendChild(el("span", "badge info", v)); });
      });
      item.appendChild(badges);
      item.appendChild(el("p", "figures", data.meta.tools + " tools · ★ " + data.meta.stars + " · updated " + data.meta.updated));
      return item;
    }

    function run() {
      var id = ++runId;
      state();
      var query = input.value.trim() || null;
      status.textContent = "Searching…";
      pagefind.search(query, options()).then(function (search) {
        if (id !== runId || !search) return;
        renderFilters(search.filters || {});
        var results = search.results;
        return Promise.all(results.slice(0, shown).map(function (r) { return r.data(); })).then(function (items) {
          if (id !== runId) return;
          list.textContent = "";
          items.forEach(function (data) { list.appendChild(card(data)); });
          status.textContent = results.length + (results.length === 1 ? " server" : " servers") +
            (query ? " match “" + query + "”" : "");
          if (results.length > shown) {
            var more = el("button", "more", "Show more");
            more.type = "button";
            more.addEventListener("click", function () { shown += PAGE; run(); });
            var li = el("li");
            li.appendChild(more);
            list.appendChild(li);
          }
        });
      }).catch(function (err) {
        status.textContent = "Search failed: " + err.message;
      });
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
      return pagefind.filters(); /* loads the filter index, so results carry counts */
    }).then(function () {
      run();
    }).catch(function (err) {
      status.textContent = "The search index could not load: " + err.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    setupCopy();
    setupSearch();
  });
})();
