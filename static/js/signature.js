// A signature drawn with a finger, a stylus or a mouse on the desk's tablet: the drawing goes
// into the form's hidden "signature" field as a PNG when the form is sent. Without a drawing
// (or without JavaScript) the document is signed on paper.
(function () {
  "use strict";
  document.querySelectorAll("[data-signature]").forEach(function (box) {
    var canvas = box.querySelector("canvas");
    var field = box.querySelector("input[name=signature]");
    var clear = box.querySelector("[data-signature-clear]");
    var status = box.querySelector("[data-signature-status]");
    var form = box.closest("form");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    box.hidden = false;

    function reset() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      drawn = false;
      field.value = "";
      if (status) status.textContent = status.dataset.empty;
    }
    function point(event) {
      var r = canvas.getBoundingClientRect();
      return [
        ((event.clientX - r.left) * canvas.width) / r.width,
        ((event.clientY - r.top) * canvas.height) / r.height,
      ];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      if (!drawn && status) status.textContent = status.dataset.signed;
      drawn = true;
      event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () {
        drawing = false;
      });
    });
    if (clear) clear.addEventListener("click", reset);
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
    reset();
  });
})();
