// A phone's camera as the scan box's barcode scanner. The decoder (ZXing, vendored under
// static/vendor/zxing) is loaded only when the button is pressed, and reads the image in the
// browser; what it reads is typed into the box and sent, as a handheld scanner would.
(function () {
  const button = document.querySelector("button[data-camera-scan]");
  if (!button || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const dialog = document.getElementById(button.dataset.cameraScan);
  const input = document.getElementById(button.dataset.input);
  if (!dialog || !input || typeof dialog.showModal !== "function") return;
  const video = dialog.querySelector("video");
  const status = dialog.querySelector("[role=status]");
  let reader = null;
  let loading = null;
  button.hidden = false;

  function loadDecoder() {
    if (window.ZXing) return Promise.resolve(window.ZXing);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = button.dataset.decoder;
        script.onload = function () {
          resolve(window.ZXing);
        };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function stop() {
    if (reader) reader.reset();
    reader = null;
  }

  function found(text) {
    stop();
    dialog.close();
    input.value = text.trim();
    if (input.form.requestSubmit) input.form.requestSubmit();
    else input.form.submit();
  }

  function start(ZXing) {
    const hints = new Map();
    hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, [
      ZXing.BarcodeFormat.CODE_128,
      ZXing.BarcodeFormat.QR_CODE,
      ZXing.BarcodeFormat.CODE_39,
      ZXing.BarcodeFormat.EAN_13,
      ZXing.BarcodeFormat.DATA_MATRIX,
    ]);
    hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
    reader = new ZXing.BrowserMultiFormatReader(hints, 200);
    status.textContent = button.dataset.aim;
    reader
      .decodeFromConstraints(
        { audio: false, video: { facingMode: { ideal: "environment" } } },
        video,
        function (result) {
          if (result && reader) found(result.getText());
        },
      )
      .catch(function () {
        stop();
        status.textContent = button.dataset.denied;
      });
  }

  button.addEventListener("click", function () {
    status.textContent = button.dataset.loading;
    dialog.showModal();
    loadDecoder().then(start, function () {
      status.textContent = button.dataset.denied;
    });
  });
  dialog.addEventListener("close", stop);
  dialog.querySelector("[data-close]").addEventListener("click", function () {
    dialog.close();
  });
})();
