// Behaviour that used to live in inline attributes: the Content Security Policy runs no
// inline script (onclick=…) and applies no inline style (style="…").
(function () {
  function init(root) {
    // Stacked progress bars: each part's width comes from data-pct.
    root.querySelectorAll("[data-pct]").forEach(function (el) {
      const pct = parseFloat(el.dataset.pct);
      if (!isNaN(pct)) el.style.width = pct + "%";
    });
    // "Select all" checkbox: data-select-all names the checkboxes it toggles.
    root.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        const name = box.dataset.selectAll;
        (box.form || document)
          .querySelectorAll('input[type=checkbox][name="' + name + '"]')
          .forEach(function (c) {
            c.checked = box.checked;
          });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
