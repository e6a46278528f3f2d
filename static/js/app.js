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
  // A "select all" checkbox: data-select-all names the checkboxes it toggles.
  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) return;
    (box.form || document)
      .querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]')
      .forEach(function (c) {
        c.checked = box.checked;
      });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    sizeBars(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      sizeBars(document);
    });
  } else {
    sizeBars(document);
  }
})();
