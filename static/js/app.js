// Behaviour that used to live in inline attributes: the Content Security Policy runs no
// inline script (onclick=…, onfocus=…) and applies no inline style (style="…").
(function () {
  // Stacked progress bars: each part's width comes from data-pct.
  function sizeBars(root) {
    root.querySelectorAll("[data-pct]").forEach(function (el) {
      const pct = parseFloat(el.dataset.pct);
      if (!isNaN(pct)) el.style.width = pct + "%";
    });
  }

  // Delegated, so that parts swapped in by htmx behave the same.
  // A field whose content is selected on focus: a refused scan is replaced by the next one.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
  // A "select all" checkbox: data-select-all names the checkboxes it toggles. It also says
  // what they are: ticked when all are (a page shown again after an error keeps its ticks),
  // half-ticked when some are.
  function members(box) {
    return (box.form || document).querySelectorAll(
      'input[type=checkbox][name="' + box.dataset.selectAll + '"]'
    );
  }
  function syncSelectAll(root) {
    root.querySelectorAll("input[data-select-all]").forEach(function (box) {
      const all = Array.prototype.slice.call(members(box));
      const ticked = all.filter(function (c) { return c.checked; }).length;
      box.checked = all.length > 0 && ticked === all.length;
      box.indeterminate = ticked > 0 && ticked < all.length;
    });
  }
  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!box.matches) return;
    if (box.matches("input[data-select-all]")) {
      members(box).forEach(function (c) {
        c.checked = box.checked;
      });
      box.indeterminate = false;
    } else if (box.matches("input[type=checkbox]")) {
      syncSelectAll(box.form || document);
    }
  });

  // A report asked for downloads by itself once ready (the job page reached from the
  // request); the address loses its flag, so that coming back does not download again.
  function autoDownload(root) {
    const link = root.querySelector("a[data-auto-download]");
    if (!link || link.dataset.started) return;
    link.dataset.started = "1";
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    // A download, not a navigation: the page stays as it is, its link still there.
    link.setAttribute("download", "");
    link.click();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    sizeBars(event.target);
    autoDownload(document);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      sizeBars(document);
      syncSelectAll(document);
      autoDownload(document);
    });
  } else {
    sizeBars(document);
    syncSelectAll(document);
    autoDownload(document);
  }
})();
