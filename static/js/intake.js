// Scan-first intake: a barcode scanner types the serial and Enter, often faster than the
// server answers. Each scan is captured at once (with the sticky fields), the serial field is
// cleared for the next scan, and the requests are sent one after another, in order.
(function () {
  // "Print on intake" (the workstation's printer settings): the PDF label opens in a hidden
  // frame and asks the browser to print it; a ZPL or Brother file is downloaded for the
  // station's print helper.
  function autoprint(link) {
    if (!link) return;
    if (link.dataset.autoprint === "pdf") {
      const frame = document.createElement("iframe");
      frame.hidden = true;
      frame.src = link.href;
      frame.addEventListener("load", function () {
        frame.contentWindow.print();
      });
      document.body.appendChild(frame);
    } else {
      const a = document.createElement("a");
      a.href = link.href;
      a.download = "";
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
  }

  const form = document.getElementById("intake-form");
  if (!form) return;
  const serial = form.querySelector("[name=serial_number]");
  const feedback = document.getElementById(form.dataset.feedback);
  let queue = Promise.resolve();
  let pending = 0;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const data = new FormData(form);
    serial.value = "";
    serial.focus();
    pending += 1;
    form.setAttribute("aria-busy", "true");
    queue = queue
      .then(function () {
        return fetch(form.action, {
          method: "POST",
          body: data,
          credentials: "same-origin",
          headers: { "HX-Request": "true", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
        });
      })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        feedback.innerHTML = html;
        autoprint(feedback.querySelector("[data-autoprint]"));
      })
      .catch(function () {
        const div = document.createElement("div");
        div.className = "flash-bad";
        div.setAttribute("role", "alert");
        div.textContent = form.dataset.networkError + " " + (data.get("serial_number") || "");
        feedback.prepend(div);
      })
      .finally(function () {
        pending -= 1;
        if (!pending) form.removeAttribute("aria-busy");
      });
  });
})();
