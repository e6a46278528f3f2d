// The bulk page: select devices by scanning them one after the other. A scanner types the
// asset tag (or the serial, or the label's QR address) and Enter; the matching device's box is
// ticked, the field is cleared for the next scan, and the result is read out.
(function () {
  const input = document.getElementById("bulk-scan");
  if (!input) return;
  const status = document.getElementById("bulk-scan-status");
  const boxes = Array.from(document.querySelectorAll('input[type=checkbox][name="devices"]'));
  const byCode = new Map();
  boxes.forEach(function (box) {
    (box.dataset.codes || "").split(" ").forEach(function (code) {
      if (code) byCode.set(code.toUpperCase(), box);
    });
  });

  function codeOf(typed) {
    const text = typed.trim();
    const hash = text.lastIndexOf("#"); // the QR's address ends with #<asset tag>
    return (hash >= 0 ? text.slice(hash + 1) : text).toUpperCase();
  }

  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault(); // never submits the step's form
    const code = codeOf(input.value);
    input.value = "";
    if (!code) return;
    const box = byCode.get(code);
    if (!box) {
      status.textContent = input.dataset.unknown.replace("{tag}", code);
      return;
    }
    box.checked = true;
    const ticked = boxes.filter(function (b) {
      return b.checked;
    }).length;
    status.textContent = input.dataset.found
      .replace("{tag}", box.dataset.tag)
      .replace("{n}", String(ticked));
  });
})();
